"""One history from the returns for closed years and Annex A for the year in progress: the
later extract wins where they overlap, with a warning per conflict, and a period between
what the sources cover is not computable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from _indicator_builders import dataset
from safeguarding.dataset import Coverage, DataSet
from safeguarding.indicators import compute
from safeguarding.loaders import load_annex_a
from safeguarding.loaders.in_year import merge_in_year, returns_end
from test_loaders_annex_a import child, d, write_workbook

LA = "901"


def returns(last_year_end: str = "2026-03-31"):
    """Five closed years of referrals, a plan and a period of care open at the last 31 March."""
    referrals = [
        {"child_id": f"H{y}", "referral_id": f"R{y}", "referral_date": f"{y}-06-01",
         "referral_source": "5A"}
        for y in range(2021, 2026)
    ]  # fmt: skip
    # referred in the returns' last year with source 1B: Annex A says 2A (a conflict)
    referrals.append({"child_id": "B1", "referral_id": "RB1", "referral_date": "2026-03-02",
                      "referral_source": "1B", "closure_date": None})  # fmt: skip
    return dataset(
        referrals=referrals,
        cp_plans=[{"child_id": "P1", "plan_id": "HP1", "start_date": "2025-12-01"}],
        la_episodes=[
            {
                "child_id": "L1",
                "episode_start": "2019-05-01",
                "episode_end": "2024-01-10",
                "placement": "U1",
            },
            {"child_id": "L1", "episode_start": "2024-01-10", "placement": "U4", "rne": "P"},
        ],  # fmt: skip
        children=[{"child_id": c} for c in ("B1", "P1", "L1")],
    )


@pytest.fixture
def annex_a(tmp_path: Path):
    path = write_workbook(
        tmp_path / "annex_a.xlsx",
        {
            "List 3": [
                {
                    **child("B1"),
                    "Date of Referral": d("2026-03-02"),
                    "Referral Source": "e) 2A: Health visitor",
                    "Referral NFA?": "No",
                },
                {
                    **child("N1"),
                    "Date of Referral": d("2026-07-15"),
                    "Referral Source": "q) 6: Police",
                    "Referral NFA?": "No",
                },
            ],
            "List 7": [
                # the returns' open plan ended in June
                {
                    **child("P1"),
                    "Child Protection Plan Start Date": d("2025-12-01"),
                    "Child Protection Plan End Date": d("2026-06-01"),
                    "Initial Category of Abuse": "Neglect",
                },
            ],
            "List 8": [
                # the returns' period of care ended in August
                {
                    **child("L1"),
                    "Date Started to be Looked After": d("2019-05-01"),
                    "Child's Legal Status": "C2: FCO",
                    "Placement Type": "U4: Foster",
                    "Date Ceased to be Looked After": d("2026-08-01"),
                    "Reason Ceased to be Looked After": "E11: Adopted",
                },
            ],
        },  # fmt: skip
    )
    return load_annex_a(path, LA, "2026-10-05")


def value(frame, indicator, period):
    row = frame[(frame["indicator"] == indicator) & (frame["period"] == period)].iloc[0]
    return None if row["value"] != row["value"] else row["value"]


def test_one_history_five_years_of_trend_and_the_year_in_progress(annex_a) -> None:
    data = merge_in_year(returns(), [annex_a])
    years = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    out = compute(data, [*years, "2026-27 Q2", "2026-27 Q3"], ["REFERRALS", "CPP_AT_END",
                                                               "CLA_AT_END"])  # fmt: skip
    assert [value(out, "REFERRALS", y) for y in years] == [1, 1, 1, 1, 2]
    assert value(out, "REFERRALS", "2026-27 Q2") == 1  # N1, from Annex A
    assert value(out, "REFERRALS", "2026-27 Q3") is None  # after the extract
    assert value(out, "CPP_AT_END", "2025-26") == 1 and value(out, "CPP_AT_END", "2026-27 Q2") == 0
    assert value(out, "CLA_AT_END", "2025-26") == 1 and value(out, "CLA_AT_END", "2026-27 Q2") == 0
    episodes = data.table("la_episodes")
    assert len(episodes) == 2  # the returns' episodes, the open one closed by the extract
    last = episodes.sort_values("episode_start").iloc[-1]
    assert (last["episode_end"], last["reason_end"]) == (dt.datetime(2026, 8, 1), "E11")


def test_a_conflict_is_one_warning_and_the_later_extract_wins(annex_a) -> None:
    data = merge_in_year(returns(), [annex_a])
    conflicts = [i for i in data.issues if i.rule == "source_conflict"]
    assert len(conflicts) == 1
    (conflict,) = conflicts
    assert conflict.column == "referral_source" and conflict.authority == LA
    assert "referrals" in conflict.message and "the later source" in conflict.message
    referrals = data.table("referrals").set_index("child_id")
    assert referrals.loc["B1", "referral_source"] == "2A"
    assert (data.table("referrals")["child_id"] == "B1").sum() == 1
    # a plan the extract closes is new information, not a conflict
    plans = data.table("cp_plans")
    assert len(plans) == 1 and plans.iloc[0]["end_date"] == dt.datetime(2026, 6, 1)


def test_a_gap_between_the_returns_and_the_extract_is_not_computable(annex_a) -> None:
    history = returns()
    history.tables["referrals"] = history.tables["referrals"][
        history.tables["referrals"]["referral_date"] < "2025-04-01"
    ]
    history.tables.pop("cp_plans")
    history.tables.pop("la_episodes")
    assert returns_end(history, LA) == dt.date(2025, 3, 31)
    data = merge_in_year(history, [annex_a])
    out = compute(data, ["2024-25", "2025-26 Q2", "2026-27 Q2"], ["REFERRALS"])
    assert value(out, "REFERRALS", "2024-25") == 1
    assert value(out, "REFERRALS", "2025-26 Q2") is None  # neither source covers July 2025
    assert value(out, "REFERRALS", "2026-27 Q2") == 1


def test_coverage_joins_spans_that_meet() -> None:
    spans = [
        Coverage(LA, ("referrals",), dt.date(1900, 1, 1), dt.date(2026, 3, 31), "r", "returns"),
        Coverage(LA, ("referrals",), dt.date(2026, 4, 1), dt.date(2026, 10, 5), "a", "Annex A",
                 {"rereferrals": "why not"}),
    ]  # fmt: skip
    data = DataSet(coverage=spans)
    assert data.covers(LA, "referrals", dt.date(2025, 4, 1), dt.date(2026, 9, 30)) is None
    why = data.covers(LA, "referrals", dt.date(2026, 4, 1), dt.date(2026, 9, 30), "rereferrals")
    assert why is not None and "why not" in why
    assert data.covers(LA, "referrals", dt.date(2026, 10, 1), dt.date(2026, 12, 31)) is not None
    assert data.covers(LA, "la_episodes", dt.date(2030, 1, 1), dt.date(2030, 3, 31)) is None


def test_repeats_within_one_source_are_no_conflict(tmp_path) -> None:
    # two contacts of one child on one day (from different sources) in one workbook
    path = write_workbook(tmp_path / "a.xlsx", {"List 1": [
        {**child("C1"), "Date of Contact": d("2026-07-01"), "Contact Source": "6: Police"},
        {**child("C1"), "Date of Contact": d("2026-07-01"), "Contact Source": "1B: Individual"},
    ]})  # fmt: skip
    data = merge_in_year(dataset(), [load_annex_a(path, LA, "2026-10-05")])
    assert len(data.table("contacts")) == 2
    assert not [i for i in data.issues if i.rule == "source_conflict"]


def test_a_years_recoding_is_no_conflict(annex_a) -> None:
    """The returns' Sex 2 and the extract's F are one sex, not a conflict."""
    history = returns()
    history.tables["children"]["sex"] = "2"
    data = merge_in_year(history, [annex_a])
    assert not [i for i in data.issues if i.rule == "source_conflict" and "sex" in i.message]


def test_an_extract_older_than_the_returns_loses_to_them(tmp_path: Path) -> None:
    """Last year's Q2 workbook left in the settings once that year's returns are in: the
    returns are the later source. A period of care they closed stays closed, their values
    win with one warning naming them as the later source, and a child only the old extract
    holds is still added."""
    history = returns()
    history.tables["la_episodes"].loc[1, "episode_end"] = dt.datetime(2026, 2, 1)
    history.tables["la_episodes"].loc[1, "reason_end"] = "E13"
    path = write_workbook(
        tmp_path / "old.xlsx",
        {
            "List 3": [{**child("B1"), "Date of Referral": d("2026-03-02"),
                        "Referral Source": "e) 2A: Health visitor", "Referral NFA?": "No"}],
            "List 8": [
                # still looked after on the old extract's day, as the returns had it then
                {**child("L1"), "Date Started to be Looked After": d("2019-05-01"),
                 "Child's Legal Status": "C2: FCO", "Placement Type": "U4: Foster"},
                {**child("L9"), "Date Started to be Looked After": d("2025-06-01"),
                 "Child's Legal Status": "V2: Section 20", "Placement Type": "U1: Foster"},
            ],
        },
    )  # fmt: skip
    old = load_annex_a(path, LA, "2025-12-31")
    data = merge_in_year(history, [old])
    episodes = data.table("la_episodes").sort_values(["child_id", "episode_start"])
    l1 = episodes[episodes["child_id"] == "L1"]
    assert l1["episode_end"].notna().all()  # not re-opened by the older extract
    assert list(episodes["child_id"]) == ["L1", "L1", "L9"]
    (conflict,) = [i for i in data.issues if i.rule == "source_conflict"]
    assert conflict.column == "referral_source"
    assert "and the returns, the later source" in conflict.message
    assert data.table("referrals").set_index("child_id").loc["B1", "referral_source"] == "1B"
    out = compute(data, ["2025-26"], ["CLA_AT_END"])
    assert value(out, "CLA_AT_END", "2025-26") == 1  # L9 alone: L1 left care in February
    # the data-quality note says the extract is the older source
    rules = {w.rule: w.message for w in data.warnings}
    assert "older than the returns, which reach 2026-03-31" in rules["annex_a_older_than_returns"]
    assert "annex_a_rereferrals" not in rules  # its own count no longer feeds the figure


def test_a_last_visit_an_older_extract_gives_is_kept_on_the_returns_plan(tmp_path: Path) -> None:
    """The returns (to 31 March 2026) win the plan both hold, but record no statutory visits:
    the visit on Monday 22 December 2025 that the extract of Wednesday 31 December gives,
    as at its date, stays on the plan. Six working days before the snapshot (Christmas Day and
    Boxing Day are bank holidays): in time, not a plan 'never visited' (it was 0%)."""
    path = write_workbook(
        tmp_path / "old.xlsx",
        {
            "List 7": [{**child("P1"), "Child Protection Plan Start Date": d("2025-12-01"),
                        "Initial Category of Abuse": "Neglect",
                        "Date of the Last Statutory Visit": d("2025-12-22")}],
        },
    )  # fmt: skip
    old = load_annex_a(path, LA, "2025-12-31")
    data = merge_in_year(returns(), [old])
    plan = data.table("cp_plans").set_index("child_id").loc["P1"]
    assert plan["plan_id"] == "HP1"  # the returns' record, kept
    assert plan["last_visit_date"] == dt.datetime(2025, 12, 22)
    out = compute(data, ["2025-26 Q3"], ["CP_VISITS_IN_TIME"])
    row = out.iloc[0]
    assert (row["value"], row["numerator"], row["denominator"]) == (100.0, 1, 1)
