"""The seeded demo: fictional authorities' records in the real formats and the canonical layout.

``generate`` builds the canonical tables in memory; ``write_demo`` writes a data directory
(see ``docs/architecture.md``, "Data directory") with the same records as canonical CSV,
CIN census XML and SSDA903 CSV, plus synthetic comparators, neighbours and targets.
"""

from .authorities import DemoAuthority, make_authorities
from .generate import DEFAULT_SEED, default_years, generate
from .write import write_demo

__all__ = [
    "DEFAULT_SEED",
    "DemoAuthority",
    "default_years",
    "generate",
    "make_authorities",
    "write_demo",
]
