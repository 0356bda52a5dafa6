"""Referrals after early help and step-downs to early help: worked by hand at their edges, fed
by the canonical ``early_help`` table and by Ofsted's Annex A lists 2 and 6, and not computable
(never 0%) where the records do not have them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _indicator_builders import LA, dataset, figure
from safeguarding.dataset import Coverage
from safeguarding.indicators import compute
from safeguarding.loaders import load_annex_a

Q2 = "2024-25 Q2"  # year to date: 1 April to 30 September 2024


def ref(child: str, date: str) -> dict:
    return {"child_id": child, "referral_date": date}


def helped(child: str, start: str, end: str | None = None) -> dict:
    return {"child_id": child, "start_date": start, "end_date": end}


EDGES = dict(
    referrals=[
        ref("A", "2024-05-01"),  # early help began the day before: after early help
        ref("B", "2024-06-01"),  # began on the referral's day: not before it
        ref("C", "2024-07-15"),  # completed exactly 12 months before: counts
        ref("D", "2024-07-15"),  # completed 12 months and a day before: does not
        ref("E", "2024-09-30"),  # begun years ago, never completed: still open, counts
        ref("F", "2024-04-01"),  # no early help of its own (G's is not F's)
        ref("A", "2024-03-31"),  # last year: outside the window
        ref("H", "2024-10-01"),  # after the quarter
    ],
    early_help=[
        helped("A", "2024-04-30", "2024-05-20"),
        helped("B", "2024-06-01", "2024-06-20"),
        helped("C", "2023-06-01", "2023-07-15"),
        helped("D", "2023-06-01", "2023-07-14"),
        helped("E", "2021-01-01"),
        helped("G", "2024-03-01", "2024-03-20"),
        helped("H", "2024-09-01"),
    ],
)


def test_referrals_after_early_help_at_the_edges() -> None:
    assert figure(dataset(**EDGES), "REFERRALS_AFTER_EH", Q2) == (50.0, 3, 6)  # A, C, E


def test_twelve_months_back_from_29_february() -> None:
    # 12 months before 29 February 2024 is 28 February 2023 (pd.DateOffset's calendar)
    data = dataset(
        referrals=[ref("A", "2024-02-29"), ref("B", "2024-02-29")],
        early_help=[helped("A", "2023-01-01", "2023-02-28"), helped("B", "2023-01-01",
                                                                    "2023-02-27")],
    )
    assert figure(data, "REFERRALS_AFTER_EH", "2023-24") == (50.0, 1, 2)


def test_two_early_help_assessments_make_one_referral_after_early_help() -> None:
    data = dataset(
        referrals=[ref("A", "2024-05-01")],
        early_help=[helped("A", "2024-01-01", "2024-01-20"), helped("A", "2024-03-01")],
    )
    assert figure(data, "REFERRALS_AFTER_EH", Q2) == (100.0, 1, 1)


def test_without_early_help_records_the_figure_is_not_computable() -> None:
    data = dataset(referrals=[ref("A", "2024-05-01")])
    assert figure(data, "REFERRALS_AFTER_EH", Q2) == (None, None, None)


def test_early_help_records_must_reach_back_a_year_before_the_period() -> None:
    data = dataset(**EDGES)
    # an extract of early help from 1 October 2023 only: the year before April 2024 is short
    data.coverage.append(
        Coverage(LA, ("early_help",), dt.date(2023, 10, 1), dt.date(2024, 9, 30), "eh.xlsx",
                 "Ofsted Annex A of 30 September 2024", {})  # fmt: skip
    )
    notes: list = []
    out = compute(data, [Q2], ["REFERRALS_AFTER_EH"], notes=notes)
    assert out["value"].isna().all()
    assert "early_help records cover only" in notes[0].reason
    assert "2023-04-01" in notes[0].reason  # the date the figure reads back to


# --- Ofsted's Annex A: list 2 (early help) and list 6's reason for closure ------------------

PERSON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
LIST_2 = [*PERSON, "Assessment start date", "Assessment completion date",
          "Organisation completing assessment"]  # fmt: skip
LIST_3 = [*PERSON, "Date of Referral", "Referral Source", "Referral NFA?"]
LIST_6 = [*PERSON, "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
          "Date Child Was Last Seen", "CIN Closure Date", "Reason for Closure"]  # fmt: skip
EXTRACT = "2026-09-30"  # covers 1 October 2025 to 30 September 2026


def _write(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (headings, rows) in sheets.items():
        ws = book.create_sheet(name)
        ws.append(headings)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def _d(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _person(cid: str) -> list:
    return [cid, "b) Female", "a) WBRI", _d("2015-05-01"), 11]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "annex_a.xlsx",
        {
            "List 2": (LIST_2, [
                [*_person("A"), _d("2026-01-10"), _d("2026-02-01"), "Early Help Service"],
                [*_person("B"), _d("2026-08-01"), None, "School"],
            ]),
            "List 3": (LIST_3, [
                [*_person("A"), _d("2026-04-02"), "q) 6: Police", "b) No"],
                [*_person("B"), _d("2026-08-01"), "q) 6: Police", "b) No"],  # same day: not
                [*_person("C"), _d("2026-05-02"), "q) 6: Police", "b) No"],
            ]),
            "List 6": (LIST_6, [
                [*_person("A"), "b) No", _d("2026-04-02"), "N1", None, _d("2026-06-01"),
                 "RC9 - Case closed after assessment, referred to early help"],
                [*_person("C"), "b) No", _d("2026-05-02"), "N1", None, _d("2026-07-01"),
                 "RC8: Case closed after assessment, no further action"],
            ]),
        },  # fmt: skip
    )


def test_annex_a_list_2_feeds_early_help_and_list_6_the_reason_for_closure(workbook) -> None:
    data = load_annex_a(workbook, LA, EXTRACT)
    eh = data.table("early_help")
    assert list(eh["child_id"]) == ["A", "B"]
    assert list(eh["organisation"]) == ["Early Help Service", "School"]
    assert eh["end_date"].isna().tolist() == [False, True]
    refs = data.table("referrals").set_index("child_id")
    assert refs.loc["A", "closure_reason"] == "RC9" and refs.loc["C", "closure_reason"] == "RC8"
    out = compute(data, ["2026-27 Q2"], ["STEP_DOWN_EH", "REFERRALS_AFTER_EH"])
    got = {r.indicator: (r.value, r.numerator, r.denominator) for r in out.itertuples()}
    assert got["STEP_DOWN_EH"] == (50.0, 1, 2)
    # the 12-month extract does not reach back a year before April 2026: not computable
    assert got["REFERRALS_AFTER_EH"][0] != got["REFERRALS_AFTER_EH"][0]  # NaN
    # the last quarter alone reads back to 1 July 2025, still before the extract's window
    q = compute(data, ["2026-27 Q2"], ["REFERRALS_AFTER_EH"], window="in_period")
    assert q["value"].isna().all()


def test_an_18_month_annex_a_gives_referrals_after_early_help(workbook) -> None:
    data = load_annex_a(workbook, LA, EXTRACT, months=18)  # from 1 April 2025
    out = compute(data, ["2026-27 Q2"], ["REFERRALS_AFTER_EH"])
    assert (out["value"].iloc[0], out["numerator"].iloc[0]) == (33.3, 1)  # A; not B, not C


def test_an_empty_list_2_is_left_out_not_read_as_no_early_help(tmp_path) -> None:
    referral = [*_person("A"), _d("2026-04-02"), "q) 6: Police", "b) No"]
    path = _write(tmp_path / "a.xlsx", {"List 2": (LIST_2, []), "List 3": (LIST_3, [referral])})
    data = load_annex_a(path, LA, EXTRACT, months=18)
    assert not data.has("early_help")
    assert "early_help_left_out" in {w.rule for w in data.warnings}
    out = compute(data, ["2026-27 Q2"], ["REFERRALS_AFTER_EH"])
    assert out.empty or out["value"].isna().all()


def test_the_real_sample_workbooks_list_2(shared_data: Path) -> None:
    data = load_annex_a(shared_data / "formats/annex_a/liia_Annex_A_sample.xlsx", "201")
    eh = data.table("early_help")
    assert len(eh) > 0 and eh["start_date"].notna().all()
    assert (eh["end_date"].dropna() >= eh.loc[eh["end_date"].notna(), "start_date"]).all()
    assert eh["organisation"].notna().any()


# --- step-downs to early help from the CIN census's ReasonForClosure -------------------------


def test_step_downs_from_the_cin_census_reason_for_closure(shared_data: Path, tmp_path) -> None:
    """The census's ReasonForClosure is read (RC9: closed after assessment, referred to early
    help): both episodes of the real-format sample moved into its 2023-24 window."""
    from safeguarding.loaders import load_cin_census

    xml = (shared_data / "formats/cin_census/d2i_CIN_Census_2024.xml").read_text()
    assert xml.count("<CINclosureDate>2023-02-27<") == 1  # the RC1 episode
    assert xml.count("<CINclosureDate>2024-10-29<") == 1  # the RC9 one
    xml = xml.replace("<CINclosureDate>2023-02-27<", "<CINclosureDate>2023-06-01<")
    xml = xml.replace("<CINclosureDate>2024-10-29<", "<CINclosureDate>2023-11-01<")
    path = tmp_path / "cin_2024.xml"
    path.write_text(xml)
    data = load_cin_census(path)
    assert sorted(data.table("referrals")["closure_reason"].dropna()) == ["RC1", "RC9"]
    assert figure(data, "STEP_DOWN_EH", "2023-24", authority="201") == (50.0, 1, 2)


def test_closures_of_referrals_ending_in_no_further_action_are_not_step_downs(
    shared_data: Path,
) -> None:
    """Data to Insight's fake census marks every referral ReferralNFA true, though many have
    closures with reasons (RC1-RC8): none is an episode of help to step down from, so there is
    nothing to measure (an empty figure with a zero denominator), never 0%."""
    from lxml import etree
    from safeguarding.loaders import load_cin_census

    path = shared_data / "formats/cin_census/d2i_fake_CIN_data.xml"
    tree = etree.parse(str(path))
    details = list(tree.iter("CINdetails"))
    assert {d.findtext("ReferralNFA") for d in details} == {"true"}
    closed = [d.findtext("CINclosureDate") for d in details if d.findtext("ReasonForClosure")]
    assert sum("2022-04-01" <= c <= "2022-06-30" for c in closed) >= 10  # with reasons
    data = load_cin_census(path)
    got = figure(data, "STEP_DOWN_EH", "2022-23 Q1", authority="975", window="in_period")
    assert got == (None, 0, 0)


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_has_early_help_before_referrals_and_after_step_downs(small_demo: Path) -> None:
    from safeguarding.loaders import read_data_dir

    data = read_data_dir(small_demo, ["901"])
    eh, refs = data.table("early_help"), data.table("referrals")
    assert len(eh) and set(eh["child_id"]) <= set(data.table("children")["child_id"])
    out = compute(data, ["2023-24", "2024-25"], ["REFERRALS_AFTER_EH", "STEP_DOWN_EH"])
    value = out.set_index(["indicator", "period"])["value"]
    # about a fifth to a third of referrals follow early help, as councils that count it see
    assert value["REFERRALS_AFTER_EH"].between(15, 35).all()
    assert value["STEP_DOWN_EH"].between(10, 30).all()
    # most step-downs (RC9) are followed by an early help assessment within three weeks
    rc9 = refs[refs["closure_reason"] == "RC9"].merge(eh, on=["authority", "child_id"])
    after = (rc9["start_date"] > rc9["closure_date"]) & (
        rc9["start_date"] <= rc9["closure_date"] + pd.Timedelta(days=21)
    )
    stepped = rc9.loc[after, "referral_id"].nunique()
    assert stepped >= 0.7 * (refs["closure_reason"] == "RC9").sum()
    # and the demo's Annex A list 2 carries them
    book = small_demo / "901" / "annex_a" / "annex_a_2024-09-30.xlsx"
    annex = load_annex_a(book, "901", "2024-09-30")
    assert len(annex.table("early_help")) > 0
    # step-downs from the workbook's list 6 are the records' own (NFA referrals left out of both)
    a = compute(annex, ["2024-25 Q2"], ["STEP_DOWN_EH"]).iloc[0]
    r = compute(data, ["2024-25 Q2"], ["STEP_DOWN_EH"]).iloc[0]
    assert (a["value"], a["numerator"], a["denominator"]) == (
        r["value"], r["numerator"], r["denominator"])  # fmt: skip
    assert a["denominator"] > 50
