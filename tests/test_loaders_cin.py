"""CIN census XML loader: every shared sample, and bad inputs naming file, path, column, rule."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from safeguarding.loaders import load_cin_census
from safeguarding.schema import TABLES
from safeguarding.validation import InputError

CIN_TABLES = ("children", "referrals", "assessments", "section47", "cp_plans", "cp_reviews")
C1 = "/Message/Children/Child[1]/CINdetails[1]"
C2 = "/Message/Children/Child[2]/CINdetails[1]"


def found(data, severity="warning") -> set[tuple]:
    return {(i.rule, i.column, i.row, i.value) for i in data.issues if i.severity == severity}


@pytest.fixture(scope="module")
def cin_dir(shared_data: Path) -> Path:
    return shared_data / "formats" / "cin_census"


# Every block once, with deliberately impossible dates: the assessment and the enquiry start
# before the referral they belong to.
OLD_SAMPLE_WARNINGS = {
    ("before_referral", "AssessmentActualStartDate",
     f"{C1}/Assessments[1]/AssessmentActualStartDate", "1970-06-03"),
    ("before_referral", "S47ActualStartDate", f"{C1}/Section47[1]/S47ActualStartDate",
     "1970-06-02"),
}  # fmt: skip
# The 2024 and 2026 samples: an assessment authorised eight years before it started, dated
# after the census reference date, and "child_fails_assessments" assessed before referral.
NEW_SAMPLE_WARNINGS = {
    ("end_before_start", "AssessmentAuthorisationDate",
     f"{C1}/Assessments[1]/AssessmentAuthorisationDate", "2020-09-19"),
    ("before_referral", "AssessmentActualStartDate",
     f"{C2}/Assessments[1]/AssessmentActualStartDate", "2023-12-25"),
    ("before_referral", "S47ActualStartDate", f"{C1}/Section47[1]/S47ActualStartDate",
     "2022-06-02"),
    ("after_reference_date", "AssessmentActualStartDate",
     f"{C1}/Assessments[1]/AssessmentActualStartDate", "2028-04-28"),
    ("after_reference_date", "CINreferralDate", f"{C2}/CINreferralDate", "2024-10-24"),
    ("after_reference_date", "CINclosureDate", f"{C2}/CINclosureDate", "2024-10-29"),
    # a 2023-24 census (reference date 31 March 2024): Sex M/F/U only from 2024-25
    ("unknown_code", "Sex", "/Message/Children/Child[2]/ChildIdentifiers/Sex", "M"),
}  # fmt: skip
# The 2026 sample carries the 2026-27 pre-proceedings module, still under the 2024 reference
# date: its dates are all after it.
PP = f"{C1}/PreProceedingsandFGDM[1]"
SAMPLE_2026_WARNINGS = NEW_SAMPLE_WARNINGS | {
    ("after_reference_date", element, f"{PP}/{element}", value)
    for element, value in [
        ("PPStartDate", "2026-09-09"), ("LBPSentDate", "2026-09-20"),
        ("InitialPPMeetingDate", "2026-09-28"), ("StepDecisionDate", "2026-12-01"),
        ("CourtAppDate", "2026-12-18"), ("LetterInitCPDate", "2027-02-05"),
    ]
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "counts", "warnings", "extract"),
    [
        ("d2i_CIN_Census_2021.xml", (1, 1, 1, 1, 1, 1), OLD_SAMPLE_WARNINGS, "2023-05-23"),
        ("liia_cin-2022.xml", (1, 1, 1, 1, 1, 1), OLD_SAMPLE_WARNINGS, "2022-05-23"),
        ("d2i_CIN_Census_2024.xml", (2, 2, 2, 1, 1, 1), NEW_SAMPLE_WARNINGS, "2023-05-23"),
        ("d2i_CIN_Census_2026.xml", (2, 2, 2, 1, 1, 1), SAMPLE_2026_WARNINGS, "2023-05-23"),
    ],
)
def test_small_samples_load_with_the_warnings_they_deserve(
    cin_dir, name, counts, warnings, extract
):
    data = load_cin_census(cin_dir / name)
    assert tuple(len(data.table(t)) for t in CIN_TABLES) == counts
    assert found(data) == warnings
    # values may be child-level: they are in Issue.value, never in the message reports show
    assert all(i.value is None or i.value not in i.message for i in data.issues)
    assert all(i.authority == "201" and i.file.endswith(name) for i in data.issues)
    assert data.authorities == ["201"]
    (source,) = data.sources
    assert source.kind == "cin_census" and source.extract_date == extract
    assert len(source.sha256) == 64


def test_the_2026_27_module_and_cin_plans_reach_their_tables(cin_dir):
    data = load_cin_census(cin_dir / "d2i_CIN_Census_2026.xml")
    (pp,) = data.table("pre_proceedings").itertuples()
    rid = "DfEX0000001/R2022-10-06"
    assert (pp.pp_id, pp.referral_id) == (f"{rid}/PP1", rid)
    assert (pp.start_date, pp.lbp_date) == (pd.Timestamp("2026-09-09"), pd.Timestamp("2026-09-20"))
    assert (pp.fgdm_offered, pp.fgdm_facilitated, pp.review_meetings) == (True, True, 3)
    assert (pp.initial_meeting_date, pp.decision_date) == (
        pd.Timestamp("2026-09-28"), pd.Timestamp("2026-12-01"))  # fmt: skip
    assert (pp.outcome, pp.court_application_date, pp.proceedings_letter_date) == (
        "A", pd.Timestamp("2026-12-18"), pd.Timestamp("2027-02-05"))  # fmt: skip
    (plan,) = data.table("cin_plans").itertuples()
    assert (plan.referral_id, plan.start_date, plan.end_date) == (
        rid, pd.Timestamp("2023-01-24"), pd.Timestamp("2023-01-26"))  # fmt: skip
    assert data.table("children")["ethnicity"].tolist() == ["WBRI", "WBRI"]


def test_sex_codes_follow_the_census_year(tmp_path):
    """GenderCurrent 1/2 until 2023-24; Sex M/F/U from 2024-25 (a 1 is then unknown)."""
    def census(year: int, element: str, value: str) -> Path:
        path = tmp_path / f"cin_{year}_{value}.xml"
        path.write_text(
            f"<Message><Header><CollectionDetails><ReferenceDate>{year}-03-31</ReferenceDate>"
            "</CollectionDetails><Source><LEA>201</LEA></Source></Header><Children><Child>"
            f"<ChildIdentifiers><LAchildID>C1</LAchildID><{element}>{value}</{element}>"
            "</ChildIdentifiers></Child></Children></Message>"
        )
        return path

    def unknown(path: Path) -> list[str]:
        return [i.value for i in load_cin_census(path).issues if i.rule == "unknown_code"]

    assert unknown(census(2024, "GenderCurrent", "1")) == []
    assert unknown(census(2025, "Sex", "M")) == []
    assert unknown(census(2025, "Sex", "1")) == ["1"]
    assert unknown(census(2024, "Sex", "F")) == ["F"]


def test_every_block_reaches_its_canonical_column(cin_dir):
    data = load_cin_census(cin_dir / "d2i_CIN_Census_2024.xml")
    child = data.table("children").iloc[0]
    assert (child.child_id, child.dob, child.sex, child.upn) == (
        "DfEX0000001", pd.Timestamp("2015-03-27"), "1", "A123456789123")  # fmt: skip
    ref = data.table("referrals").set_index("referral_id")
    # ids from natural keys (child, then each record's start date): equal in every year's census
    assert list(ref.index) == ["DfEX0000001/R2022-10-06", "child_fails_assessments/R2024-10-24"]
    assert ref.loc["DfEX0000001/R2022-10-06", "referral_source"] == "1A"
    assert ref.loc["DfEX0000001/R2022-10-06", "closure_date"] == pd.Timestamp("2023-02-27")
    assert not ref["nfa"].any()  # "0" and "false" are both false
    ass = data.table("assessments")
    assert list(ass.assessment_id) == [
        "DfEX0000001/R2022-10-06/A2028-04-28",
        "child_fails_assessments/R2024-10-24/A2023-12-25",
    ]
    assert set(ass.assessment_type) == {"single"}
    s47 = data.table("section47").iloc[0]
    assert s47.s47_id == "DfEX0000001/R2022-10-06/S2022-06-02"
    assert s47.icpc_date == pd.Timestamp("2022-06-17") and not s47.icpc_not_required
    plan = data.table("cp_plans").iloc[0]
    assert (plan.plan_id, plan.initial_category, plan.previous_plans) == (
        "DfEX0000001/P2022-02-17", "PHY", 10)  # fmt: skip
    review = data.table("cp_reviews").iloc[0]
    assert (review.plan_id, review.review_date) == (
        "DfEX0000001/P2022-02-17",
        pd.Timestamp("2023-02-15"),
    )
    for name in CIN_TABLES:
        assert list(data.table(name).columns) == TABLES[name].column_names


def test_referrals_only_sample_records_cindetails_level_conferences(cin_dir):
    start = time.process_time()  # CPU time: parallel test workers inflate wall time
    data = load_cin_census(cin_dir / "d2i_fake_CIN_data.xml")
    assert time.process_time() - start < 1.0
    assert [len(data.table(t)) for t in CIN_TABLES] == [332, 402, 0, 350, 0, 0]
    s47 = data.table("section47")
    # no Section47 blocks: each CINdetails-level DateOfInitialCPC is a conference without
    # an enquiry start
    assert s47["s47_start_date"].isna().all() and s47["icpc_date"].notna().all()
    assert s47["s47_id"].str.endswith("/ICPC").all()
    assert data.sources[0].authority == "975" and data.sources[0].extract_date == "2022-07-21"
    # synthetic dates run to 2031, after the reference date 2022-07-21: warnings, not errors
    # and each CINdetails-level conference is counted as untimeable (no enquiry start)
    assert {i.rule for i in data.issues} == {"after_reference_date", "untimeable_conference"}
    assert sum(i.rule == "after_reference_date" for i in data.issues) == 23
    assert sum(i.rule == "untimeable_conference" for i in data.issues) == 350
    assert data.table("referrals")["nfa"].all()


def test_annex_a_workbook_is_not_a_cin_census(shared_data):
    path = shared_data / "formats" / "annex_a" / "liia_Annex_A_sample.xlsx"
    with pytest.raises(InputError) as err:
        load_cin_census(path)
    (issue,) = err.value.issues
    assert issue.rule == "xml_syntax" and issue.file == str(path)


# --- bad inputs -----------------------------------------------------------------------------

HEADER = """<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>
<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails><Source><LEA>{lea}</LEA>
<DateTime>2024-05-01T09:00:00</DateTime></Source></Header><Children>"""


def child(cid: str, details: str, dob: str = "2015-03-27") -> str:
    return (
        f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID><PersonBirthDate>{dob}"
        f"</PersonBirthDate><Sex>1</Sex></ChildIdentifiers>{details}</Child>"
    )


def details(
    referral="2023-06-01", source="1A", closure="", body="", nfa="false", tag="CINdetails"
) -> str:
    closure = f"<CINclosureDate>{closure}</CINclosureDate>" if closure else ""
    referral = f"<CINreferralDate>{referral}</CINreferralDate>" if referral is not None else ""
    return (
        f"<{tag}>{referral}<ReferralSource>{source}</ReferralSource>{closure}{body}"
        f"<ReferralNFA>{nfa}</ReferralNFA></{tag}>"
    )


def write(tmp_path: Path, *children: str, lea: str = "350", name="cin.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER.format(lea=lea) + "".join(children) + "</Children></Message>")
    return path


def test_all_fatal_errors_are_collected_with_their_xml_paths(tmp_path):
    plan = (
        "<ChildProtectionPlans><CPPstartDate>2023-07-01</CPPstartDate>"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
        "<NumberOfPreviousCPP>ten</NumberOfPreviousCPP></ChildProtectionPlans>"
    )
    path = write(
        tmp_path,
        child("A1", details(referral="2023-13-01")),
        child("B2", details(referral=None) + details(body=plan)),
        child("A1", details(nfa="maybe")),
    )
    with pytest.raises(InputError) as err:
        load_cin_census(path)
    got = {(i.rule, i.row, i.column, i.value) for i in err.value.issues}
    assert got == {
        ("invalid_date", "/Message/Children/Child[1]/CINdetails[1]/CINreferralDate",
         "CINreferralDate", "2023-13-01"),
        ("missing_value", "/Message/Children/Child[2]/CINdetails[1]/CINreferralDate",
         "CINreferralDate", None),
        ("invalid_number",
         "/Message/Children/Child[2]/CINdetails[2]/ChildProtectionPlans[1]/NumberOfPreviousCPP",
         "NumberOfPreviousCPP", "ten"),
        ("invalid_value", "/Message/Children/Child[3]/CINdetails[1]/ReferralNFA",
         "ReferralNFA", "maybe"),
        ("duplicate_id", "/Message/Children/Child[3]/ChildIdentifiers/LAchildID",
         "LAchildID", "A1"),
        # (the repeated child's referral is of another date: its natural id does not repeat)
    }  # fmt: skip
    assert all(i.severity == "error" and i.file == str(path) for i in err.value.issues)
    assert all(i.authority == "350" for i in err.value.issues)
    message = str(err.value)
    assert "Child[1]/CINdetails[1]/CINreferralDate" in message and "[rule: invalid_date]" in message
    duplicate = next(i for i in err.value.issues if i.column == "LAchildID")
    assert "first at XML element /Message/Children/Child[1]/ChildIdentifiers" in duplicate.message


def test_warnings_for_codes_order_of_dates_and_authority(tmp_path):
    s47 = (
        "<Section47><S47ActualStartDate>2023-06-10</S47ActualStartDate>"
        "<DateOfInitialCPC>2023-06-05</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired>"
        "</Section47>"
    )
    plan = (
        "<ChildProtectionPlans><CPPstartDate>2023-07-01</CPPstartDate>"
        "<CPPendDate>2023-06-30</CPPendDate><InitialCategoryOfAbuse>XYZ</InitialCategoryOfAbuse>"
        "<NumberOfPreviousCPP>0</NumberOfPreviousCPP><Reviews><CPPreviewDate>2023-06-20"
        "</CPPreviewDate><CPPreviewDate>2023-09-20</CPPreviewDate></Reviews>"
        "</ChildProtectionPlans>"
    )
    path = write(
        tmp_path,
        child("A1", details(source="99", closure="2023-05-01", body=s47 + plan)),
        lea="351",
    )
    data = load_cin_census(path, authority="350")
    r = "/Message/Children/Child[1]/CINdetails[1]"
    assert found(data) == {
        ("authority_mismatch", "LEA", "/Message/Header/Source/LEA", "351"),
        ("unknown_code", "ReferralSource", f"{r}/ReferralSource", "99"),
        ("end_before_start", "CINclosureDate", f"{r}/CINclosureDate", "2023-05-01"),
        ("end_before_start", "DateOfInitialCPC", f"{r}/Section47[1]/DateOfInitialCPC",
         "2023-06-05"),
        ("unknown_code", "InitialCategoryOfAbuse",
         f"{r}/ChildProtectionPlans[1]/InitialCategoryOfAbuse", "XYZ"),
        ("end_before_start", "CPPendDate", f"{r}/ChildProtectionPlans[1]/CPPendDate",
         "2023-06-30"),
        ("before_plan_start", "CPPreviewDate",
         f"{r}/ChildProtectionPlans[1]/Reviews/CPPreviewDate[1]", "2023-06-20"),
    }  # fmt: skip
    assert data.authorities == ["350"]
    assert len(data.table("cp_reviews")) == 2


def test_missing_lea_needs_an_authority(tmp_path):
    path = write(tmp_path, child("A1", details()), lea="")
    with pytest.raises(InputError) as err:
        load_cin_census(path)
    (issue,) = err.value.issues
    assert (issue.rule, issue.row) == ("missing_value", "/Message/Header/Source/LEA")
    assert load_cin_census(path, authority="350").authorities == ["350"]


def test_wrong_root_and_namespaced_files(tmp_path):
    other = tmp_path / "other.xml"
    other.write_text("<EXPSSDA903><CHILD/></EXPSSDA903>")
    with pytest.raises(InputError) as err:
        load_cin_census(other)
    assert err.value.issues[0].rule == "not_cin_census"
    text = write(tmp_path, child("A1", details())).read_text()
    spaced = tmp_path / "ns.xml"
    spaced.write_text(text.replace("<Message>", '<Message xmlns="http://www.dfe.gov.uk/CIN">', 1))
    assert len(load_cin_census(spaced).table("referrals")) == 1


def test_thousands_of_children_load_completely(tmp_path):
    # speed is measured by benchmarks/, not asserted here
    assessment = (
        "<Assessments><AssessmentActualStartDate>2023-06-02</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2023-07-01</AssessmentAuthorisationDate></Assessments>"
    )
    kids = [child(f"C{i:05d}", details(body=assessment) * 2) for i in range(5000)]
    data = load_cin_census(write(tmp_path, *kids))
    assert len(data.table("assessments")) == 10_000 and not data.issues
