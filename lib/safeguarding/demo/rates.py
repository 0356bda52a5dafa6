"""An authority's rates by financial year (England's series moved by the authority's offset),
and the small drawing helpers every table's generator shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .authorities import DemoAuthority
from .national import national_rate


def share(auth: DemoAuthority, indicator: str, years: np.ndarray) -> np.ndarray:
    """The authority's expected percentage for ``indicator`` as a 0-1 share, per year."""
    value = national_rate(indicator, years) + auth.offsets.get(indicator, 0.0) / 100
    return np.clip(value, 0.01, 0.995)


def per_child(auth: DemoAuthority, indicator: str, years: np.ndarray) -> np.ndarray:
    """The authority's expected rate per child (not per 10,000) for a ``*_RATE`` indicator."""
    return national_rate(indicator, years) * auth.factors.get(indicator, 1.0)


def children(auth: DemoAuthority, years: np.ndarray) -> np.ndarray:
    """Children aged 0-17 in each (financial or calendar) year."""
    return auth.children * (1 + auth.growth) ** (np.asarray(years) - 2008)


def choose(rng: np.random.Generator, codes: dict[str, float], size: int) -> np.ndarray:
    """Codes drawn with the given relative weights."""
    weights = np.array(list(codes.values()), dtype="float64")
    return rng.choice(np.array(list(codes)), size=size, p=weights / weights.sum())


def draw_ages(rng: np.random.Generator, bands: tuple, size: int) -> np.ndarray:
    """Ages in years from (low, high, weight) bands."""
    weights = np.array([b[2] for b in bands], dtype="float64")
    band = rng.choice(len(bands), size=size, p=weights / weights.sum())
    low = np.array([b[0] for b in bands])[band]
    high = np.array([b[1] for b in bands])[band]
    return low + rng.random(size) * (high - low)


def make_ids(code: str, kind: str, n: int, first: int = 0) -> np.ndarray:
    """Identifiers such as ``901R0000001``: authority, record kind, running number."""
    if first + n >= 10**7:
        raise ValueError("more than 9,999,999 records of one kind in one authority")
    prefix = np.frombuffer(f"{code}{kind}".encode(), dtype="uint8")
    numbers = np.arange(first + 1, first + n + 1, dtype="int64")
    digits = (numbers[:, None] // 10 ** np.arange(6, -1, -1) % 10 + 48).astype("uint8")
    raw = np.hstack([np.broadcast_to(prefix, (n, len(prefix))), digits])
    # fixed-width bytes decoded in one go: far faster than string formatting per id
    return np.ascontiguousarray(raw).view(f"S{raw.shape[1]}").ravel().astype("U")


# --- ethnicity ------------------------------------------------------------------------------
# Children aged 0-17 in England by ONS's Census 2021 high-level groups (shares, rounded)
ENGLAND_ETHNICITY = {"Asian": 0.118, "Black": 0.058, "Mixed": 0.068, "White": 0.731,
                     "Other": 0.025}  # fmt: skip
# England's relative rates against White children, roughly as DfE's 2024 releases show them
# (children in need and on plans alike; looked after: Mixed and Other higher, Asian lower)
ETHNIC_RRI = {
    "cin": {"Asian": 0.7, "Black": 1.7, "Mixed": 1.6, "White": 1.0, "Other": 1.4},
    "cla": {"Asian": 0.45, "Black": 1.5, "Mixed": 1.9, "White": 1.0, "Other": 2.0},
}
NOT_KNOWN_SHARE = 0.03
ETHNIC_CODES = {
    "White": {"WBRI": 85, "WOTH": 10, "WIRI": 1, "WIRT": 1.5, "WROM": 2.5},
    "Mixed": {"MWBC": 35, "MWBA": 12, "MWAS": 23, "MOTH": 30},
    "Asian": {"APKN": 40, "AIND": 25, "ABAN": 15, "AOTH": 15, "CHNE": 5},
    "Black": {"BAFR": 65, "BCRB": 15, "BOTH": 20},
    "Other": {"OOTH": 1},
    "Not known": {"REFU": 30, "NOBT": 70},
}


def ethnic_shares(auth: DemoAuthority) -> dict[str, float]:
    """The authority's children by group: England's mix with the non-White groups scaled by
    a diversity factor fixed by its code (London's are the most diverse)."""
    spread = (int(auth.code) * 7919 % 100) / 100
    factor = 1.6 + 1.2 * spread if auth.region == "London" else 0.35 + 1.0 * spread
    shares = {g: s * factor for g, s in ENGLAND_ETHNICITY.items() if g != "White"}
    shares["White"] = 1 - sum(shares.values())
    return shares


def draw_ethnicity(
    rng: np.random.Generator, auth: DemoAuthority, cohort: str, size: int
) -> np.ndarray:
    """Ethnicity codes for ``size`` children of a cohort (``cin`` or ``cla``): the authority's
    population mix weighted by England's relative rates, plus a few not known."""
    weights = {g: s * ETHNIC_RRI[cohort][g] for g, s in ethnic_shares(auth).items()}
    total = sum(weights.values())
    groups = {g: w / total * (1 - NOT_KNOWN_SHARE) for g, w in weights.items()}
    groups["Not known"] = NOT_KNOWN_SHARE
    group = choose(rng, groups, size)
    out = np.empty(size, dtype=object)
    for name, codes in ETHNIC_CODES.items():
        mask = group == name
        out[mask] = choose(rng, codes, int(mask.sum()))
    return out


def population_by_ethnicity(auth: DemoAuthority, population: pd.DataFrame) -> pd.DataFrame:
    """``year, ethnicity, population``: each year's children split by the authority's mix."""
    shares = ethnic_shares(auth)
    rows = [
        (int(y), group, int(round(p * share)))
        for y, p in zip(population["year"], population["population"], strict=True)
        for group, share in shares.items()
    ]
    return pd.DataFrame(rows, columns=["year", "ethnicity", "population"])
