"""The demo's aggregate inputs: comparators, statistical neighbours and targets.

Every authority of the synthetic England gets a published-style annual figure for each
indicator England publishes: England's series, moved by the authority's offset (the same one
its records are drawn with), plus year-to-year noise that is larger for small authorities.
England and the regions are population-weighted means (sums for counts); each demo
authority's neighbour mean and median come from its ten neighbours' figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..catalogue import Catalogue, round_half_up
from ..catalogue import catalogue as builtin_catalogue
from ..periods import Period
from .authorities import DemoAuthority
from .national import COUNT_OF_RATE, has_national, national_value
from .rates import children

CLOSENESS = ("Extremely close", "Extremely close", "Very close", "Very close", "Very close",
             "Close", "Close", "Close", "Somewhat close", "Somewhat close")  # fmt: skip
# blank amber margin: each target takes its indicator's (targets.default_tolerance)
TOLERANCE = None


def _indicators(cat: Catalogue, year: Period) -> list:
    return [i for i in cat if not i.local and has_national(i.id) and i.applies_to(year)]


def authority_values(
    authorities: list[DemoAuthority],
    years: list[Period],
    seed: int,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """``indicator, year, authority, value, children`` for every authority and year."""
    cat = catalogue or builtin_catalogue()
    rows = []
    for auth in authorities:
        rng = np.random.default_rng([seed, auth.index, 2])
        noise = float(np.sqrt(60_000 / auth.children))  # small places wobble more
        for year in years:
            pop = float(children(auth, np.array([year.year]))[0])
            for ind in _indicators(cat, year):
                rate_id = COUNT_OF_RATE.get(ind.id, ind.id)
                base = national_value(rate_id, year.year)
                if ind.unit == "percent":
                    value = base + auth.offsets.get(ind.id, 0.0) + rng.normal(0, 1.2 * noise)
                    value = float(np.clip(value, 0, 100))
                else:
                    value = base * auth.factors.get(rate_id, 1.0) * (1 + rng.normal(0, 0.03))
                    if ind.unit == "count":
                        value = value * pop / 10_000
                rows.append((ind.id, year.fy_label, auth.code, value, pop))
    return pd.DataFrame(rows, columns=["indicator", "period", "area", "value", "children"])


def comparators(
    authorities: list[DemoAuthority],
    with_records: list[DemoAuthority],
    neighbour_lists: dict[str, list[str]],
    years: list[Period],
    seed: int,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The tidy comparators table ``indicator, period, area, value, authority, region``.

    ``authority`` is filled only on neighbour rows: whose neighbours they describe; ``region``
    only on an authority's own rows.
    """
    cat = catalogue or builtin_catalogue()
    values = authority_values(authorities, years, seed, cat)
    region = {a.code: a.region for a in authorities}
    values["region"] = values["area"].map(region)
    is_count = {i.id: i.unit == "count" for i in cat}

    def weighted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        """Counts add up; rates and percentages are population-weighted means."""
        g = frame.assign(product=frame["value"] * frame["children"]).groupby(by, sort=False)
        out = g.agg(product=("product", "sum"), weight=("children", "sum"),
                    total=("value", "sum")).reset_index()  # fmt: skip
        count = out["indicator"].map(is_count).to_numpy()
        out["value"] = np.where(count, out["total"], out["product"] / out["weight"])
        return out.drop(columns=["product", "weight", "total"])

    england = weighted(values, ["indicator", "period"]).assign(area="England")
    regions = weighted(values, ["indicator", "period", "region"]).rename(columns={"region": "area"})
    parts = [england, regions, values[["indicator", "period", "area", "value"]]]
    for auth in with_records:
        group = values[values["area"].isin(neighbour_lists[auth.code])]
        g = group.groupby(["indicator", "period"], sort=False)["value"]
        for name, stat in (("statistical_neighbours", g.mean()),
                           ("statistical_neighbours_median", g.median())):  # fmt: skip
            parts.append(stat.reset_index().assign(area=name, authority=auth.code))
    out = pd.concat(parts, ignore_index=True)
    out["value"] = [
        _round(cat[i], v, area)
        for i, v, area in zip(out["indicator"], out["value"], out["area"], strict=True)
    ]
    out["authority"] = out["authority"].fillna("") if "authority" in out else ""
    out["region"] = out["area"].map(region).fillna("")  # an authority's rows: its region
    return out[["indicator", "period", "area", "value", "authority", "region"]]


def _round(indicator, value: float, area: str) -> float:
    if indicator.unit == "count" and not area[:1].isdigit():
        return round_half_up(value, -1) if value >= 10 else round_half_up(value, 0)
    return round_half_up(value, indicator.decimals)


def neighbours_table(neighbour_lists: dict[str, list[str]], codes: list[str]) -> pd.DataFrame:
    """Neighbours in the layout of DfE's 2025 model: ``authority, SN_1, SN_1P, ..., SN_10P``."""
    rows = []
    for code in codes:
        row = {"authority": code}
        for k, neighbour in enumerate(neighbour_lists[code], start=1):
            row[f"SN_{k}"] = neighbour
            row[f"SN_{k}P"] = CLOSENESS[k - 1]
        rows.append(row)
    return pd.DataFrame(rows)


def targets(
    authorities: list[DemoAuthority], years: list[Period], catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Targets for every demo authority, year and percentage indicator.

    A target sits a little better than where the authority has been (half-way from its own
    level towards England's, then a stretch of two points), rounded to a whole number as
    councils set them; band indicators (NI 65) get their band instead.
    """
    cat = catalogue or builtin_catalogue()
    rows = []
    for auth in authorities:
        for year in years:
            for ind in cat:
                if ind.local or ind.unit != "percent" or not ind.applies_to(year):
                    continue
                if ind.polarity == "none" or not ind.computable:
                    continue  # context measures and DfE-only figures: no target
                if ind.polarity == "band" and ind.band:
                    rows.append((auth.code, ind.id, year.fy_label, None, None, *ind.band))
                    continue
                if not has_national(ind.id):
                    continue
                own = national_value(ind.id, year.year - 1) + auth.offsets.get(ind.id, 0.0) / 2
                stretch = 2.0 if ind.polarity == "high" else -1.0
                target = float(np.clip(round(own + stretch), 0, 100))
                rows.append((auth.code, ind.id, year.fy_label, target, TOLERANCE, None, None))
    return pd.DataFrame(rows, columns=["authority", "indicator", "year", "target", "tolerance",
                                       "band_low", "band_high"])  # fmt: skip
