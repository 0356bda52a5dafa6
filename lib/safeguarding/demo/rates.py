"""An authority's rates by financial year (England's series moved by the authority's offset),
and the small drawing helpers every table's generator shares."""

from __future__ import annotations

import numpy as np

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
