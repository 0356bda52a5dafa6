"""The seeded demo generator: determinism, realism, formats and read-back."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from safeguarding.cli import main
from safeguarding.dataset import DataSet, sha256_file, write_canonical
from safeguarding.demo import generate, make_authorities, write_demo
from safeguarding.demo.formats import (
    SSDA903_COLUMNS,
    SSDA903_FROM,
    cin_census_xml,
    cin_children_in_year,
)
from safeguarding.demo.write import write_table
from safeguarding.periods import add_years_series, parse_year_range, working_days_between
from safeguarding.schema import TABLES, coerce_dtypes
from safeguarding.significance import wilson_interval

YEARS = parse_year_range("2022-23..2024-25")
LEGACY_YEARS = parse_year_range("2012-13..2014-15")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DMY = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def checksums(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), n_authorities=2, years=YEARS)


@pytest.fixture(scope="module")
def data(demo_dir):
    return generate(2, YEARS)


def read(demo_dir: Path, code: str, table: str) -> pd.DataFrame:
    spec = TABLES[table]
    return pd.read_csv(demo_dir / code / f"{table}.csv", dtype=str, parse_dates=spec.date_columns)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(demo_dir, tmp_path):
    again = write_demo(tmp_path / "again", n_authorities=2, years=YEARS)
    assert checksums(again) == checksums(demo_dir)


def test_different_seed_gives_different_files(demo_dir, tmp_path):
    other = write_demo(tmp_path / "other", n_authorities=2, years=YEARS, seed=7)
    first, second = checksums(demo_dir), checksums(other)
    assert first.keys() == second.keys()
    assert first["901/referrals.csv"] != second["901/referrals.csv"]
    assert first["comparators.csv"] != second["comparators.csv"]


def test_more_authorities_extend_the_demo_without_changing_it(data):
    one = generate(1, YEARS)
    assert one.table("referrals").equals(data.for_authority("901").table("referrals"))
    england = make_authorities(153, 20241)
    assert len({a.code for a in england}) == 153
    assert [a.name for a in england[:2]] == ["Wexcombe", "Harrowdale"]


# --- realistic rates -----------------------------------------------------------------------


def test_rereferrals_and_second_plans(data):
    refs = data.table("referrals").sort_values(["authority", "child_id", "referral_date"])
    previous = refs.groupby(["authority", "child_id"])["referral_date"].shift()
    recent = refs["referral_date"] >= pd.Timestamp("2022-04-01")
    rereferral = ((refs["referral_date"] - previous).dt.days <= 365)[recent].mean()
    assert 0.15 <= rereferral <= 0.30

    plans = data.table("cp_plans")
    new = plans[plans["start_date"] >= pd.Timestamp("2022-04-01")]
    pairs = plans.merge(new, on=["authority", "child_id"], suffixes=("_old", ""))
    earlier = set(pairs.loc[pairs["start_date_old"] < pairs["start_date"], "plan_id"])
    second = new["plan_id"].isin(earlier) | (new["previous_plans"] > 0)
    # "around 15-25%": a few hundred plans carry sampling noise, so the share's 95% Wilson
    # interval must overlap that range rather than its point estimate sit inside it
    low, high = wilson_interval(int(second.sum()), len(second))
    assert high >= 0.15 and low <= 0.25
    assert new["plan_id"].isin(earlier).any() and (new["previous_plans"] > 0).any()


def test_three_or_more_placements_around_ten_percent(data):
    eps = data.table("la_episodes")
    end = pd.Timestamp("2025-03-31")
    start = pd.Timestamp("2024-04-01")
    current = eps[(eps["episode_start"] <= end) & eps["episode_end"].isna()
                  & ~eps["legal_status"].isin(["V3", "V4"])]  # fmt: skip
    kids = current[["authority", "child_id"]].drop_duplicates()
    window = eps.merge(kids)
    window = window[window["episode_end"].isna() | (window["episode_end"] >= start)]
    new = (window["episode_start"] >= start) & (window["rne"] != "L")
    entered = (window["rne"] == "S") & (window["episode_start"] >= start)
    placements = (new.astype(int) - entered.astype(int)).groupby(
        [window["authority"], window["child_id"]]).sum() + 1  # fmt: skip
    assert 0.05 <= (placements >= 3).mean() <= 0.15
    assert (eps["rne"] == "L").any() and eps["legal_status"].isin(["V3", "V4"]).any()


def test_timeliness_and_outcomes(data):
    a = data.table("assessments").dropna(subset=["authorised_date"])
    on_time = working_days_between(a["start_date"], a["authorised_date"]) <= 45
    assert 0.70 <= on_time.mean() <= 0.92
    s47 = data.table("section47").dropna(subset=["icpc_date"])
    icpc = working_days_between(s47["s47_start_date"], s47["icpc_date"]) <= 15
    assert 0.65 <= icpc.mean() <= 0.92
    leavers = data.table("care_leavers")
    assert 0.75 <= leavers["accommodation"].str.endswith("1").mean() <= 0.95
    assert 0.40 <= leavers["activity"].str.match(r"^[FP]").mean() <= 0.65
    assert set(leavers["collection_year"]) == {y.label for y in YEARS}


def test_small_authority_has_small_numbers(data):
    refs = data.table("referrals")
    per_year = refs[refs["referral_date"] >= pd.Timestamp("2024-04-01")].groupby("authority").size()
    # Wexcombe has 12,000 children: about 500 referrals a year at England's rate
    assert 400 <= per_year["901"] < per_year["902"]
    eps = data.table("la_episodes")
    open_ = eps[eps["episode_end"].isna()].groupby("authority")["child_id"].nunique()
    assert 40 <= open_["901"] <= 300


def test_legacy_assessment_types_and_single_only_census():
    legacy = generate(1, LEGACY_YEARS)
    # the assessment type follows the referral: single assessments from 1 April 2014
    a = legacy.table("assessments").merge(legacy.table("referrals"))
    new = a["referral_date"] >= pd.Timestamp("2014-04-01")
    assert set(a.loc[~new, "assessment_type"]) == {"initial", "core"}
    assert set(a.loc[new, "assessment_type"]) == {"single"}
    assert "<Assessments>" not in cin_census_xml(legacy, "901", LEGACY_YEARS[0])
    assert "<Assessments>" in cin_census_xml(legacy, "901", LEGACY_YEARS[-1])


def test_dates_are_consistent(data):
    kids = data.table("children").set_index(["authority", "child_id"])
    for table, start, end in [("referrals", "referral_date", "closure_date"),
                              ("assessments", "start_date", "authorised_date"),
                              ("section47", "s47_start_date", "icpc_date"),
                              ("cp_plans", "start_date", "end_date"),
                              ("la_episodes", "episode_start", "episode_end"),
                              ("teams", "start_date", "end_date")]:  # fmt: skip
        frame = data.table(table)
        assert not (frame[end] < frame[start]).any(), table
        assert frame[start].max() <= pd.Timestamp("2025-03-31"), table
        dob = kids.loc[pd.MultiIndex.from_frame(frame[["authority", "child_id"]]), "dob"]
        assert (frame[start].to_numpy() >= dob.to_numpy()).all(), table
    plans = data.table("cp_plans")
    dob = kids.loc[pd.MultiIndex.from_frame(plans[["authority", "child_id"]]), "dob"]
    eighteen = add_years_series(pd.Series(dob.to_numpy()), 18)
    assert (plans["end_date"].fillna(pd.Timestamp("1900-01-01")).to_numpy()
            <= eighteen.to_numpy()).all()  # fmt: skip
    reviews = data.table("cp_reviews").merge(plans, on=["authority", "child_id", "plan_id"])
    assert (reviews["review_date"] > reviews["start_date"]).all()
    assert not (reviews["review_date"] > reviews["end_date"]).any()


# --- files ---------------------------------------------------------------------------------


def test_every_file_has_its_columns_and_date_format(demo_dir):
    for code in ("901", "902"):
        for name, spec in TABLES.items():
            if name in ("population", "contacts", "adoptions"):  # Annex A's, not the demo's
                assert not (demo_dir / code / f"{name}.csv").exists()
                continue
            frame = pd.read_csv(demo_dir / code / f"{name}.csv", dtype=str)
            assert list(frame.columns) == spec.column_names, name
            for col in spec.date_columns:
                assert frame[col].dropna().str.match(ISO).all(), (name, col)
        for year in YEARS:
            folder = demo_dir / code / "ssda903" / year.label
            for name, columns in SSDA903_COLUMNS.items():
                if year.year < SSDA903_FROM.get(name, 0):  # a table of a later return
                    assert not (folder / f"{name}.csv").exists(), (name, year)
                    continue
                frame = pd.read_csv(folder / f"{name}.csv", dtype=str)
                assert list(frame.columns) == columns
                for col in ("DOB", "DECOM", "DEC", "REVIEW", "SW_DECOM", "SW_DEC"):
                    if col in frame:
                        assert frame[col].dropna().str.match(DMY).all(), (name, col)
    expected = {
        "authorities.csv": ["code", "name", "region"],
        "population.csv": ["authority", "year", "population"],
        "comparators.csv": ["indicator", "period", "area", "value", "authority", "region"],
        "targets.csv": ["authority", "indicator", "year", "target", "tolerance", "band_low",
                        "band_high"],
    }  # fmt: skip
    for name, columns in expected.items():
        assert list(pd.read_csv(demo_dir / name, nrows=1).columns) == columns
    neighbours = pd.read_csv(demo_dir / "neighbours.csv", dtype=str)
    assert list(neighbours["authority"]) == ["901", "902"]
    assert neighbours.filter(regex=r"^SN_\d+$").notna().all().all()


def test_comparators_and_targets_are_realistic(demo_dir):
    comp = pd.read_csv(demo_dir / "comparators.csv", dtype={"area": str, "authority": str})
    england = comp[comp["area"] == "England"].set_index(["indicator", "period"])["value"]
    assert 20 <= england["NI65", "2024-25"] <= 26
    assert 80 <= england["ASSESS_45WD", "2024-25"] <= 86
    assert 60 <= england["CLA_AT_END_RATE", "2024-25"] <= 75
    assert {"North East", "London", "statistical_neighbours"} <= set(comp["area"])
    assert comp.loc[comp["area"] == "statistical_neighbours", "authority"].notna().all()
    targets = pd.read_csv(demo_dir / "targets.csv")
    ni65 = targets[targets["indicator"] == "NI65"]
    assert (ni65["band_low"] == 10).all() and (ni65["band_high"] == 15).all()
    assert targets.groupby(["authority", "year"]).size().min() >= 8


def test_cin_census_parses_and_holds_the_years_children(demo_dir, data):
    refs = read(demo_dir, "901", "referrals")
    for year in YEARS:
        path = demo_dir / "901" / "cin_census" / f"cin_{year.year + 1}.xml"
        root = etree.parse(str(path)).getroot()
        assert root.findtext("Header/CollectionDetails/ReferenceDate") == f"{year.year + 1}-03-31"
        ids = {c.findtext("ChildIdentifiers/LAchildID") for c in root.iter("Child")}
        open_ = (refs["referral_date"] <= pd.Timestamp(year.end)) & (
            refs["closure_date"].isna() | (refs["closure_date"] >= pd.Timestamp(year.start))
        )
        assert ids == set(refs.loc[open_, "child_id"]) == cin_children_in_year(data, "901", year)


def test_command_line(tmp_path):
    out = tmp_path / "cli"
    assert main(["demo-data", "--authorities", "1", "--years", "2024-25", "--out", str(out),
                 "--seed", "3"]) == 0  # fmt: skip
    assert (out / "901" / "cin_census" / "cin_2025.xml").is_file()
    assert (out / "901" / "ssda903" / "2024-25" / "episodes.csv").is_file()


# --- read back by the loaders --------------------------------------------------------------


def test_loaders_read_the_demo_without_errors_or_warnings(demo_dir):
    from safeguarding import loaders

    data = loaders.read_data_dir(demo_dir)
    assert set(data.authorities) == {"901", "902"}
    assert not data.issues, data.issues[:5]
    for code in ("901", "902"):
        for year in YEARS:
            cin = loaders.load_cin_census(
                demo_dir / code / "cin_census" / f"cin_{year.year + 1}.xml"
            )
            assert not cin.issues, cin.issues[:5]
            ssda = loaders.load_ssda903(demo_dir / code / "ssda903" / year.label, code, year.label)
            assert not ssda.issues, ssda.issues[:5]


def test_worker_processes_write_the_same_files(demo_dir, tmp_path):
    parallel = write_demo(tmp_path / "parallel", n_authorities=2, years=YEARS, jobs=2)
    assert checksums(parallel) == checksums(demo_dir)


def test_fast_table_writer_matches_write_canonical(data, tmp_path):
    own = data.for_authority("902")
    odd = own.table("children").head(3).copy()
    odd["upn"] = pd.array(['A, "quoted"', None, "line\nbreak"], dtype="string")
    for name, frame in [*own.tables.items(), ("children", odd), ("teams", own.table("teams")[:0])]:
        write_canonical(DataSet({name: frame}), tmp_path / "slow")
        write_table(frame, name, tmp_path / "fast" / f"{name}.csv")
        slow = (tmp_path / "slow" / f"{name}.csv").read_bytes()
        assert (tmp_path / "fast" / f"{name}.csv").read_bytes() == slow, name


def test_generate_in_worker_processes_gives_the_same_canonical_tables(data):
    parallel = generate(2, YEARS, jobs=2)
    for name, frame in data.tables.items():
        assert parallel.table(name).equals(frame), name
        assert coerce_dtypes(frame, name).equals(frame), name  # stacked parts stay canonical


def _one_child_census(reviews: bool = True) -> DataSet:
    """A child with an enquiry begun on 21 March 2022 and a plan from its conference on
    11 April 2022 (reviewed on 1 July 2022, or never)."""
    T = pd.Timestamp
    one = {"authority": "901", "child_id": "901C1"}
    tables = {
        "children": pd.DataFrame([{**one, "dob": T("2015-05-01"), "sex": "1",
                                   "ethnicity": "WBRI", "upn": "A901000000001"}]),
        "referrals": pd.DataFrame([{**one, "referral_id": "R1", "referral_date": T("2022-03-15"),
                                    "closure_date": pd.NaT, "referral_source": "1A",
                                    "nfa": False}]),
        "assessments": pd.DataFrame([{**one, "assessment_id": "A1", "referral_id": "R1",
                                      "assessment_type": "single",
                                      "start_date": T("2022-03-15"),
                                      "authorised_date": T("2022-03-25")}]),
        "section47": pd.DataFrame([{**one, "s47_id": "S1", "referral_id": "R1",
                                    "s47_start_date": T("2022-03-21"),
                                    "icpc_date": T("2022-04-11"), "icpc_not_required": False}]),
        "cp_plans": pd.DataFrame([{**one, "plan_id": "P1", "start_date": T("2022-04-11"),
                                   "end_date": pd.NaT, "initial_category": "NEG",
                                   "latest_category": "NEG", "previous_plans": 0}]),
        "cp_reviews": pd.DataFrame([{**one, "plan_id": "P1", "review_date": T("2022-07-01")}]
                                   if reviews else [], columns=[*one, "plan_id", "review_date"]),
        "cin_plans": pd.DataFrame(columns=["authority", "child_id", "referral_id", "start_date",
                                           "end_date"]),
    }  # fmt: skip
    return DataSet({name: coerce_dtypes(frame, name) for name, frame in tables.items()})


def test_a_conference_after_an_enquiry_from_last_year_is_on_the_episode():
    """DfE 2885: a plan starts on its conference's day. The enquiry began in March 2022 and its
    assessment was authorised then, so the enquiry stays in 2021-22's census; the conference
    (and plan) of 11 April 2022 are in 2022-23's, the conference on the episode (CINdetails)."""
    data = _one_child_census()
    before, after = parse_year_range("2021-22..2022-23")
    last_year = etree.fromstring(cin_census_xml(data, "901", before).encode())
    this_year = etree.fromstring(cin_census_xml(data, "901", after).encode())
    # last year: the enquiry, its conference not yet held; this year: no enquiry
    assert last_year.findtext(".//Section47/S47ActualStartDate") == "2022-03-21"
    assert last_year.findtext(".//Section47/DateOfInitialCPC") is None
    assert this_year.find(".//Section47") is None
    details = this_year.find(".//CINdetails")
    assert details.findtext("DateOfInitialCPC") == "2022-04-11"
    assert details.findtext("ChildProtectionPlans/CPPstartDate") == "2022-04-11"


def test_census_year_whose_plans_have_no_reviews():
    # a year in which no plan was reviewed still writes its census: the plan, no Reviews block
    year = parse_year_range("2022-23..2022-23")[0]
    data = _one_child_census(reviews=False)
    census = etree.fromstring(cin_census_xml(data, "901", year).encode())
    plan = census.find(".//ChildProtectionPlans")
    assert plan.findtext("CPPstartDate") == "2022-04-11"
    assert plan.find("Reviews") is None
