"""Back-test on DfE's published LA-level files: adding up the authorities' numerators and
denominators reproduces the published England percentage, within rounding.

Suppressed cells are handled honestly: an authority whose numerator is suppressed (``c``) while
its denominator is published could hold anything from none to all of it; authorities with no
figures at all (``x``) hold whatever the England total (rounded to the nearest 10) leaves over.
Those unknowns give an interval of possible England figures that must contain the published one;
where the unknowns are small, the plain sum over complete rows must match it closely too.
"""

from __future__ import annotations

import pandas as pd
import pytest
from safeguarding.comparators import to_number

FILES = {
    "d3 second or subsequent plans (NI65)": (
        "d3_cpps_subsequent_plan_2013_to_2025.csv",
        "CPP_subsequent",
        "CPP_start",
        "CPP_subsequent_percent",
    ),
    "c1 re-referrals (REREFERRAL_12M)": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "rereferral_count",
        "referral_count",
        "rereferral_percent",
    ),
    "c1 referrals with no further action (REFERRAL_NFA)": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "no_further_action_count",
        "referral_count",
        "no_further_action_percent",
    ),
}
# measures with suppressed cells every year (no year under 0.5% unknown): instead of the tight
# years' check, the plain sum over complete rows must be within this many points every year.
# (d5's plans lasting 2 years or more are not here: a third of the authorities' counts are
# suppressed every year, so the bounds run from 2% to 30% and the sum says little.)
LOOSE = {"c1 referrals with no further action (REFERRAL_NFA)": 0.5}
NATIONAL_ROUNDING = 5  # national counts are rounded to the nearest 10
PERCENT_ROUNDING = 0.05  # published percentages have one decimal


def england_bounds(frame: pd.DataFrame, num: str, den: str, pct: str) -> pd.DataFrame:
    """Per year: the published England figure, the sum over complete authority rows, and the
    lowest and highest England figure the suppressed and missing cells allow."""
    la = frame[frame["geographic_level"] == "Local authority"]
    nat = frame[frame["geographic_level"] == "National"].set_index("time_period")
    rows = []
    for year, group in la.groupby("time_period"):
        n, d = to_number(group[num]), to_number(group[den])
        complete = n.notna() & d.notna()
        known_num, known_den = n[complete].sum(), d[complete].sum()
        hidden_num_den = d[n.isna() & d.notna()].sum()  # numerator suppressed, denominator known
        national_den = float(to_number(nat.loc[[year], den]).iloc[0])
        # authorities with no figures at all: what the national total leaves over (at most)
        absent_den = max(0.0, national_den + NATIONAL_ROUNDING - known_den - hidden_num_den)
        total = known_den + hidden_num_den + absent_den
        rows.append(
            {
                "year": year,
                "published": float(to_number(nat.loc[[year], pct]).iloc[0]),
                "sum_of_complete_rows": 100 * known_num / known_den,
                "low": 100 * known_num / total,
                "high": 100 * (known_num + hidden_num_den + absent_den) / total,
                "unknown_share": (hidden_num_den + absent_den) / total,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", FILES)
def test_england_percentage_is_reproduced_from_authorities(shared_data, name):
    file, num, den, pct = FILES[name]
    frame = pd.read_csv(shared_data / "dfe" / file, dtype=str, keep_default_na=False)
    bounds = england_bounds(frame, num, den, pct)
    assert len(bounds) == 13  # 2013 to 2025

    # every year: the published figure lies within what the published cells allow
    inside = (bounds["published"] >= bounds["low"] - PERCENT_ROUNDING) & (
        bounds["published"] <= bounds["high"] + PERCENT_ROUNDING
    )
    assert inside.all(), bounds[~inside].to_string()

    if name in LOOSE:
        gap = (bounds["sum_of_complete_rows"] - bounds["published"]).abs()
        assert (gap <= LOOSE[name]).all(), bounds.assign(gap=gap).to_string()
        return
    # years where suppressed and missing cells are under 0.5% of the denominator: the plain sum
    # matches the published figure to within rounding plus what those cells could move it
    tight = bounds[bounds["unknown_share"] < 0.005]
    assert len(tight) >= 5, "too few years with complete data for the back-test to mean much"
    gap = (tight["sum_of_complete_rows"] - tight["published"]).abs()
    allowed = PERCENT_ROUNDING + (tight["high"] - tight["low"]) + 0.01
    assert (gap <= allowed).all(), tight.assign(gap=gap, allowed=allowed).to_string()


def test_a_suppressed_cell_is_never_counted_as_zero():
    cells = pd.Series(["12", "c", "x", "u", "z", "k", "", "3"])
    values = to_number(cells)
    assert values.isna().tolist() == [False, True, True, True, True, True, True, False]
    assert values.sum() == 15
