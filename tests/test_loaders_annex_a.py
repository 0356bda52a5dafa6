"""Ofsted's Annex A workbook: loading, its tolerance of real workbooks, and the indicators it
feeds, hand-worked at their edges on workbooks built here from Ofsted's published headings
(not by the project's demo writer)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from safeguarding.cli import main
from safeguarding.indicators import compute
from safeguarding.loaders import load_annex_a
from safeguarding.validation import InputError

LA = "901"
EXTRACT = "2026-10-05"  # a 12-month extract: 6 October 2025 to 5 October 2026

# Ofsted's headings, as the template spells them (checked against the published column lists
# below); only the lists the tests fill in.
PERSON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
HEADINGS = {
    "List 1": [*PERSON, "Date of Contact", "Contact Source"],
    "List 3": [
        *PERSON,
        "Date of Referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 4": [
        *PERSON,
        "Does the Child have a Disability",
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 5": [
        *PERSON,
        "Does the Child have a Disability",
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 7": [
        *PERSON,
        "Does the Child have a Disability",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)",
        "Number of Previous Child Protection Plans",
        "Allocated Team",
        "Allocated Worker",
    ],
    "List 8": [
        *PERSON,
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
        "Does the Child have a Disability",
        "Date Started to be Looked After",
        "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last "
        "12 months (Y/N)",
        "Start date of current legal status",
        "Child's Legal Status",
        "Date of Latest Statutory Review",
        "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child",
        "Date of Last Health Assessment",
        "Date of Last Dental Check",
        "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After",
        "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement",
        "Placement Type",
        "Placement Provider",
        "Placement postcode",
    ],
    "List 9": [
        *PERSON,
        "Does the Child have a Disability",
        "Allocated Team",
        "Allocated Worker",
        "Eligibility Category",
        "LA in Touch",
        "Type of Accommodation",
        "Suitability of Accommodation",
        "Activity Status",
    ],
    "List 10": [
        "Child Unique ID",
        "Family identifier",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Date the Child Entered Care",
        "Date of Decision that Child Should be Placed for Adoption",
        "Date of Placement Order",
        "Date of Matching Child and Prospective Adopters",
        "Date Placed for Adoption",
        "Date of Adoption Order ",
        "Date of Decision that Child Should No Longer be Placed for Adoption",
    ],
}


def d(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def child(cid: str, dob: str = "2015-05-01") -> dict:
    return {"Child Unique ID": cid, "Gender": "b) Female", "Ethnicity": "a) WBRI",
            "Date of Birth": d(dob), "Age": 11}  # fmt: skip


# The hand-worked cases: every indicator at its edges, in 2026-27 (bank holiday 31 Aug 2026).
CASES: dict[str, list[dict]] = {
    "List 1": [
        # contacts on the last day before the quarter, its first and last days, and after it
        {**child("C1"), "Date of Contact": d("2026-06-30"), "Contact Source": "q) 6: Police"},
        {**child("C2"), "Date of Contact": d("2026-07-01"), "Contact Source": "b) 1B: Individual"},
        {**child("C3"), "Date of Contact": d("2026-09-30"), "Contact Source": "q) 6: Police"},
        {**child("C4"), "Date of Contact": d("2026-10-01"), "Contact Source": "q) 6: Police"},
    ],
    "List 3": [
        # re-referred: Annex A counts an earlier referral the lists no longer hold
        {
            **child("R1"),
            "Date of Referral": d("2026-07-10"),
            "Referral Source": "q) 6: Police",
            "Referral NFA?": "No",
            "Number of Referrals in Last 12 Months": 1,
        },
        {
            **child("R2"),
            "Date of Referral": d("2026-08-01"),
            "Referral Source": "q) 6: Police",
            "Referral NFA?": "No",
            "Number of Referrals in Last 12 Months": 0,
        },
    ],  # fmt: skip
    "List 4": [
        # started 1 July 2026 (day 0): the 45th working day is 3 September, counting the
        # 31 August bank holiday out (a weekday count would make 2 September the 45th)
        {
            **child("A1"),
            "Continuous Assessment Start Date": d("2026-07-01"),
            "Continuous Assessment Date of Authorisation": d("2026-09-03"),
        },
        {
            **child("A2"),
            "Continuous Assessment Start Date": d("2026-07-01"),
            "Continuous Assessment Date of Authorisation": d("2026-09-04"),
        },
        # still open: not in the denominator
        {**child("A3"), "Continuous Assessment Start Date": d("2026-09-20")},
    ],  # fmt: skip
    "List 5": [
        # strategy discussion 20 August 2026: the 15th working day is 11 September (31 August
        # is a bank holiday), the 16th 14 September
        {
            **child("S1"),
            "Strategy discussion initiating Section 47 Enquiry Start Date": d("2026-08-20"),
            "Was an Initial Child Protection Conference deemed unnecessary?": "No",
            "Date of Initial Child Protection Conference": d("2026-09-11"),
        },
        {
            **child("S2"),
            "Strategy discussion initiating Section 47 Enquiry Start Date": d("2026-08-20"),
            "Was an Initial Child Protection Conference deemed unnecessary?": "No",
            "Date of Initial Child Protection Conference": d("2026-09-14"),
        },
    ],  # fmt: skip
    "List 7": [
        # ends on the snapshot date: no longer open on it
        {
            **child("P1"),
            "Child Protection Plan Start Date": d("2026-01-10"),
            "Initial Category of Abuse": "Neglect",
            "Child Protection Plan End Date": d("2026-09-30"),
            "Number of Previous Child Protection Plans": 0,
        },
        # open exactly two years on the snapshot date: counts as two years or more
        {
            **child("P2"),
            "Child Protection Plan Start Date": d("2024-09-30"),
            "Initial Category of Abuse": "Physical abuse",
            "Number of Previous Child Protection Plans": 0,
        },
        # a day short of two years
        {
            **child("P3"),
            "Child Protection Plan Start Date": d("2024-10-01"),
            "Initial Category of Abuse": "Emotional abuse",
            "Date of latest review conference": d("2026-04-01"),
            "Number of Previous Child Protection Plans": 1,
        },
    ],  # fmt: skip
    "List 8": [
        {
            **child("L1"),
            "Date Started to be Looked After": d("2020-01-01"),
            "Child's Legal Status": "C2: FCO",
            "Placement Type": "f) U6: Foster placement",
            "Placement postcode": "AB1 2CD",
        },
        # ceased on the snapshot date, and started the day after it: neither looked after then
        {
            **child("L2"),
            "Date Started to be Looked After": d("2025-11-01"),
            "Child's Legal Status": "C1: Interim care order",
            "Placement Type": "U1: Foster",
            "Date Ceased to be Looked After": d("2026-09-30"),
            "Reason Ceased to be Looked After": "E13: Left care to live with parent(s)",
        },
        {
            **child("L3"),
            "Date Started to be Looked After": d("2026-10-01"),
            "Child's Legal Status": "V2: Section 20",
            "Placement Type": "U1: Foster",
        },
    ],  # fmt: skip
    "List 9": [
        # 19th birthdays in August 2026: one suitably housed and in education, one neither
        {
            **child("CL1", "2007-08-15"),
            "LA in Touch": "a) Yes",
            "Type of Accommodation": "U: Independent living",
            "Suitability of Accommodation": "a) Suitable",
            "Activity Status": "F1: Full time in higher education",
        },
        {
            **child("CL2", "2007-08-20"),
            "LA in Touch": "a) Yes",
            "Type of Accommodation": "Y: Other accommodation",
            "Suitability of Accommodation": "b) Not suitable",
            "Activity Status": "G5: Not in education, employment or training",
        },
    ],  # fmt: skip
    "List 10": [
        # adopted in August 2026: 273 days from care to placement, 92 from order to match
        {
            **child("AD1"),
            "Date the Child Entered Care": d("2025-01-01"),
            "Date of Decision that Child Should be Placed for Adoption": d("2025-04-01"),
            "Date of Placement Order": d("2025-06-01"),
            "Date of Matching Child and Prospective Adopters": d("2025-09-01"),
            "Date Placed for Adoption": d("2025-10-01"),
            "Date of Adoption Order ": d("2026-08-01"),
        },
    ],  # fmt: skip
}


def write_workbook(path: Path, cases: dict[str, list[dict]], headings=None) -> Path:
    """A workbook with one sheet per list: Ofsted's headings, then the cases' rows."""
    headings = headings or HEADINGS
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, names in headings.items():
        ws = book.create_sheet(sheet)
        ws.append(names)
        for case in cases.get(sheet, []):
            ws.append([case.get(name.strip(), case.get(name)) for name in names])
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "annex_a.xlsx", CASES)


def figures(path: Path, periods, ids, extract=EXTRACT):
    data = load_annex_a(path, LA, extract)
    out = compute(data, periods, ids)
    return {
        (r.indicator, r.period): (None if r.value != r.value else r.value) for r in out.itertuples()
    }, out


def test_each_indicator_at_its_edges(workbook: Path) -> None:
    ids = ["CONTACTS", "REREFERRAL_12M", "ASSESS_45WD", "ICPC_15WD", "CPP_AT_END",
           "CPP_2YRS_OPEN", "CLA_AT_END", "NI147", "NI148", "ADOPT_A10", "ADOPT_A2"]  # fmt: skip
    got, out = figures(workbook, ["2026-27 Q2", "2026-27 Q1"], ids)
    q2 = {i: got[(i, "2026-27 Q2")] for i in ids}
    assert q2 == {
        "CONTACTS": 2.0,  # 1 July and 30 September; not 30 June or 1 October
        "REREFERRAL_12M": 50.0,  # R1 by Annex A's own count
        "ASSESS_45WD": 50.0,  # 3 September on time, 4 September a day late
        "ICPC_15WD": 50.0,  # 15th working day on time, 16th late
        "CPP_AT_END": 2.0,  # P2 and P3; P1 ended on 30 September
        "CPP_2YRS_OPEN": 50.0,  # P2 exactly two years; P3 a day short
        "CLA_AT_END": 1.0,  # L1; L2 ceased on the day, L3 started the day after
        "NI147": 50.0,
        "NI148": 50.0,
        "ADOPT_A10": 273.0,
        "ADOPT_A2": 92.0,
    }
    assert got[("CONTACTS", "2026-27 Q1")] == 1.0  # the 30 June contact
    row = out[(out["indicator"] == "ASSESS_45WD") & (out["period"] == "2026-27 Q2")].iloc[0]
    assert (row["numerator"], row["denominator"]) == (1, 2)  # A3 is not yet authorised


def test_periods_outside_the_extract_are_not_computable_never_zero(workbook: Path) -> None:
    got, out = figures(workbook, ["2026-27 Q3", "2024-25", "2026-27 Q2"], ["CONTACTS", "NI67"])
    assert got[("CONTACTS", "2026-27 Q3")] is None  # ends 31 December, after the extract
    assert got[("CONTACTS", "2024-25")] is None  # before the extract's window
    assert got[("CONTACTS", "2026-27 Q2")] == 2.0
    # the lists hold only the latest review conference: plan reviews are never computable
    assert got[("NI67", "2026-27 Q2")] is None
    assert out["numerator"].isna().sum() == 5  # empty, not 0


def test_extract_date_and_window_in_provenance_and_quality_note(workbook: Path) -> None:
    data = load_annex_a(workbook, LA, EXTRACT)
    (source,) = data.sources
    assert (source.kind, source.extract_date) == ("annex_a", EXTRACT)
    (cover,) = data.coverage
    assert (cover.start, cover.end) == (dt.date(2025, 10, 6), dt.date(2026, 10, 5))
    rules = {w.rule: w.message for w in data.warnings}
    assert "extract of 5 October 2026 covers 6 October 2025 to 5 October 2026" in \
        rules["annex_a_window"]
    assert "latest review conference" in rules["annex_a_not_computable"]
    assert "annex_a_rereferrals" in rules


def test_codes_and_values_as_the_canonical_tables_spell_them(workbook: Path) -> None:
    data = load_annex_a(workbook, LA, EXTRACT)
    contacts = data.table("contacts")
    assert sorted(contacts["contact_source"]) == ["1B", "6", "6", "6"]
    plans = data.table("cp_plans").set_index("child_id")
    assert plans.loc["P2", "initial_category"] == "PHY"
    assert plans.loc["P1", "initial_category"] == "NEG"
    eps = data.table("la_episodes").set_index("child_id")
    assert (eps.loc["L1", "legal_status"], eps.loc["L1", "placement"]) == ("C2", "U6")
    assert eps.loc["L1", "placement_postcode"] == "AB1 2CD"
    assert eps.loc["L2", "reason_end"] == "E13"
    leavers = data.table("care_leavers").set_index("child_id")
    assert (
        leavers.loc["CL1", "accommodation"] == "U1" and leavers.loc["CL2", "accommodation"] == "Y2"
    )
    assert leavers.loc["CL1", "collection_year"] == "2026-27"
    kids = data.table("children").set_index("child_id")
    assert kids.loc["C1", "sex"] == "F" and kids.loc["C1", "ethnicity"] == "WBRI"
    reviews = data.table("cp_reviews")
    assert reviews["review_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-04-01"]


def test_what_real_workbooks_do_is_tolerated(tmp_path: Path) -> None:
    # changed case and spacing, Gender renamed Sex (2026 template), dd/mm/yyyy text and Excel
    # serial dates, an extra sheet and column, a title row above the headings, blank rows after
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Annex A extract for inspection"])
    ws = book.create_sheet("List 1 - Contacts")
    ws.append(["Ofsted Annex A: list 1"])
    ws.append(["  child unique id", "SEX", "Ethnicity", "date of  birth", "Age",
               "Date of Contact ", "Contact Source", "Notes"])  # fmt: skip
    ws.append(["X1", "Male", "WBRI", "01/02/2015", 11, "15/07/2026", "6: Police", "n"])
    ws.append([1234.0, "c) Not stated/recorded", "", None, None, 46204, "q) 6: Police", ""])
    ws.append([None] * 8)
    ws.append(["", "", None, None, None, None, None, None])
    path = tmp_path / "real.xlsx"
    book.save(path)
    data = load_annex_a(path, LA, EXTRACT)
    contacts = data.table("contacts")
    assert contacts["child_id"].tolist() == ["X1", "1234"]
    assert contacts["contact_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-07-15",
        "2026-07-01",  # Excel's day 46204
    ]
    kids = data.table("children").set_index("child_id")
    assert kids.loc["X1", "sex"] == "M" and kids.loc["1234", "sex"] == "U"
    assert kids.loc["X1", "dob"] == dt.datetime(2015, 2, 1)


@pytest.mark.parametrize(
    ("heading", "replacement", "hint"),
    [
        ("Date of Referral", "Referral Date", None),  # renamed
        ("Date of Referral", None, None),  # missing
        ("Date of Referral", "Date of Refferal", "Date of Refferal"),  # misspelt
    ],
)
def test_a_wrong_heading_is_one_line_naming_sheet_and_column(
    tmp_path: Path, heading: str, replacement: str | None, hint: str | None
) -> None:
    names = list(HEADINGS["List 3"])
    if replacement is None:
        names.remove(heading)
    else:
        names[names.index(heading)] = replacement
    path = write_workbook(tmp_path / "bad.xlsx", CASES, {**HEADINGS, "List 3": names})
    with pytest.raises(InputError) as caught:
        load_annex_a(path, LA, EXTRACT)
    (issue,) = caught.value.issues
    line = str(issue)
    assert "\n" not in line
    assert "sheet 'List 3'" in line and "column Date of Referral" in line
    assert issue.rule == "missing_column"
    if hint:
        assert repr(hint) in line


def test_an_unreadable_date_names_sheet_row_column_and_value(tmp_path: Path) -> None:
    cases = {**CASES, "List 4": [{**child("A9"), "Continuous Assessment Start Date":
                                  "31/02/2026"}]}  # fmt: skip
    path = write_workbook(tmp_path / "bad.xlsx", cases)
    with pytest.raises(InputError) as caught:
        load_annex_a(path, LA, EXTRACT)
    (issue,) = caught.value.issues
    assert issue.file.endswith("sheet 'List 4'") and issue.row == 2
    assert issue.column == "Continuous Assessment Start Date"
    assert (issue.value, issue.rule) == ("31/02/2026", "invalid_date")


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(InputError) as caught:
        load_annex_a(path, LA, EXTRACT)
    assert caught.value.issues[0].rule == "not_annex_a"


def test_the_real_sample_workbook_loads(shared_data: Path) -> None:
    data = load_annex_a(shared_data / "formats/annex_a/liia_Annex_A_sample.xlsx", "201")
    sizes = {name: len(frame) for name, frame in data.tables.items()}
    assert sizes["contacts"] == 5 and sizes["cp_plans"] == 7 and sizes["la_episodes"] == 5
    assert sizes["referrals"] >= 5 and sizes["adoptions"] == 5 and sizes["care_leavers"] == 6
    assert not [i for i in data.issues if i.severity == "error"]
    assert data.sources[0].extract_date == "2021-03-02"  # inferred, with a warning
    assert "extract_date_inferred" in {w.rule for w in data.warnings}
    plans = data.table("cp_plans")
    assert set(plans["initial_category"].dropna()) <= {"PHY", "EMO", "SAB", "NEG", "MUL"}
    # list 7's last statutory visit is read, and held as at the extract's date alone
    assert plans["last_visit_date"].notna().all()
    (cover,) = data.coverage
    assert set(cover.as_at) == {"cp_plans.last_visit_date", "cp_reviews.review_date"}


def test_the_headings_here_are_ofsteds(shared_data: Path) -> None:
    spec = json.loads((shared_data / "formats/specs/DERIVED_record_level_tables.json").read_text())
    lists = next(v for k, v in spec.items() if k.startswith("Ofsted Annex A"))
    for sheet, names in HEADINGS.items():
        assert names == lists[sheet][: len(names)], sheet


def test_indicators_command_reads_annex_a(workbook: Path, capsys) -> None:
    code = main(["indicators", "--verbose", "--annex-a", str(workbook), "--authority", LA,
                 "--extract-date", EXTRACT, "--period", "2026-27 Q2", "--period", "2026-27 Q3",
                 "--indicator", "CONTACTS", "--indicator", "NI67"])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1:] == [
        "901,CONTACTS,2026-27 Q2,2,2,",
        "901,CONTACTS,2026-27 Q3,,,",
        "901,NI67,2026-27 Q2,,,",
        "901,NI67,2026-27 Q3,,,",
    ]
    assert "CONTACTS for 2026-27 Q3 (authority 901): not computable: the figure reads " \
        "2026-10-01 to 2026-12-31 but the contacts records cover only Ofsted Annex A of " \
        "5 October 2026 (6 October 2025 to 5 October 2026)" in captured.err
    assert "Annex A list 7 holds only each plan's latest review conference" in captured.err


def plan(cid: str, start: str, visit=None, review=None, end=None) -> dict:
    """A list 7 row: a neglect plan with its last statutory visit and latest review."""
    return {**child(cid), "Child Protection Plan Start Date": d(start),
            "Initial Category of Abuse": "Neglect",
            "Date of the Last Statutory Visit": visit and d(visit),
            "Date of latest review conference": review and d(review),
            "Child Protection Plan End Date": end and d(end),
            "Number of Previous Child Protection Plans": 0}  # fmt: skip


# The snapshot is Wednesday 30 September 2026, the extract's own date. Ten working days
# before it (the visit's day is day 0) is Wednesday 16 September; the first review is due 3
# calendar months after the start, later ones 6 months after the one before.
VISITS = {
    "List 7": [
        plan("V1", "2026-01-10", "2026-09-16", "2026-04-10"),  # seen on the 10th day; reviewed
        plan("V2", "2026-01-10", "2026-09-15", "2026-03-30"),  # 11th day: late; review due today
        plan("V3", "2026-09-16"),  # began 10 working days ago: no visit due yet
        plan("V4", "2026-09-15"),  # began 11 working days ago, never seen: late
        plan("V5", "2026-01-10", "2026-08-01", None, "2026-09-30"),  # ended on the snapshot
        plan("V6", "2026-01-10", "2026-09-25", "2026-03-29"),  # review due yesterday: overdue
        plan("V7", "2026-06-30", "2026-09-25"),  # first review due today: not overdue
        plan("V8", "2026-06-29", "2026-09-25"),  # first review due yesterday, none held
    ]
}


def test_cp_visits_and_reviews_in_timescale_on_the_extracts_date(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "visits.xlsx", VISITS)
    ids = ["CP_VISITS_IN_TIME", "CP_REVIEWS_UP_TO_DATE", "NI67"]
    got, out = figures(path, ["2026-27 Q2"], ids, extract="2026-09-30")
    rows = out.set_index("indicator")
    # visits: due for V1, V2, V4, V6, V7, V8 (V3 not yet, V5 ended); in time V1, V6, V7, V8
    assert got[("CP_VISITS_IN_TIME", "2026-27 Q2")] == 66.7
    assert tuple(rows.loc["CP_VISITS_IN_TIME", ["numerator", "denominator"]]) == (4, 6)
    # reviews: a review fallen due for V1, V2, V6, V7, V8; not overdue V1, V2, V7
    assert got[("CP_REVIEWS_UP_TO_DATE", "2026-27 Q2")] == 60.0
    assert tuple(rows.loc["CP_REVIEWS_UP_TO_DATE", ["numerator", "denominator"]]) == (3, 5)
    assert got[("NI67", "2026-27 Q2")] is None  # every review of the year: not in the lists


def test_cp_visits_and_reviews_on_another_day_are_not_computable(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "visits.xlsx", VISITS)
    data = load_annex_a(path, LA, "2026-10-05")  # five days after the quarter's snapshot
    notes: list = []
    out = compute(data, ["2026-27 Q2"], ["CP_VISITS_IN_TIME", "CP_REVIEWS_UP_TO_DATE"],
                  notes=notes)  # fmt: skip
    assert out["value"].isna().all() and out["numerator"].isna().all()  # empty, not 0
    reasons = {n.indicator: n.reason for n in notes}
    assert "Ofsted Annex A of 5 October 2026 gives each plan's last statutory visit only " \
        "as at its own date, so a figure at any other date" in reasons["CP_VISITS_IN_TIME"]
    assert "latest review conference" in reasons["CP_REVIEWS_UP_TO_DATE"]
    # without an extract's date (records in the project's layout) the visits have no date to
    # be read at; the reviews are then the whole record, as the returns give them
    data.coverage = []
    notes = []
    got = compute(data, ["2026-27 Q2"], ["CP_VISITS_IN_TIME", "CP_REVIEWS_UP_TO_DATE"],
                  notes=notes).set_index("indicator")["value"]  # fmt: skip
    assert got.isna()["CP_VISITS_IN_TIME"] and got["CP_REVIEWS_UP_TO_DATE"] == 60.0
    assert [n.indicator for n in notes] == ["CP_VISITS_IN_TIME"]


def test_a_mean_of_days_is_an_outturn_whose_numerator_is_a_sum(tmp_path: Path) -> None:
    """ADOPT_A10's numerator sums days over the children adopted (273 for one child): the
    outturns check that a numerator is at most its denominator holds for shares, not means;
    a share's numerator above its denominator is still refused."""
    from safeguarding.outturns import validate_outturns

    data = load_annex_a(write_workbook(tmp_path / "a.xlsx", CASES), LA, EXTRACT)
    figures_ = compute(data, ["2026-27 Q2"], ["ADOPT_A10"])
    assert figures_.iloc[0]["numerator"] > figures_.iloc[0]["denominator"]
    assert validate_outturns(figures_.astype({"numerator": float, "denominator": float}))[
        "value"
    ].tolist() == [273.0]
    share = figures_.assign(indicator="ASSESS_45WD")
    with pytest.raises(InputError, match="numerator exceeds the denominator"):
        validate_outturns(share.astype({"numerator": float, "denominator": float}))


def test_rereferrals_from_annex_a_carry_a_note_beside_the_figure(workbook: Path) -> None:
    """Annex A's own count of earlier referrals feeds the figure: its section says so where
    the figure is shown, with the extract's date, not only in the data-quality note."""
    from fixtures import report_fixture as fx
    from safeguarding import report
    from safeguarding.report.sections import section_intro
    from safeguarding.summary import records_summary

    data = load_annex_a(workbook, fx.AUTHORITY, EXTRACT)
    frame = compute(data, ["2026-27 Q2"], ["REREFERRAL_12M", "CONTACTS"])
    summary = records_summary(data, fx.AUTHORITY, "2026-27 Q2")
    inputs = report.ReportInputs(frame, fx.targets(), fx.comparators(), data=summary)
    r = report.QuarterlyReport(fx.meta("restricted"), inputs)
    text = section_intro(r, r.catalogue["REREFERRAL_12M"]).markdown
    assert "*Note: a referral counts as a re-referral within 12 months when Annex A's own " \
        "'Number of Referrals in Last 12 Months' (list 3, extract of 5 October 2026)" in text
    assert "Note:" not in section_intro(r, r.catalogue["CONTACTS"]).markdown


def test_a_mean_of_days_over_few_children_is_not_published() -> None:
    """ADOPT_A10 over two adopted children: the mean would describe them, so the public
    report hides it (its denominator counts children; its numerator sums days, no count)."""
    import pandas as pd
    from fixtures import report_fixture as fx
    from safeguarding import report

    def built(adopted: int, audience: str) -> report.QuarterlyReport:
        frame = pd.DataFrame([(fx.AUTHORITY, "ADOPT_A10", "2026-27 Q2", 390.0, 390 * adopted,
                               adopted)], columns=["authority", "indicator", "period", "value",
                                                   "numerator", "denominator"])  # fmt: skip
        inputs = report.ReportInputs(frame, fx.targets(), fx.comparators())
        return report.QuarterlyReport(fx.meta(audience), inputs)

    assert built(2, "public").figure("ADOPT_A10", "2026-27 Q2").hidden
    assert not built(2, "restricted").figure("ADOPT_A10", "2026-27 Q2").hidden
    assert not built(12, "public").figure("ADOPT_A10", "2026-27 Q2").hidden


def test_cp_visits_are_available_only_from_an_extract(tmp_path: Path) -> None:
    from safeguarding.indicators import available_indicators

    data = load_annex_a(write_workbook(tmp_path / "v.xlsx", VISITS), LA, "2026-09-30")
    assert {"CP_VISITS_IN_TIME", "CP_REVIEWS_UP_TO_DATE"} <= set(available_indicators(data))
    data.coverage = []  # the same tables with no extract's date: no visit can be dated
    assert "CP_VISITS_IN_TIME" not in available_indicators(data)
    assert "CP_REVIEWS_UP_TO_DATE" in available_indicators(data)
