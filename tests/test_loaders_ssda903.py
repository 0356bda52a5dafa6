"""SSDA903 loader: the shared CSV and XML samples, CSV/XML agreement, bad inputs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from safeguarding.loaders import load_ssda903
from safeguarding.loaders.codes import CODES
from safeguarding.schema import TABLES
from safeguarding.validation import InputError

TABLES_903 = ("children", "la_episodes", "la_reviews", "care_leavers")
SORT = {
    "children": ["child_id"],
    "la_episodes": ["child_id", "episode_start"],
    "la_reviews": ["child_id", "review_date", "review_code"],
    "care_leavers": ["child_id"],
}


@pytest.fixture(scope="module")
def d903(shared_data: Path) -> Path:
    return shared_data / "formats" / "ssda903"


@pytest.fixture(scope="module")
def csv_sample(d903):
    return load_ssda903(d903, "999", collection_year="2017-18")


def rules(data) -> Counter:
    return Counter((i.rule, i.column) for i in data.issues)


def test_csv_sample_loads_with_its_warnings(d903, csv_sample):
    data = csv_sample
    assert [len(data.table(t)) for t in TABLES_903] == [2675, 5050, 12582 - 14, 53]
    assert data.authorities == ["999"]
    assert not [i for i in data.issues if i.severity == "error"]
    assert rules(data) == {
        # reviews and episode ends after 31 March 2018: the synthetic reviews run to 2024
        ("after_collection_year", "REVIEW"): 5036,
        ("after_collection_year", "DEC"): 12,
        ("overlapping_episodes", "DECOM"): 72,
        # 14 (child, review date) pairs recorded twice, the repeat dropped
        ("duplicate_record", "REVIEW"): 14,
        ("unknown_code", "ACCOM"): 2,  # OC3 accommodation "01" and "02"
        # no PL_DISTANCE in this return (most years lack it): placed over 20 miles is not
        # computable from it
        ("missing_column", "PL_DISTANCE"): 1,
        # the social worker episode (2020) and DoLO (2025) samples are later than 2017-18
        ("after_collection_year", "SW_DECOM"): 1,
        ("after_collection_year", "SW_DEC"): 1,
        ("after_collection_year", "DOLO_START"): 1,
        ("after_collection_year", "DOLO_END"): 1,
        ("unknown_child", "CHILD"): 2,  # CHILD10 is in neither header
        ("unknown_code", "SW_REASON"): 1,  # SWLAZY
    }
    assert all(i.value is None or i.value not in i.message for i in data.issues)
    dup = next(i for i in data.issues if i.rule == "duplicate_record")
    assert (dup.file, dup.row, dup.value) == (str(d903 / "reviews.csv"), 2825, "13/08/2020")
    assert "first at row 2824" in dup.message
    overlap = next(i for i in data.issues if i.rule == "overlapping_episodes")
    assert (overlap.file, overlap.row, overlap.value) == (
        str(d903 / "episodes.csv"), 313, "11/01/2018")  # fmt: skip
    assert {Path(s.path).name for s in data.sources} == {
        "header.csv", "episodes.csv", "reviews.csv", "oc3.csv", "sw_episodes.csv",
        "DoLo.csv"}  # fmt: skip
    (sw,) = data.table("sw_episodes").itertuples()
    assert (sw.child_id, sw.sw_id, sw.reason) == ("CHILD10", "SW999", "SWLAZY")
    assert (sw.start_date, sw.end_date) == (pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-03"))
    (dolo,) = data.table("dolo").itertuples()
    assert (dolo.start_date, dolo.end_date) == (
        pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-02"))  # fmt: skip
    eps = data.table("la_episodes")
    assert eps["home_postcode"].notna().sum() > 0 and eps["placement_postcode"].notna().sum() > 0
    assert data.table("children")["ethnicity"].notna().all()
    episodes = data.table("la_episodes")
    assert episodes["episode_end"].isna().sum() == 1413
    assert set(data.table("care_leavers")["collection_year"]) == {"2017-18"}
    for name in TABLES_903:
        assert list(data.table(name).columns) == TABLES[name].column_names


def test_collection_year_is_inferred_with_a_warning(d903):
    data = load_ssda903(d903, "999")
    inferred = [i for i in data.issues if i.rule == "collection_year_inferred"]
    assert len(inferred) == 1 and "2017-18" in inferred[0].message
    assert set(data.table("care_leavers")["collection_year"]) == {"2017-18"}
    with pytest.raises(InputError, match="financial year"):
        load_ssda903(d903, "999", collection_year="2017-18 Q1")


def test_xml_sample_loads(d903):
    data = load_ssda903(d903 / "fake_903.xml", "999", collection_year="2017-18")
    assert [len(data.table(t)) for t in TABLES_903] == [253, 459, 1206, 6]
    assert rules(data) == {
        ("after_collection_year", "REVIEW"): 478,
        ("after_collection_year", "DEC"): 1,
        ("overlapping_episodes", "DECOM"): 7,
        ("unknown_code", "ACCOM"): 1,
    }
    accom = next(i for i in data.issues if i.rule == "unknown_code")
    assert (accom.row, accom.value) == ("/EXPSSDA903/CHILD[252]/HEADER/ACCOM", "01")
    overlap = next(i for i in data.issues if i.rule == "overlapping_episodes")
    assert overlap.row == "/EXPSSDA903/CHILD[37]/EPISODE[2]/DECOM"
    assert data.table("la_episodes")["placement"].notna().all()  # read from <PL>


# --- the same return as CSV and as XML ------------------------------------------------------
# ``fake_903.xml`` is not the XML of the CSV sample (its 253 children share no CHILD or UPN
# with header.csv's 2,675), so agreement is shown by writing each sample in the other format
# and loading both.


def csv_to_xml(folder: Path, out: Path) -> Path:
    """The 903 XML export of a folder of CSV tables (header, episodes, reviews, oc3)."""

    def read(name):
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)

    header, episodes, reviews, oc3 = (read(n) for n in ("header", "episodes", "reviews", "oc3"))
    by_child: dict[str, list[dict]] = {}
    for ep in episodes.to_dict("records"):
        by_child.setdefault(ep["CHILD"], []).append(ep)
    reviews_by: dict[str, list[dict]] = {}
    for review in reviews.to_dict("records"):
        reviews_by.setdefault(review["CHILD"], []).append(review)
    oc3_by = {leaver["CHILD"]: leaver for leaver in oc3.to_dict("records")}

    def el(tag, value):
        return f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag} />"

    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<EXPSSDA903>"]
    for row in header.to_dict("records"):
        cid = row["CHILD"]
        parts.append("<CHILD><HEADER>")
        parts += [el(t, row[c]) for t, c in [("CHILDID", "CHILD"), ("UPN", "UPN"),
                  ("SEX", "SEX"), ("DOB", "DOB"), ("ETHNIC", "ETHNIC")]]  # fmt: skip
        if cid in oc3_by:
            parts += [el(t, oc3_by[cid][t]) for t in ("IN_TOUCH", "ACTIV", "ACCOM")]
        for review in reviews_by.get(cid, []):
            parts.append(
                f"<AREVIEW>{el('REVIEW', review['REVIEW'])}"
                f"{el('REVIEW_CODE', review['REVIEW_CODE'])}</AREVIEW>"
            )
        parts.append("</HEADER>")
        for ep in by_child.get(cid, []):
            tags = [("DECOM", "DECOM"), ("RNE", "RNE"), ("LS", "LS"), ("CIN", "CIN"),
                    ("PL", "PLACE"), ("DEC", "DEC"), ("REC", "REC"), ("HOME_POST", "HOME_POST"),
                    ("PL_POST", "PL_POST")]  # fmt: skip
            parts.append("<EPISODE>" + "".join(el(t, ep[c]) for t, c in tags) + "</EPISODE>")
        parts.append("</CHILD>")
    parts.append("</EXPSSDA903>")
    out.write_text("".join(parts), encoding="utf-8")
    return out


def xml_to_csv(path: Path, folder: Path) -> Path:
    """The CSV tables of a 903 XML export."""
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    header, episodes, reviews, oc3 = [], [], [], []
    for child in root.iterfind("CHILD"):
        head = child.find("HEADER")
        cid, dob = head.findtext("CHILDID"), head.findtext("DOB")
        header.append(
            {
                "CHILD": cid,
                "SEX": head.findtext("SEX"),
                "DOB": dob,
                "ETHNIC": head.findtext("ETHNIC"),
                "UPN": head.findtext("UPN"),
            }
        )
        for review in head.iterfind("AREVIEW"):
            reviews.append(
                {
                    "CHILD": cid,
                    "DOB": dob,
                    "REVIEW": review.findtext("REVIEW"),
                    "REVIEW_CODE": review.findtext("REVIEW_CODE"),
                }
            )
        if head.find("IN_TOUCH") is not None:
            oc3.append(
                {
                    "CHILD": cid,
                    "DOB": dob,
                    "IN_TOUCH": head.findtext("IN_TOUCH"),
                    "ACTIV": head.findtext("ACTIV"),
                    "ACCOM": head.findtext("ACCOM"),
                }
            )
        for ep in child.iterfind("EPISODE"):
            tags = ("DECOM", "RNE", "LS", "CIN", "DEC", "REC", "HOME_POST", "PL_POST")
            row = {tag: ep.findtext(tag) for tag in tags}
            episodes.append({"CHILD": cid, **row, "PLACE": ep.findtext("PL")})
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in [("header", header), ("episodes", episodes), ("reviews", reviews),
                       ("oc3", oc3)]:  # fmt: skip
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


XML_TABLES = ("children", "la_episodes", "la_reviews", "care_leavers")
# the CSV tables only; and PL_DISTANCE, which a CSV header can leave out (missing_column) while
# an XML return's elements are optional, so an absent one cannot be told from a blank one
CSV_ONLY_COLUMNS = ("SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON", "DOLO_START", "DOLO_END",
                    "PL_DISTANCE")  # fmt: skip


def assert_same_tables(a, b):
    """The tables both formats carry (the XML export has no social worker episodes or
    DoLOs), and the findings about them."""
    assert set(XML_TABLES) <= set(a.tables) and set(XML_TABLES) <= set(b.tables)
    for name in XML_TABLES:
        left = a.table(name).sort_values(SORT[name], ignore_index=True)
        right = b.table(name).sort_values(SORT[name], ignore_index=True)
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    # the same findings too, apart from where they are (file and line vs XML path)
    def findings(data):
        return Counter(
            (i.rule, i.column, i.value)
            for i in data.issues
            if i.column not in CSV_ONLY_COLUMNS and "CHILD10" not in str(i.value)
        )

    assert findings(a) == findings(b)


def test_csv_sample_as_xml_gives_the_same_canonical_tables(d903, csv_sample, tmp_path):
    xml = csv_to_xml(d903, tmp_path / "sample_903.xml")
    from_xml = load_ssda903(xml, "999", collection_year="2017-18")
    assert len(from_xml.table("children")) == 2675
    assert_same_tables(csv_sample, from_xml)


def test_xml_sample_as_csv_gives_the_same_canonical_tables(d903, tmp_path):
    from_xml = load_ssda903(d903 / "fake_903.xml", "999", collection_year="2017-18")
    folder = xml_to_csv(d903 / "fake_903.xml", tmp_path / "csv")
    from_csv = load_ssda903(folder, "999", collection_year="2017-18")
    assert_same_tables(from_xml, from_csv)


# --- the other sample files -----------------------------------------------------------------


def episodes_only(tmp_path: Path, episodes: Path, children: list[str]) -> Path:
    """A return folder with ``episodes`` (linked, not copied) and a header for ``children``."""
    folder = tmp_path / "return"
    folder.mkdir()
    (folder / "episodes.csv").symlink_to(episodes)
    rows = "".join(f"{c},1,01/01/2010,WBRI,A000000000000\n" for c in children)
    (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN\n" + rows)
    return folder


def test_liia_2020_episodes_overlap(d903, tmp_path):
    folder = episodes_only(tmp_path, d903 / "liia_SSDA903_2020_episodes.csv", ["689661", "249901"])
    data = load_ssda903(folder, "999", collection_year="2019-20")
    assert len(data.table("la_episodes")) == 5
    assert not data.has("la_reviews") and not data.has("care_leavers")  # not supplied
    got = {(i.rule, i.row, i.column, i.value) for i in data.issues}
    # 689661's episodes from 02/12/2018 and 11/12/2018 run side by side until May/July 2019
    assert got == {
        ("overlapping_episodes", 2, "DECOM", "11/12/2018"),
        ("overlapping_episodes", 4, "DECOM", "16/05/2019"),
        ("missing_column", 1, "PL_DISTANCE", None),
    }


def test_liia_fixes_input_has_iso_dates_and_fails(d903, tmp_path):
    path = d903 / "liia_SSDA903_episodes_for_testing_fixes_INPUT.csv"
    children = sorted(set(pd.read_csv(path, dtype=str)["CHILD"]))
    folder = episodes_only(tmp_path, path, children)
    with pytest.raises(InputError) as err:
        load_ssda903(folder, "999", collection_year="2019-20")
    issues = err.value.issues
    decom = [i for i in issues if i.column == "DECOM"]
    assert [i.row for i in decom] == list(range(2, 25))
    assert {i.rule for i in issues} == {"invalid_date"}
    assert {i.column for i in issues} == {"DECOM", "DEC"}
    first = decom[0]
    assert first.value == "2015-06-19" and "dd/mm/YYYY" in first.message
    assert first.file == str(folder / "episodes.csv")
    assert "episodes.csv, row 2, column DECOM: value '2015-06-19'" in str(err.value)


def test_codes_cover_the_2024_code_lists(shared_data):
    spec = json.loads(
        (shared_data / "formats" / "specs" / "DERIVED_ssda903_codelists_liia_2024.json").read_text()
    )["tables"]
    pairs = {
        ("la_episodes", "rne"): ("Episodes", "RNE"),
        ("la_episodes", "legal_status"): ("Episodes", "LS"),
        ("la_episodes", "placement"): ("Episodes", "PLACE"),
        ("la_episodes", "reason_end"): ("Episodes", "REC"),
        ("la_reviews", "review_code"): ("Reviews", "REVIEW_CODE"),
        ("care_leavers", "in_touch"): ("OC3", "IN_TOUCH"),
        ("care_leavers", "activity"): ("OC3", "ACTIV"),
        ("care_leavers", "accommodation"): ("OC3", "ACCOM"),
    }
    for ours, (table, column) in pairs.items():
        assert set(spec[table][column]["codes"]) <= CODES[ours], ours


# --- bad inputs -----------------------------------------------------------------------------

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"


def make_return(tmp_path: Path, header: str | None, episodes: str | None, **more: str) -> Path:
    folder = tmp_path / "r"
    folder.mkdir(exist_ok=True)
    if header is not None:
        (folder / "header.csv").write_text(header)
    if episodes is not None:
        (folder / "episodes.csv").write_text(episodes)
    for name, text in more.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_missing_tables_and_columns_are_all_reported(tmp_path):
    folder = make_return(tmp_path, None, "CHILD,RNE,LS,PLACE\n1,S,C2,U1\n",
                         reviews="CHILD,REVIEW_CODE\n1,PN1\n")  # fmt: skip
    with pytest.raises(InputError) as err:
        load_ssda903(folder, "350")
    got = {(Path(i.file).name, i.rule, i.row, i.column) for i in err.value.issues}
    assert got == {
        ("header.csv", "missing_table", None, None),
        ("episodes.csv", "missing_column", 1, "DECOM"),
        ("reviews.csv", "missing_column", 1, "REVIEW"),
    }
    assert "the file has: CHILD, RNE, LS, PLACE" in str(err.value)


def test_bad_values_name_file_row_column_and_rule(tmp_path):
    header = "CHILD,SEX,DOB,UPN\n1,1,01/01/2010,A1\n2,2,31/02/2011,A2\n"
    episodes = EPISODES + (
        "1,01/04/2017,S,C2,N1,U1,PR1,01/03/2017,E11\n"  # ends before it starts
        "1,01/04/2017,P,C2,N1,U2,PR1,,\n"  # same child, same start: duplicate
        "2,05/05/2017,Q,ZZ,N1,U1,PR1,,\n"  # unknown RNE and LS
        "3,06/06/2017,S,C2,N1,U1,PR1,,\n"  # child not in header
    )
    oc3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n1,01/01/2010,YES,F1,B1\n"
    folder = make_return(tmp_path, header, episodes, oc3=oc3)
    with pytest.raises(InputError) as err:
        load_ssda903(folder, "350", collection_year="2017-18")
    errors = {(Path(i.file).name, i.rule, i.row, i.column, i.value) for i in err.value.issues}
    assert errors == {
        ("header.csv", "invalid_date", 3, "DOB", "31/02/2011"),
        ("episodes.csv", "duplicate_id", 3, "DECOM", "01/04/2017"),
    }
    # fix the errors: the warnings remain and the load goes through
    (folder / "header.csv").write_text(header.replace("31/02/2011", "28/02/2011"))
    (folder / "episodes.csv").write_text(episodes.replace("1,01/04/2017,P", "1,02/04/2017,P"))
    data = load_ssda903(folder, "350", collection_year="2017-18")
    warnings = {(Path(i.file).name, i.rule, i.row, i.column, i.value) for i in data.issues}
    assert warnings == {
        ("episodes.csv", "end_before_start", 2, "DEC", "01/03/2017"),
        ("episodes.csv", "unknown_code", 4, "RNE", "Q"),
        ("episodes.csv", "unknown_code", 4, "LS", "ZZ"),
        ("episodes.csv", "unknown_child", 5, "CHILD", "3"),
        # a column this return leaves out: the figures reading it are not computable (ETHNIC,
        # absent too, is supplementary since the Annex A loader: blank, with no warning)
        ("episodes.csv", "missing_column", 1, "PL_DISTANCE", None),
    }
    assert all(i.authority == "350" for i in data.issues)


def test_not_a_return(tmp_path, shared_data):
    with pytest.raises(InputError, match="neither"):
        load_ssda903(shared_data / "formats" / "annex_a" / "liia_Annex_A_sample.xlsx", "350")
    wrong = tmp_path / "x.xml"
    wrong.write_text("<Message><Children/></Message>")
    with pytest.raises(InputError) as err:
        load_ssda903(wrong, "350")
    assert err.value.issues[0].rule == "not_ssda903"


def test_each_years_schema_its_placement_and_sex_codes(tmp_path):
    """Z1 until 2024-25, Z11-Z14 from 2025-26; SEX 1/2 until 2023-24, M/F/U from 2024-25."""

    def unknown(year: str, sex: str, place: str) -> list[str]:
        folder = tmp_path / f"{year}-{sex}-{place}"
        folder.mkdir()
        header = f"CHILD,SEX,DOB,ETHNIC,UPN\nC1,{sex},01/01/2010,WBRI,X\n"
        (folder / "header.csv").write_text(header)
        (folder / "episodes.csv").write_text(
            f"CHILD,DECOM,RNE,LS,PLACE,DEC,REC\nC1,01/05/{year[:4]},S,C2,{place},,\n"
        )
        data = load_ssda903(folder, "999", collection_year=year)
        return sorted(i.value for i in data.issues if i.rule == "unknown_code")

    assert unknown("2024-25", "M", "Z1") == []
    assert unknown("2025-26", "F", "Z11") == []
    assert unknown("2025-26", "F", "Z1") == ["Z1"]
    assert unknown("2024-25", "M", "Z14") == ["Z14"]
    assert unknown("2023-24", "1", "U1") == []
    assert unknown("2024-25", "1", "U1") == ["1"]
