"""Fictional authorities: names, codes, regions, sizes and how each differs from England.

The demo sits inside a synthetic England of :data:`ENGLAND_SIZE` authorities (more when more
are asked for). The first ``n`` have record-level data; the rest exist only in the
comparators, so that ranks, quartiles and neighbour averages have an England to work with.
Authority ``k`` is drawn from its own random stream, so the first five are the same whether
five or 153 are generated: a synthetic England extends the demo rather than replacing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .national import REGIONS

ENGLAND_SIZE = 152

# DfE three-digit codes no real authority uses: 901-907, 944-999, then 101-199.
FREE_CODES: tuple[str, ...] = tuple(
    f"{c}" for c in [*range(901, 908), *range(944, 1000), *range(101, 200)]
)

# The demo's own five, from small (numbers too small to mean much) to large. Sizes are
# children aged 0-17; kept modest so that the demo generates in seconds on first use (the
# synthetic England of `national` goes up to a quarter of a million).
_DEMO = (
    ("Wexcombe", "South West", 12_000),
    ("Harrowdale", "North East", 22_000),
    ("Castlemere", "East Midlands", 35_000),
    ("Brackenridge", "North West", 55_000),
    ("Eastmarsh", "South East", 90_000),
)
_STEMS = [
    "Ash",
    "Bram",
    "Cal",
    "Dun",
    "Elm",
    "Fen",
    "Gar",
    "Hal",
    "Ing",
    "Kel",
    "Lang",
    "Mar",
    "Nor",
    "Orm",
    "Pen",
    "Rad",
    "Sal",
    "Tam",
    "Wen",
    "Yar",
    "Brock",
    "Cran",
    "Fair",
    "Glen",
    "Hazel",
    "Kirk",
    "Stan",
    "Wold",
    "Ald",
    "Bel",
    "Cold",
    "Ever",
    "Hol",
    "Lin",
    "Mill",
    "Red",
    "Sil",
    "Thorn",
    "Wil",
]
_ENDINGS = [
    "ford",
    "ham",
    "ton",
    "bury",
    "ley",
    "wick",
    "field",
    "borough",
    "mere",
    "dale",
    "stead",
    "worth",
    "combe",
    "by",
    "thorpe",
]

# How far an authority's percentages sit from England's (standard deviation, points).
OFFSET_SD: dict[str, float] = {
    "NI59": 7.0, "NI60": 7.0, "NI62": 2.0, "NI63": 5.0, "NI64": 1.5, "NI65": 3.0,
    "NI66": 4.0, "NI67": 3.0, "NI68": 8.0, "NI147": 4.0, "NI148": 6.0,
    "REREFERRAL_12M": 3.5, "ASSESS_45WD": 7.0, "ICPC_15WD": 8.0, "CPP_2YRS_OPEN": 1.2,
}  # fmt: skip


@dataclass
class DemoAuthority:
    """One fictional authority and the parameters its records are drawn with."""

    index: int
    code: str
    name: str
    region: str
    children: int  # children aged 0-17 in the first year
    deprivation: float  # standardised: 0 is average
    offsets: dict[str, float] = field(default_factory=dict)  # percentage points from England
    factors: dict[str, float] = field(default_factory=dict)  # multiples of England's rates
    growth: float = 0.005  # yearly growth of the child population
    districts: tuple[str, ...] = ("North", "South")


def demo_names() -> list[str]:
    """Every name the synthetic England uses, in a fixed order (independent of the seed)."""
    combos = [s + e for s in _STEMS for e in _ENDINGS]
    order = np.random.default_rng(1).permutation(len(combos))
    taken = {name for name, _, _ in _DEMO}
    return [name for name, _, _ in _DEMO] + [combos[i] for i in order if combos[i] not in taken]


def _regions_for(total: int) -> list[str]:
    """Regions for authorities 5.. so that the whole England has the real regional mix."""
    pool = [r for r, count in REGIONS.items() for _ in range(count)]
    for _, region, _ in _DEMO:
        pool.remove(region)
    pool = [pool[i] for i in np.random.default_rng(2).permutation(len(pool))]
    while len(pool) < total:
        pool += pool
    return pool


def draw_size(rng: np.random.Generator) -> int:
    """Children aged 0-17 of an English authority: mostly 30,000-120,000, a long tail."""
    return int(np.clip(rng.lognormal(np.log(60_000), 0.65), 8_000, 330_000) // 100 * 100)


def make_authorities(
    n: int, seed: int, sizes: Sequence[int] | None = None, total: int | None = None
) -> list[DemoAuthority]:
    """The synthetic England: ``max(n, total or ENGLAND_SIZE)`` authorities.

    ``sizes`` gives the first authorities' child populations (the rest keep their defaults).
    """
    total = max(n, total or ENGLAND_SIZE)
    if total > len(FREE_CODES):
        raise ValueError(f"at most {len(FREE_CODES)} demo authorities")
    names = demo_names()
    regions = _regions_for(total)
    out = []
    for k in range(total):
        rng = np.random.default_rng([seed, k, 0])
        if k < len(_DEMO):
            name, region, size = _DEMO[k]
        else:
            name, region, size = names[k], regions[k - len(_DEMO)], draw_size(rng)
        if sizes is not None and k < len(sizes):
            size = int(sizes[k])
        out.append(_authority(k, FREE_CODES[k], name, region, size, rng))
    return out


def _authority(
    k: int, code: str, name: str, region: str, size: int, rng: np.random.Generator
) -> DemoAuthority:
    deprivation = float(rng.normal())
    offsets = {ind: float(rng.normal(0, sd)) for ind, sd in OFFSET_SD.items()}
    # more deprived places refer, protect and look after more children
    factors = {
        "REFERRALS_RATE": float(np.exp(0.18 * deprivation + rng.normal(0, 0.12))),
        "CPP_AT_END_RATE": float(np.exp(0.25 * deprivation + rng.normal(0, 0.15))),
        "CLA_AT_END_RATE": float(np.exp(0.30 * deprivation + rng.normal(0, 0.12))),
    }
    if size < 40_000:
        districts = ("North", "South")
    elif size < 100_000:
        districts = ("North", "South", "Central")
    else:
        districts = ("North", "South", "East", "West")
    return DemoAuthority(
        index=k,
        code=code,
        name=name,
        region=region,
        children=size,
        deprivation=deprivation,
        offsets=offsets,
        factors=factors,
        growth=float(rng.normal(0.005, 0.003)),
        districts=districts,
    )


def neighbours(authorities: list[DemoAuthority], count: int = 10) -> dict[str, list[str]]:
    """Each authority's ``count`` statistical neighbours, closest first.

    Closeness mixes deprivation and size (as DfE's model mixes socio-economic measures),
    with a small pull towards the same region.
    """
    dep = np.array([a.deprivation for a in authorities])
    size = np.log([a.children for a in authorities])
    region = np.array([a.region for a in authorities])
    distance = (
        np.abs(dep[:, None] - dep[None, :])
        + 0.6 * np.abs(size[:, None] - size[None, :])
        + 0.3 * (region[:, None] != region[None, :])
    )
    np.fill_diagonal(distance, np.inf)
    order = np.argsort(distance, axis=1, kind="stable")[:, :count]
    codes = [a.code for a in authorities]
    return {codes[i]: [codes[j] for j in order[i]] for i in range(len(authorities))}
