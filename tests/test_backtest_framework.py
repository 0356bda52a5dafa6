"""Back-test of the National Framework comparators on DfE's published files: England's
placement stability and workforce figures reproduced from the authorities' published counts.

The files are read by the comparators' own code path (:func:`safeguarding.comparators.read_dfe`
with the framework mappings), so the test also checks that path: suppression symbols read as
missing (never zero), years mapped, England, regions and authorities told apart.
"""

from __future__ import annotations

import pandas as pd
import pytest
from safeguarding.comparators import Comparators, read_dfe, to_number

WORKFORCE = "csww_indicators_2017_to_2025.csv"
# measure: (numerator column, denominator columns added together, scale)
WORKFORCE_RATES = {
    "turnover_rate_fte": ("leavers_fte", ("inpost_fte",), 100),
    "agency_rate_fte": ("agency_fte", ("agency_fte", "inpost_fte"), 100),
    "vacancy_rate_fte": ("vacancy_fte", ("vacancy_fte", "inpost_fte"), 100),
    "caseload_fte": ("cases", ("case_holders_fte",), 1),
}
ONE_DECIMAL = 0.05 + 1e-9


def _rate(frame: pd.DataFrame, num: str, dens: tuple[str, ...], scale: int) -> pd.Series:
    numerator = to_number(frame[num])
    denominator = sum(to_number(frame[d]) for d in dict.fromkeys(dens))
    return scale * numerator / denominator, numerator, denominator


@pytest.fixture(scope="module")
def workforce(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "dfe" / WORKFORCE, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("measure", WORKFORCE_RATES)
def test_workforce_england_rate_from_the_authorities_counts(workforce, measure):
    num, dens, scale = WORKFORCE_RATES[measure]
    complete_years = 0
    for year, group in workforce.groupby("time_period"):
        nat = group[group["geographic_level"] == "National"]
        la = group[group["geographic_level"] == "Local authority"]
        published = float(to_number(nat[measure]).iloc[0])
        # (England's own counts include the suppressed authorities' returns, so in years with
        # gaps the published rate - worked out from complete returns - is not their ratio)
        _, n, d = _rate(la, num, dens, scale)
        complete = n.notna() & d.notna()
        summed = scale * n[complete].sum() / d[complete].sum()
        if complete.all():
            # nothing suppressed: adding up the authorities gives England's figure exactly
            complete_years += 1
            assert abs(summed - published) <= ONE_DECIMAL, (year, summed, published)
        else:
            # a few authorities suppressed (c, x, u, low): close, never counted as zero
            assert abs(summed - published) <= 0.3, (year, summed, published)
    assert complete_years >= 4, "too few complete years for the back-test to mean much"


def test_workforce_is_read_as_comparators_with_england_region_and_neighbours(shared_data):
    dfe = shared_data / "dfe"
    neighbours = shared_data / "statistical_neighbours" / "sn_model_2025_wide.csv"
    comps = Comparators.from_dfe(dfe, neighbours)
    # a census at 30 September: time_period 2025 is 30 September 2025, in 2025-26
    england = comps.england("SW_TURNOVER", "2025-26")
    assert england.value == pytest.approx(11.8) and england.period == "2025-26"
    assert comps.england("SW_CASELOAD", "2025-26").value == pytest.approx(15.2)
    assert comps.england("SW_AGENCY", "2024-25").value == pytest.approx(16.2)
    # a 2024-25 Q2 report (to 30 September 2024) shows the census of 30 September 2023
    assert comps.england("SW_AGENCY", "2024-25 Q2").period == "2023-24"
    assert comps.england("SW_AGENCY", "2024-25 Q2").value == pytest.approx(17.9)
    region = comps.region("350", "SW_VACANCY", "2025-26")  # Bolton: North West
    raw = pd.read_csv(dfe / WORKFORCE, dtype=str, keep_default_na=False)
    north_west = raw[(raw["region_name"] == "North West") & (raw["time_period"] == "2025")
                     & (raw["geographic_level"] == "Regional")]  # fmt: skip
    assert region.value == pytest.approx(float(north_west["vacancy_rate_fte"].iloc[0]))
    # an authority's own published figure, and its neighbours' mean of published figures
    frame = read_dfe(dfe, ["SW_TURNOVER"])
    own = frame[(frame["area"] == "350") & (frame["period"] == "2025-26")]["value"]
    assert comps.authority("350", "SW_TURNOVER", "2025-26").value == pytest.approx(own.iloc[0])
    near = comps.neighbours_of("350", "SW_TURNOVER", "2025-26")
    assert near is not None and near.value is not None and 5 < near.value < 30


def test_a_suppressed_workforce_cell_is_missing_not_zero(shared_data):
    frame = read_dfe(shared_data / "dfe", ["SW_AGENCY"])
    raw = pd.read_csv(shared_data / "dfe" / WORKFORCE, dtype=str, keep_default_na=False)
    symbol = raw[(raw["geographic_level"] == "Local authority")
                 & raw["agency_rate_fte"].isin(["c", "x", "u", "low"])]  # fmt: skip
    assert len(symbol) > 0
    row = symbol.iloc[0]
    year = int(row["time_period"])  # 30 September of that year
    period = f"{year}-{(year + 1) % 100:02d}"
    read = frame[(frame["area"] == row["old_la_code"]) & (frame["period"] == period)]
    assert read["value"].isna().all()


@pytest.mark.parametrize("indicator", ["NI62", "NI63"])
def test_placement_stability_england_from_the_authorities_counts(shared_data, indicator):
    """DfE's short-term (3+ placements in the year) and long-term (same placement 2 years)
    stability: England's percentage from the sum of the authorities' counts."""
    frame = read_dfe(shared_data / "dfe", [indicator])
    years = 0
    for period, group in frame.groupby("period"):
        la = group[group["area_type"] == "authority"]
        england = group[group["area_type"] == "england"].iloc[0]
        complete = la["numerator"].notna() & la["denominator"].notna()
        summed = 100 * la.loc[complete, "numerator"].sum() / la.loc[complete, "denominator"].sum()
        unknown = la.loc[~complete, "denominator"].sum() / england["denominator"]
        # England's percentage is published as a whole number, its counts rounded to 10
        counts_rate = 100 * england["numerator"] / england["denominator"]
        assert abs(counts_rate - england["value"]) <= 0.5 + 1e-9, period
        # unknown cells can move the sum by at most their share of the denominator
        assert abs(summed - counts_rate) <= 0.1 + 100 * unknown, (period, summed, counts_rate)
        assert abs(summed - england["value"]) <= 0.5 + 0.1 + 100 * unknown, period
        years += 1
    assert years >= 5


def test_rate_of_children_looked_after_england_from_the_authorities_counts(shared_data):
    """England's children looked after per 10,000 at 31 March: the authorities' counts over
    their children aged 0-17 (the file's own population column) give the published rate."""
    frame = pd.read_csv(shared_data / "dfe" / "cla_number_and_rate_per_10k_children.csv",
                        dtype=str, keep_default_na=False, encoding="utf-8-sig")  # fmt: skip
    frame = frame[frame["population_type"] == "Children looked after on 31 March each year"]
    years = 0
    for year, group in frame.groupby("time_period"):
        nat = group[group["geographic_level"] == "National"].iloc[0]
        la = group[group["geographic_level"] == "Local authority"]
        count, pop = to_number(la["children_count"]), to_number(la["population_estimate"])
        complete = count.notna() & pop.notna()
        summed = 10_000 * count[complete].sum() / pop[complete].sum()
        published = float(nat["rate_per_10000"])
        # England's own count over its population is the published rate (a whole number)
        own = 10_000 * float(nat["children_count"]) / float(nat["population_estimate"])
        assert abs(own - published) <= 0.5 + 1e-9, (year, own, published)
        # authorities' counts are unrounded, England's rounded to 10: half a child per 10,000
        assert abs(summed - own) <= 0.5, (year, summed, own)
        # what is missing is an authority that did not exist that year (z: Cumbria before its
        # split, ...) or, at most twice, a tiny one's suppressed count (c: City of London)
        gone = la.loc[~complete, "children_count"]
        assert set(gone) <= {"z", "c"} and (gone == "c").sum() <= 2, (year, list(gone))
        years += 1
    assert years >= 5
