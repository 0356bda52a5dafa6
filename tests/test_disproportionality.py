"""Ethnic disproportionality: relative rate indices with Katz's log interval, worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _indicator_builders import LA, dataset
from safeguarding.disproportionality import (
    counts,
    ethnic_group,
    findings,
    katz_interval,
    population,
    relative_rates,
    summary_frames,
)

POP = pd.Series({"Asian": 2_000.0, "Black": 1_000.0, "Mixed": 1_500.0, "White": 10_000.0,
                 "Other": 500.0})  # fmt: skip


def cp_counts(**children: int) -> pd.DataFrame:
    groups = ("Asian", "Black", "Mixed", "White", "Other", "Not known")
    return pd.DataFrame(
        {"cohort": "cp", "group": list(groups), "children": [children.get(g, 0) for g in groups]}
    )


def test_katz_interval_by_hand() -> None:
    # 20 of 1,000 Black children and 100 of 10,000 White children: twice the rate
    ratio, low, high = katz_interval(20, 1_000, 100, 10_000)
    se = math.sqrt(1 / 20 - 1 / 1_000 + 1 / 100 - 1 / 10_000)  # 0.24269
    assert ratio == pytest.approx(2.0)
    assert low == pytest.approx(2 * math.exp(-1.959964 * se), rel=1e-6)  # 1.243
    assert high == pytest.approx(2 * math.exp(1.959964 * se), rel=1e-6)  # 3.218
    assert (round(low, 3), round(high, 3)) == (1.243, 3.218)


def test_a_zero_cell_has_no_index() -> None:
    assert katz_interval(0, 1_000, 100, 10_000) is None
    assert katz_interval(20, 1_000, 0, 10_000) is None
    rates = relative_rates(cp_counts(Black=20, White=100, Asian=0, Mixed=15, Other=6), POP)
    asian = rates.set_index("group").loc["Asian"]
    assert asian["children"] == 0 and asian["rate"] == 0 and math.isnan(asian["rri"])
    words = {f.group: f.sentence for f in findings(rates)}
    assert (
        words["Asian"]
        == "No Asian children were on a child protection plan, so no index can be given."
    )


def test_plain_words_say_whether_the_difference_is_larger_than_chance() -> None:
    rates = relative_rates(cp_counts(Black=20, White=100, Asian=18, Mixed=15, Other=6), POP)
    words = {f.group: f.sentence for f in findings(rates)}
    assert words["Black"] == (
        "Black children are 2.0 times as likely as White children to be on a child protection "
        "plan; the difference is larger than chance."
    )
    # 18 of 2,000 against 100 of 10,000: 0.9, and the interval spans 1
    assert words["Asian"] == (
        "Asian children are 0.9 times as likely as White children to be on a child protection "
        "plan; the difference is within what chance could explain."
    )
    assert words["Mixed"].startswith(
        "Children of mixed or multiple ethnicity are as likely as White children"
    )
    assert set(words) == {"Asian", "Black", "Mixed", "Other"}  # not White, not Not known


def test_no_white_children_means_nothing_to_compare_with() -> None:
    rates = relative_rates(cp_counts(Black=20, White=0), POP)
    words = {f.group: f.sentence for f in findings(rates)}
    assert words["Black"] == (
        "No White children were on a child protection plan, so there is nothing to compare "
        "Black children with."
    )


def test_public_reports_hide_small_groups_with_secondary_suppression() -> None:
    given = cp_counts(Black=20, White=100, Asian=18, Mixed=3, Other=7, **{"Not known": 9})
    public = relative_rates(given, POP, "public").set_index("group")["hidden"]
    # Mixed (3) is small; with the total shown one hidden cell could be worked out, so the
    # next smallest (Other, 7) goes too
    assert public[public].index.tolist() == ["Mixed", "Other"]
    assert not relative_rates(given, POP, "restricted")["hidden"].any()
    words = {f.group: f.sentence for f in findings(relative_rates(given, POP, "public"))}
    assert "not published" in words["Mixed"] and "2.0 times" in words["Black"]


def test_a_small_white_count_hides_every_index() -> None:
    rates = relative_rates(cp_counts(Black=20, White=4, Asian=18, Mixed=12, Other=9), POP, "public")
    hidden = rates.set_index("group")["hidden"]
    assert hidden[["Asian", "Black", "Mixed", "White", "Other"]].all()


def test_codes_map_to_the_ons_2021_groups() -> None:
    codes = pd.Series(["WBRI", " bafr", "CHNE", "MWBC", "OOTH", "REFU", "NOBT", None, "XXXX"])
    assert ethnic_group(codes).tolist() == [
        "White", "Black", "Asian", "Mixed", "Other", "Not known", "Not known", "Not known",
        "Not known",
    ]  # fmt: skip


def test_counts_from_records_use_the_indicators_readings() -> None:
    data = dataset(
        children=[
            {"child_id": "A", "ethnicity": "BAFR"},
            {"child_id": "B", "ethnicity": "WBRI"},
            {"child_id": "C", "ethnicity": "WBRI"},
            {"child_id": "D"},  # not known
        ],
        referrals=[
            {"child_id": "A", "referral_date": "2024-05-01"},
            {"child_id": "B", "referral_date": "2024-05-01", "closure_date": "2024-09-30"},
            {"child_id": "D", "referral_date": "2024-05-01"},
        ],
        cp_plans=[{"child_id": "A", "start_date": "2024-06-01"}],
        la_episodes=[{"child_id": "C", "episode_start": "2024-01-01"}],
        population_ethnicity=[
            {"year": 2023, "ethnicity": "White", "population": 900},
            {"year": 2024, "ethnicity": "White", "population": 1000},
            {"year": 2024, "ethnicity": "Black", "population": 100},
        ],
    )
    found = counts(data, LA, pd.Timestamp("2024-09-30")).set_index(["cohort", "group"])["children"]
    # in need: A (Black), C (White, looked after), D (not known); B's referral closed on the date
    assert found["cin"].to_dict() == {"Asian": 0, "Black": 1, "Mixed": 0, "White": 1, "Other": 0,
                                      "Not known": 1}  # fmt: skip
    assert found["cp", "Black"] == 1 and found["cla", "White"] == 1
    pop = population(data, LA, 2024)
    assert pop["White"] == 1000 and pop["Black"] == 100 and math.isnan(pop["Asian"])
    frames = summary_frames(data, LA, "2024-25 Q2")
    assert set(frames) == {"ethnicity_counts", "ethnicity_population"}
    assert "child_id" not in frames["ethnicity_counts"]


def test_no_ethnicity_in_the_data_gives_no_tables() -> None:
    data = dataset(
        children=[{"child_id": "A"}], cp_plans=[{"child_id": "A", "start_date": "2024-06-01"}]
    )
    assert counts(data, LA, pd.Timestamp("2024-09-30")) is None
    assert summary_frames(data, LA, "2024-25 Q2") == {}
