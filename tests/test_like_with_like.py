"""Like with like: windows, annualised part-year figures, counts judged as Poisson, tolerances
that scale with the target, rank and quartile from DfE's files. Figures worked by hand."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from safeguarding.assessment import assess, direction_of_travel, judge_target
from safeguarding.catalogue import catalogue
from safeguarding.comparators import Comparators
from safeguarding.significance import compare_counts, poisson_interval, poisson_rate_test
from safeguarding.targets import Target, default_tolerance

CAT = catalogue()


def england(indicator: str, year: str, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"indicator": [indicator], "period": [year], "area": ["England"], "value": [str(value)]}
    )


def quarter_rate(referrals: int, population: int = 24000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "authority": ["901"],
            "indicator": ["REFERRALS_RATE"],
            "period": ["2024-25 Q2"],
            "value": [round(referrals / population * 10000, 1)],
            "numerator": [referrals],
            "denominator": [population],
        }
    )


# --- windows ---------------------------------------------------------------------------------


def test_every_window_in_words():
    assert CAT["NI65"].window_words("2024-25 Q2") == "April to September 2024 (year to date)"
    assert CAT["NI65"].window_words("2024-25 Q1") == "April to June 2024 (year to date)"
    # at Q4 a year-to-date figure is the whole year, which crosses the calendar year
    assert CAT["NI65"].window_words("2024-25 Q4") == "April 2024 to March 2025"
    assert CAT["CLA_AT_END"].window_words("2024-25 Q2") == "at 30 September 2024"
    assert CAT["CLA_AT_END"].window_words("2024-25") == "at 31 March 2025"
    assert CAT["REFERRALS"].window_words("2024-25 Q3") == "October to December 2024"
    assert CAT["REFERRALS"].window_words("2024-25 M04") == "July 2024"
    assert CAT["REFERRALS"].annual_factor("2024-25 Q3") == 4.0
    assert CAT["REFERRALS"].annual_factor("2024-25") == 1.0
    assert CAT["CLA_AT_END"].annual_factor("2024-25 Q2") == 1.0  # a stock is not annualised
    assert CAT["NI65"].annual_factor("2024-25 Q2") == 1.0  # nor is a percentage


def test_assess_output_has_the_window_of_each_figure():
    outturns = pd.concat(
        [
            quarter_rate(421),
            pd.DataFrame(
                {
                    "authority": ["901", "901"],
                    "indicator": ["NI65", "CLA_AT_END"],
                    "period": ["2024-25 Q2"] * 2,
                    "value": [20.0, 150],
                }
            ),
        ]
    )
    result = assess(outturns, "2024-25 Q2").set_index("indicator")
    assert result.loc["NI65", "window"] == "year_to_date"
    assert result.loc["CLA_AT_END", "window"] == "snapshot"
    assert result.loc["REFERRALS_RATE", "window"] == "in_period"
    assert result.loc["CLA_AT_END", "period_words"] == "at 30 September 2024"


# --- a part-year rate against an annual one --------------------------------------------------


def test_a_quarter_rate_above_england_once_annualised():
    # 421 referrals in a quarter among 24,000 children: 175.4 per 10,000 in three months,
    # 701.7 a year. The exact Poisson interval of 421 is 381.7 to 463.2 referrals, i.e.
    # 636.2 to 772.0 per 10,000 a year: England's 546.8 lies below it.
    lower, upper = poisson_interval(421)
    assert (round(lower, 1), round(upper, 1)) == (381.7, 463.2)
    row = assess(
        quarter_rate(421), "2024-25 Q2", comparators=england("REFERRALS_RATE", "2023-24", 546.8)
    ).iloc[0]
    assert row["value"] == 175.4
    assert row["value_annual"] == pytest.approx(701.7)
    assert row["vs_england"] == "higher"  # and never "lower", as the raw 175.4 would say
    assert "or 701.7 per 10,000 over a full year at that pace" in row["narrative"]
    assert "On that basis the figure is above the England average (546.8 per 10,000)" in (
        row["narrative"]
    )


def test_a_quarter_rate_below_england_once_annualised():
    # 200 referrals: 83.3 per 10,000 in the quarter, 333.3 a year; the interval of 200 is
    # 173.3 to 229.7 referrals, 288.8 to 382.8 a year: below England's 546.8.
    row = assess(
        quarter_rate(200), "2024-25 Q2", comparators=england("REFERRALS_RATE", "2023-24", 546.8)
    ).iloc[0]
    assert row["value_annual"] == pytest.approx(333.3)
    assert row["vs_england"] == "lower"
    assert "On that basis the figure is below the England average" in row["narrative"]


def test_an_annualised_rate_close_to_england_is_in_line():
    # 330 a quarter: 550.0 a year; interval 295.4 to 367.6 -> 492.3 to 612.7: contains 546.8
    row = assess(
        quarter_rate(330), "2024-25 Q2", comparators=england("REFERRALS_RATE", "2023-24", 546.8)
    ).iloc[0]
    assert row["vs_england"] == "in_line"


def test_counts_are_not_compared_across_authorities():
    outturns = pd.DataFrame(
        {
            "authority": ["901"],
            "indicator": ["REFERRALS"],
            "period": ["2024-25 Q2"],
            "value": [421],
        }
    )
    row = assess(outturns, "2024-25 Q2", comparators=england("REFERRALS", "2023-24", 632830)).iloc[
        0
    ]
    assert row["vs_england"] == "not_comparable"
    assert "whose sizes differ" in row["narrative"]


def test_a_quarter_count_meets_last_year_on_a_12_month_basis():
    # 135 in a quarter is 540 a year against 598 last year: 135 in 3 months against 598 in
    # 12. Given 733 in all, 135 is binomial(733, 0.2) (expected 146.6): p = 0.31, chance.
    outturns = pd.DataFrame(
        {
            "authority": ["901", "901"],
            "indicator": ["REFERRALS", "REFERRALS"],
            "period": ["2023-24", "2024-25 Q2"],
            "value": [598, 135],
        }
    )
    assert poisson_rate_test(135, 3, 598, 12) == pytest.approx(0.31, abs=0.01)
    row = assess(outturns, "2024-25 Q2").iloc[0]
    assert row["vs_previous_year_end"] == "within_normal_variation"
    assert "On that 12-month basis it was 598 in 2023-24" in row["narrative"]
    # 100 in a quarter (400 a year) against 598 is a real fall: p < 0.001
    outturns.loc[1, "value"] = 100
    assert assess(outturns, "2024-25 Q2").iloc[0]["vs_previous_year_end"] == "decreased"


# --- counts judged against chance ------------------------------------------------------------


def test_1683_to_1681_is_no_significant_change():
    # given 3,364 children in the two counts, 1,681 is binomial(3364, 1/2): p = 0.99
    assert poisson_rate_test(1681, 1, 1683, 1) == pytest.approx(0.986, abs=0.001)
    assert compare_counts(1681, 1683, 0, count_a=1681, count_b=1683).direction == (
        "not_significant"
    )
    current = {"period": "2024-25 Q2", "value": 1681}
    previous = {"period": "2023-24", "value": 1683}
    assert direction_of_travel(CAT["CPP_AT_END"], current, previous) == "within_normal_variation"
    outturns = pd.DataFrame(
        {
            "authority": ["901", "901"],
            "indicator": ["CPP_AT_END", "CPP_AT_END"],
            "period": ["2023-24", "2024-25 Q2"],
            "value": [1683, 1681],
        }
    )
    row = assess(outturns, "2024-25 Q2").iloc[0]
    assert row["vs_previous_year_end"] == "within_normal_variation"
    assert "fell" not in row["narrative"] and "no more than chance" in row["narrative"]
    # a fall of 150 is beyond chance (p < 0.01)
    current["value"] = 1533
    assert direction_of_travel(CAT["CPP_AT_END"], current, previous) == "decreased"


# --- tolerances ------------------------------------------------------------------------------


def test_the_default_tolerance_scales_with_a_small_target():
    open_plans = CAT["CPP_2YRS_OPEN"]
    assert default_tolerance(open_plans, 1.0) == pytest.approx(0.2)  # a fifth of 1%
    assert default_tolerance(open_plans, 25.0) == 2.0  # 2 points once that is smaller
    assert default_tolerance(CAT["NI66"], 94.0) == 2.0
    assert default_tolerance(CAT["NI67"], 95.0) == 1.0  # the catalogue's own, for NI 67
    target = Target("901", "CPP_2YRS_OPEN", "2024-25", 1.0, default_tolerance(open_plans, 1.0))
    assert judge_target(2.3, target, open_plans) == ("missed", "red")  # not "within tolerance"
    assert judge_target(1.2, target, open_plans) == ("near", "amber")
    assert judge_target(1.0, target, open_plans) == ("met", "green")


def test_a_catalogue_tolerance_and_a_targets_file_tolerance(tmp_path):
    from safeguarding.catalogue import _parse_indicator
    from safeguarding.targets import read_targets

    local = _parse_indicator(
        {
            "id": "SCREENED_1WD",
            "title": "Referrals screened within 1 working day",
            "unit": "percent",
            "decimals": 1,
            "polarity": "high",
            "tolerance": 5,
        },
        "params/indicators.yaml",
        "entry 1",
        local=True,
    )
    assert default_tolerance(local, 90.0) == 5.0
    share = _parse_indicator(
        {"id": "X", "title": "X", "unit": "days", "decimals": 0, "polarity": "low",
         "tolerance_share": 0.1},
        "params/indicators.yaml",
        "entry 2",
        local=True,
    )  # fmt: skip
    assert default_tolerance(share, 30) == pytest.approx(3.0)
    path = tmp_path / "targets.csv"
    path.write_text(
        "authority,indicator,year,target,tolerance\n901,CPP_2YRS_OPEN,2024-25,1.0,1.5\n",
        encoding="utf-8",
    )
    assert read_targets(path)["tolerance"].tolist() == [1.5]  # the file's margin wins


# --- rank and quartile from DfE's files ------------------------------------------------------


def test_rank_quartile_and_region_from_the_dfe_files(shared_data):
    path = shared_data / "dfe" / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    # by hand: every authority's 2024-25 re-referral percentage, as published
    with path.open(encoding="utf-8-sig") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["time_period"] == "2025" and r["geographic_level"] == "Local authority"
        ]
    values = {r["old_la_code"]: float(r["rereferral_percent"]) for r in rows
              if r["rereferral_percent"] not in ("c", "x", "z", "u", "k", "low", "")}  # fmt: skip
    own = values["800"]  # Bath and North East Somerset: 13.4%
    assert own == 13.4
    rank = 1 + sum(v < own for code, v in values.items() if code != "800")
    q1, q2, q3 = np.quantile(list(values.values()), [0.25, 0.5, 0.75])
    band = "A" if own <= q1 else "B" if own <= q2 else "C" if own <= q3 else "D"
    comps = Comparators.from_dfe(shared_data / "dfe")
    outturns = pd.DataFrame(
        {
            "authority": ["800"],
            "indicator": ["REREFERRAL_12M"],
            "period": ["2024-25"],
            "value": [own],
            "numerator": [123],
            "denominator": [920],
        }
    )
    row = assess(outturns, "2024-25", comparators=comps).iloc[0]
    assert (row["rank"], row["rank_of"], row["quartile"]) == (rank, len(values), band)
    assert row["region"] == "South West" and row["region_value"] == 22.1
    assert row["vs_region"] == "better"
    assert (
        f"It would rank {rank}{'st' if rank == 1 else 'th'} of {len(values)} authorities on "
        f"their 2024-25 figures, in quartile band {band}"
    ) in row["narrative"]
    assert "South West regional" in row["narrative"]


def test_a_data_folders_regions_find_the_regions_figure(tmp_path):
    comparators = pd.DataFrame(
        {
            "indicator": ["NI62", "NI62"],
            "period": ["2023-24", "2023-24"],
            "area": ["England", "South West"],
            "value": ["10.0", "14.0"],
        }
    )
    comps = Comparators.from_frame(comparators)
    outturns = pd.DataFrame(
        {"authority": ["901"], "indicator": ["NI62"], "period": ["2024-25 Q2"], "value": [14.0]}
    )
    assert assess(outturns, "2024-25 Q2", comparators=comps).iloc[0]["region_value"] is None
    (tmp_path / "authorities.csv").write_text("code,name,region\n901,Wexcombe,South West\n")
    comps.add_regions(tmp_path / "authorities.csv")
    row = assess(outturns, "2024-25 Q2", comparators=comps).iloc[0]
    assert (row["region"], row["region_value"]) == ("South West", 14.0)
    assert "South West regional average (14.0%)" in row["narrative"]


def test_assess_from_outturns_without_counts_annualises_too(tmp_path, capsys):
    # the case: a quarter's 150.0 per 10,000 is 600.0 a year, above England's 546.8
    from safeguarding.cli import main

    outturns = tmp_path / "outturns.csv"
    outturns.write_text(
        "authority,indicator,period,value\n901,REFERRALS_RATE,2024-25 Q2,150.0\n",
        encoding="utf-8",
    )
    comparators = tmp_path / "comparators.csv"
    comparators.write_text(
        "indicator,period,area,value\nREFERRALS_RATE,2023-24,England,546.8\n", encoding="utf-8"
    )
    out = tmp_path / "assessed.csv"
    args = ["assess", "--period", "2024-25 Q2", "--outturns", str(outturns), "--comparators",
            str(comparators), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    row = pd.read_csv(out, dtype=str).iloc[0]
    assert (row["window"], row["value_annual"], row["vs_england"]) == (
        "in_period",
        "600.0",
        "higher",
    )
