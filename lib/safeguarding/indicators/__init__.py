"""Indicators from record-level data: ``authority, indicator, period, value, numerator,
denominator`` for any authorities, indicators and periods.

``compute`` is the batch entry point; ``compute_one`` gives a single figure; the rules
themselves (one small vectorised function per catalogue ``rule:``) live in ``rules`` and,
for the National Framework measures, ``framework``.
"""

from __future__ import annotations

from . import (
    framework,  # noqa: F401  (registers the National Framework rules)
    in_year_rules,  # noqa: F401  (registers its rules)
)
from .context import RULES
from .engine import (
    COLUMNS,
    NotComputable,
    Result,
    available_indicators,
    compute,
    compute_one,
    explain,
)

__all__ = [
    "COLUMNS",
    "RULES",
    "NotComputable",
    "Result",
    "available_indicators",
    "compute",
    "compute_one",
    "explain",
]
