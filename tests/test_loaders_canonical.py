"""The project's own CSV layout, the data directory, population files and the layout doc."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from safeguarding.dataset import write_canonical
from safeguarding.loaders import (
    load_cin_census,
    load_population,
    load_ssda903,
    read_authority_names,
    read_canonical,
    read_data_dir,
)
from safeguarding.loaders.canonical import layout_markdown
from safeguarding.schema import TABLES
from safeguarding.validation import InputError

ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text(text)
    return path


REFERRALS = (
    "authority,child_id,referral_id,referral_date,referral_source,nfa,closure_date,"
    "closure_reason\n"
    "350,C1,R1,2010-05-04,1A,0,2010-09-01,RC7\n"
    "350,C2,R2,2010-06-01,6,1,2010-06-02,RC8\n"
)
ASSESSMENTS = (
    "authority,child_id,assessment_id,referral_id,assessment_type,start_date,authorised_date\n"
    "350,C1,A1,R1,initial,2010-05-05,2010-05-12\n"
    "350,C1,A2,R1,core,2010-05-13,2010-06-20\n"
)


# --- round trips ----------------------------------------------------------------------------


def assert_same(a, b):
    assert sorted(a.tables) == sorted(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.table(name), b.table(name), check_exact=True)


def test_cin_census_round_trips_through_the_canonical_layout(shared_data, tmp_path):
    for name in ("d2i_CIN_Census_2024.xml", "d2i_fake_CIN_data.xml"):
        data = load_cin_census(shared_data / "formats" / "cin_census" / name)
        write_canonical(data, tmp_path / name)
        again = read_canonical(tmp_path / name)
        assert_same(data, again)
        # the warnings are the same findings, now at CSV lines (not those of the census's own
        # year: its reference date, and its year's code lists, which the layout spans)
        def findings(d, year_specific=("after_reference_date",)):
            return sorted(
                i.rule
                for i in d.issues
                if i.rule not in year_specific and (i.rule, i.column) != ("unknown_code", "Sex")
            )

        assert findings(again) == findings(data)


def test_ssda903_round_trips_through_the_canonical_layout(shared_data, tmp_path):
    data = load_ssda903(shared_data / "formats" / "ssda903", "999", collection_year="2017-18")
    write_canonical(data, tmp_path)
    again = read_canonical(tmp_path, authority="999")
    assert_same(data, again)
    assert {s.kind for s in again.sources} == {"canonical"}


def test_historic_assessment_types_load(tmp_path):
    write(tmp_path, "referrals", REFERRALS)
    write(tmp_path, "assessments", ASSESSMENTS)
    data = read_canonical(tmp_path)
    assert list(data.table("assessments").assessment_type) == ["initial", "core"]
    assert data.table("referrals")["nfa"].tolist() == [False, True]
    assert not data.issues
    assert not data.has("cp_plans")  # not supplied: absent, not empty


# --- bad inputs -----------------------------------------------------------------------------


def test_every_fatal_error_is_reported_with_file_row_column_and_rule(tmp_path):
    write(tmp_path, "referrals", REFERRALS + "350,C3,R2,04/05/2010,1A,2,,\n")
    write(tmp_path, "assessments", ASSESSMENTS + "350,C1,A3,R1,intial,2010-05-05,0210-05-12\n")
    write(tmp_path, "cp_plans", "authority,child_id,start_date\n350,C1,2011-01-01\n")
    with pytest.raises(InputError) as err:
        read_canonical(tmp_path)
    got = {(Path(i.file).name, i.rule, i.row, i.column, i.value) for i in err.value.issues}
    assert got == {
        ("referrals.csv", "invalid_date", 4, "referral_date", "04/05/2010"),
        ("referrals.csv", "invalid_value", 4, "nfa", "2"),
        ("referrals.csv", "duplicate_id", 4, "referral_id", "R2"),
        ("assessments.csv", "unknown_code", 4, "assessment_type", "intial"),
        ("assessments.csv", "invalid_date", 4, "authorised_date", "0210-05-12"),
        ("cp_plans.csv", "missing_column", 1, "plan_id", None),
    }
    assert all(i.severity == "error" for i in err.value.issues)
    text = str(err.value)
    assert "referrals.csv, row 4, column referral_date: value '04/05/2010'" in text
    assert "not a date in the form YYYY-MM-DD [rule: invalid_date]" in text
    assert "year outside 1900-2100" in text
    dup = next(i for i in err.value.issues if i.rule == "duplicate_id")
    assert "first at row 3" in dup.message


def test_warnings_keep_the_records(tmp_path):
    write(tmp_path, "referrals", REFERRALS.replace("2010-06-02", "2010-05-02") + "\n")
    write(
        tmp_path,
        "assessments",
        ASSESSMENTS + "350,C2,A3,R9,single,2010-07-01,2010-06-30\n",
    )
    write(
        tmp_path,
        "cp_plans",
        "authority,child_id,plan_id,start_date,end_date,initial_category,latest_category,"
        "previous_plans,colour\n"
        "350,C1,P1,2011-01-01,2010-12-31,NEGLECT,,0,blue\n",
    )
    data = read_canonical(tmp_path)
    got = {(Path(i.file).name, i.rule, i.row, i.column, i.value) for i in data.issues}
    assert got == {
        ("referrals.csv", "end_before_start", 3, "closure_date", "2010-05-02"),
        ("assessments.csv", "end_before_start", 4, "authorised_date", "2010-06-30"),
        ("assessments.csv", "unknown_reference", 4, "referral_id", "R9"),
        ("cp_plans.csv", "unknown_column", 1, "colour", None),
        ("cp_plans.csv", "unknown_code", 2, "initial_category", "NEGLECT"),
        ("cp_plans.csv", "end_before_start", 2, "end_date", "2010-12-31"),
    }
    assert all(i.severity == "warning" for i in data.issues)
    assert len(data.table("assessments")) == 3 and len(data.table("cp_plans")) == 1


def test_authority_column_and_folder(tmp_path):
    write(tmp_path / "a", "referrals", REFERRALS)
    with pytest.raises(InputError) as err:
        read_canonical(tmp_path / "a", authority="351")
    assert {(i.rule, i.row, i.column) for i in err.value.issues} == {
        ("authority_mismatch", 2, "authority"),
        ("authority_mismatch", 3, "authority"),
    }
    no_column = REFERRALS.replace("authority,", "").replace("350,", "")
    write(tmp_path / "b", "referrals", no_column)
    assert read_canonical(tmp_path / "b", authority="351").authorities == ["351"]
    with pytest.raises(InputError, match="required column 'authority'"):
        read_canonical(tmp_path / "b")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no canonical tables"):
        read_canonical(tmp_path / "empty")


# --- data directory -------------------------------------------------------------------------


def make_data_dir(root: Path) -> Path:
    write(root / "350", "referrals", REFERRALS)
    write(root / "351", "referrals", REFERRALS.replace("authority,", "").replace("350,", ""))
    write(root / "351", "assessments", ASSESSMENTS.replace("350,", "351,"))
    write(root, "population", "authority,year,population\n350,2010,60000\n351,2010,45000\n")
    write(root, "authorities", "code,name,region\n350,Bolton,North West\n351,Bury,North West\n")
    (root / "350" / "cin_census").mkdir()  # demo-only folders are not read
    return root


def test_read_data_dir(tmp_path):
    root = make_data_dir(tmp_path)
    data = read_data_dir(root)
    assert data.authorities == ["350", "351"]
    assert len(data.table("referrals")) == 4 and len(data.table("assessments")) == 2
    assert data.table("population").set_index("authority")["population"].to_dict() == {
        "350": 60000,
        "351": 45000,
    }
    kinds = sorted({s.kind for s in data.sources})
    assert kinds == ["authorities", "canonical", "population"]
    one = read_data_dir(root, authorities=["351"])
    assert one.authorities == ["351"] and len(one.table("population")) == 1
    names = read_authority_names(root)
    assert list(names.columns) == ["code", "name", "region"] and names.name.tolist()[0] == "Bolton"


def test_one_broken_authority(tmp_path):
    root = make_data_dir(tmp_path)
    write(root / "350", "referrals", REFERRALS + "350,C9,R9,not a date,1A,0,,\n")
    with pytest.raises(InputError) as err:
        read_data_dir(root, authorities=["350", "351", "352"])
    got = {(i.authority, i.rule) for i in err.value.issues}
    assert got == {("350", "invalid_date"), ("352", "missing_table")}
    data = read_data_dir(root, on_error="skip")
    assert data.authorities == ["351"]  # the others' reports can still be built
    assert [(i.authority, i.rule, i.row) for i in data.issues if i.severity == "error"] == [
        ("350", "invalid_date", 4)
    ]


# --- population -----------------------------------------------------------------------------


def test_ons_population_file(shared_data):
    path = shared_data / "dfe" / "ons_mid-year_population_estimates_2012_to_2024.csv"
    data = load_population(path)
    pop = data.table("population")
    assert len(pop) == 1976  # local-authority rows only, 151-153 a year for 2012-2024
    assert pop["authority"].str.fullmatch(r"\d{3}").all()
    assert pop["year"].min() == 2012 and pop["year"].max() == 2024
    # 21 cells are "x" (not available): missing, never zero
    assert pop["population"].isna().sum() == 21 and (pop["population"] > 0).all()
    assert {i.rule for i in data.issues} == {"suppressed_value"} and len(data.issues) == 21
    assert data.issues[0].value == "x" and data.issues[0].column == "population_estimate"
    assert data.sources[0].kind == "population_ees"
    some = load_population(path, authorities=["350", "838"]).table("population")
    assert set(some.authority) == {"350", "838"}


def test_suppression_symbols_and_bad_years(tmp_path):
    header = "time_period,geographic_level,old_la_code,new_la_code,population_estimate\n"
    rows = "".join(f"2020,Local authority,35{i},E0,{s}\n" for i, s in enumerate("cxuzk"))
    path = write(tmp_path, "ees", header + rows + "2020,National,,,12000000\n")
    data = load_population(path)
    pop = data.table("population")
    assert len(pop) == 5 and pop["population"].isna().all()
    assert [i.row for i in data.issues] == [2, 3, 4, 5, 6]
    assert "suppressed" in data.issues[0].message
    bad = write(tmp_path, "bad", header + "201920,Local authority,350,E0,1000\n")
    with pytest.raises(InputError) as err:
        load_population(bad)
    (issue,) = err.value.issues
    assert (issue.rule, issue.row, issue.column) == ("invalid_number", 2, "time_period")
    missing = write(tmp_path, "missing", "time_period,geographic_level,old_la_code\n")
    with pytest.raises(InputError, match="population_estimate"):
        load_population(missing)


# --- the layout documentation ---------------------------------------------------------------


def test_data_layout_doc_is_in_step_with_the_schema():
    doc = (ROOT / "docs" / "data-layout.md").read_text()
    assert layout_markdown() in doc, "regenerate docs/data-layout.md's tables"
    for spec in TABLES.values():
        assert f"### `{spec.name}.csv`" in doc
        for col in spec.columns:
            assert f"| `{col.name}` |" in doc


# Every file under ../shared/data/formats/ and the test that shows what it gives.
FORMAT_FILES = {
    "cin_census/d2i_CIN_Census_2021.xml": "test_loaders_cin: loads, 2 before_referral warnings",
    "cin_census/d2i_CIN_Census_2024.xml": "test_loaders_cin: loads, 6 warnings",
    "cin_census/d2i_CIN_Census_2026.xml": "test_loaders_cin: loads, 6 warnings",
    "cin_census/liia_cin-2022.xml": "test_loaders_cin: loads, 2 before_referral warnings",
    "cin_census/d2i_fake_CIN_data.xml": "test_loaders_cin: 332 children, ICPC-only rows",
    "ssda903/header.csv": "test_loaders_ssda903: the 2,675-child CSV sample",
    "ssda903/episodes.csv": "test_loaders_ssda903",
    "ssda903/reviews.csv": "test_loaders_ssda903",
    "ssda903/oc3.csv": "test_loaders_ssda903",
    "ssda903/fake_903.xml": "test_loaders_ssda903: a different, 253-child sample",
    "ssda903/liia_SSDA903_2020_episodes.csv": "test_loaders_ssda903: overlapping episodes",
    "ssda903/liia_SSDA903_episodes_for_testing_fixes_INPUT.csv": "test_loaders_ssda903: ISO "
    "dates, fails with invalid_date",
    # SSDA903 tables no indicator reads: present in the folder, ignored by the loader
    "ssda903/ad1.csv": "ignored",
    "ssda903/DoLo.csv": "ignored",
    "ssda903/missing.csv": "ignored",
    "ssda903/oc2.csv": "ignored",
    "ssda903/placed_for_adoption.csv": "ignored",
    "ssda903/placed_for_adoption_errors.csv": "ignored",
    "ssda903/previous_permanence.csv": "ignored",
    "ssda903/sw_episodes.csv": "ignored",
    "ssda903/uasc.csv": "ignored",
    "annex_a/liia_Annex_A_sample.xlsx": "no loader (not an input of the indicators); "
    "test_loaders_cin/test_loaders_ssda903: refused with a clear message",
    "specs/liia_CIN_schema_2024.xsd": "reference: the CIN loader's element names",
    "specs/DERIVED_ssda903_codelists_liia_2024.json": "test_loaders_ssda903: codes table",
    "specs/DERIVED_record_level_tables.json": "reference",
    "specs/d2i_903_2024_25_rule_info.csv": "reference",
}


def test_every_format_file_is_accounted_for(shared_data):
    formats = shared_data / "formats"
    present = {p.relative_to(formats).as_posix() for p in formats.rglob("*") if p.is_file()}
    assert present == set(FORMAT_FILES), "a new sample file: load it in a test and list it here"
