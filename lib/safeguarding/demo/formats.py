"""The canonical tables written back out in the statutory formats.

* the CIN census XML: one file per authority per year, holding every child with a referral
  (CIN episode) open at some point in the year, as the return stood on its reference date
  (31 March): later dates are not yet known. Like the real return it carries single
  assessments only; the historic initial and core assessments live in the canonical CSVs;
* the SSDA903 CSV tables ``header``, ``episodes``, ``reviews`` and ``oc3`` for one year,
  dates as dd/mm/YYYY.

Fields the canonical tables do not hold (ethnicity, primary need, reasons for closure,
placement providers) are picked by a stable hash of the record's identifier, so a file is
the same every time it is written.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from .. import __version__
from ..dataset import DataSet
from ..periods import Period
from .dates import add_working_days

ETHNICITY = {"WBRI": 70, "WOTH": 5, "WIRI": 1, "WROM": 1, "MWBC": 3, "MWBA": 1, "MWAS": 1,
             "MOTH": 3, "AIND": 1, "APKN": 3, "ABAN": 1, "AOTH": 1, "BCRB": 1, "BAFR": 3,
             "BOTH": 1, "CHNE": 0.3, "OOTH": 2, "REFU": 0.5, "NOBT": 1}  # fmt: skip
NEED = {"N1": 55, "N2": 4, "N3": 4, "N4": 8, "N5": 14, "N6": 3, "N7": 1, "N8": 4, "N9": 5,
        "N0": 2}  # fmt: skip
CLOSURE = {"RC7": 60, "RC8": 20, "RC9": 15, "RC5": 5}
FACTORS = {"3A": 12, "3B": 10, "4B": 10, "1B": 5, "2B": 5, "16A": 12, "17A": 8, "21": 6,
           "20": 5, "6B": 4, "5B": 3, "10A": 3, "11A": 2, "14A": 3, "4A": 6, "24A": 2}  # fmt: skip
CATEGORY_OF_NEED = {"N1": 62, "N2": 3, "N3": 3, "N4": 8, "N5": 14, "N6": 2, "N7": 1, "N8": 7}
PLACE_CHANGE = {"CARPL": 30, "LAREQ": 20, "CHILD": 15, "PLACE": 8, "STAND": 5, "APPRR": 5,
                "CREQB": 5, "CREQO": 4, "ALLEG": 3, "OTHER": 5}  # fmt: skip
SSDA903_COLUMNS = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", "PL_DISTANCE"],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
}  # fmt: skip
# The CIN census renamed GenderCurrent to Sex from the 2023-24 return.
SEX_ELEMENT_FROM = 2023


def stable_pick(keys: pd.Series | pd.Index, choices: dict[str, float], salt: str) -> np.ndarray:
    """A code per key, drawn with the given weights by a hash of ``salt`` and the key."""
    text = np.char.add(f"{salt}:", np.asarray(keys, dtype=str)).astype(object)
    u = pd.util.hash_array(text, categorize=False) / 2.0**64  # pandas' fixed-key hash
    weights = np.cumsum(list(choices.values()))
    index = np.searchsorted(weights / weights[-1], u, side="right")
    return np.array(list(choices))[np.minimum(index, len(choices) - 1)]


def _censor(frame: pd.DataFrame, columns: list[str], limit: pd.Timestamp) -> pd.DataFrame:
    """Dates after ``limit`` were not known then: blank them."""
    out = frame.copy()
    for col in columns:
        out[col] = out[col].where(out[col] <= limit)
    return out


# --- CIN census XML ----------------------------------------------------------------------


def _el(tag: str, values: pd.Series, indent: int) -> pd.Series:
    """``<tag>value</tag>`` lines (dates as YYYY-MM-DD), empty where the value is missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype("string").map(escape, na_action="ignore")
    pad = " " * indent
    return (pad + f"<{tag}>" + text + f"</{tag}>\n").fillna("").astype(object)


def _join(fragments: pd.Series, by: pd.Series) -> pd.Series:
    """Concatenate fragments per key, keeping their order within each key."""
    if fragments.empty:
        return pd.Series([], dtype=object)
    codes, keys = pd.factorize(by.to_numpy(), sort=False)
    order = np.argsort(codes, kind="stable")
    grouped = codes[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    # adding object arrays concatenates the strings, one group at a time
    joined = np.add.reduceat(fragments.to_numpy(dtype=object)[order], starts)
    return pd.Series(joined, index=keys[grouped[starts]])


def _lookup(keys: pd.Series, fragments: pd.Series) -> pd.Series:
    """The fragment for each key, empty where there is none."""
    return keys.map(fragments).astype(object).where(keys.isin(fragments.index), "")


def _bool_text(values: pd.Series) -> pd.Series:
    return values.astype("boolean").map({True: "true", False: "false"})


def cin_census_xml(data: DataSet, authority: str, year: Period) -> str:
    """The CIN census for ``authority`` and financial ``year`` as XML text."""
    ref = pd.Timestamp(year.end)
    start = pd.Timestamp(year.start)
    d = data.for_authority(authority)
    refs = d.table("referrals")
    refs = refs[(refs["referral_date"] <= ref)
                & (refs["closure_date"].isna() | (refs["closure_date"] >= start))]  # fmt: skip
    refs = _censor(refs, ["closure_date"], ref).sort_values(["child_id", "referral_date"])
    ids = set(refs["referral_id"])

    # plans belong to the referral (episode) they started in
    plans = d.table("cp_plans").sort_values("start_date")
    plans = pd.merge_asof(
        plans, refs[["child_id", "referral_id", "referral_date"]].sort_values("referral_date"),
        left_on="start_date", right_on="referral_date", by="child_id", direction="backward",
    )  # fmt: skip
    plans = plans[plans["referral_id"].isin(ids) & (plans["start_date"] <= ref)]
    plans = _censor(plans, ["end_date"], ref)
    reviews = d.table("cp_reviews")
    reviews = reviews[
        reviews["plan_id"].isin(set(plans["plan_id"])) & (reviews["review_date"] <= ref)
    ]
    reviews = reviews.sort_values(["plan_id", "review_date"])

    assess = d.table("assessments")
    assess = assess[(assess["assessment_type"] == "single") & assess["referral_id"].isin(ids)
                    & (assess["start_date"] <= ref)]  # fmt: skip
    assess = _censor(assess, ["authorised_date"], ref).sort_values("start_date")
    s47 = d.table("section47")
    s47 = s47[s47["referral_id"].isin(ids) & (s47["s47_start_date"] <= ref)]
    s47 = _censor(s47, ["icpc_date"], ref).sort_values("s47_start_date")

    # blocks, innermost first
    factors = pd.Series(stable_pick(assess["assessment_id"], FACTORS, "factor"), index=assess.index)
    assess_xml = (
        "        <Assessments>\n"
        + _el("AssessmentActualStartDate", assess["start_date"], 10)
        + _el("AssessmentAuthorisationDate", assess["authorised_date"], 10)
        + ("          <FactorsIdentifiedAtAssessment>\n"
           + _el("AssessmentFactors", factors, 12)
           + "          </FactorsIdentifiedAtAssessment>\n").where(
               assess["authorised_date"].notna(), "")
        + "        </Assessments>\n"
    )  # fmt: skip
    target = pd.Series(
        add_working_days(s47["s47_start_date"].to_numpy("datetime64[D]"), 15), index=s47.index
    ).astype("datetime64[ns]")
    decided = s47["icpc_not_required"].fillna(False).astype(bool) & (
        s47["s47_start_date"] + pd.Timedelta(days=21) <= ref
    )
    s47_xml = (
        "        <Section47>\n"
        + _el("S47ActualStartDate", s47["s47_start_date"], 10)
        + _el("InitialCPCtarget", target, 10)
        + _el("DateOfInitialCPC", s47["icpc_date"], 10)
        + _el("ICPCnotRequired", _bool_text(decided), 10)
        + "        </Section47>\n"
    )
    review_xml = _join(_el("CPPreviewDate", reviews["review_date"], 12), reviews["plan_id"])
    plan_reviews = plans["plan_id"].map(review_xml)
    category = plans["initial_category"]
    plan_xml = (
        "        <ChildProtectionPlans>\n"
        + _el("CPPstartDate", plans["start_date"], 10)
        + _el("CPPendDate", plans["end_date"], 10)
        + _el("InitialCategoryOfAbuse", category, 10)
        + _el("LatestCategoryOfAbuse", category, 10)
        + _el("NumberOfPreviousCPP", plans["previous_plans"].fillna(0), 10)
        + ("          <Reviews>\n" + plan_reviews + "          </Reviews>\n").fillna("")
        + "        </ChildProtectionPlans>\n"
    )

    rid = refs["referral_id"]
    by_ref = {
        "assessments": _join(assess_xml, assess["referral_id"]),
        "s47": _join(s47_xml, s47["referral_id"]),
        "plans": _join(plan_xml, plans["referral_id"]),
    }
    icpc = s47.dropna(subset=["icpc_date"]).drop_duplicates("referral_id").set_index("referral_id")
    has_s47 = rid.isin(set(s47["referral_id"]))
    need = np.where(has_s47, "N1", stable_pick(rid, NEED, "need"))
    reason = np.where(refs["nfa"].fillna(False), "RC8", stable_pick(rid, CLOSURE, "closure"))
    reason = pd.Series(reason, index=refs.index).where(refs["closure_date"].notna())
    details = (
        "      <CINdetails>\n"
        + _el("CINreferralDate", refs["referral_date"], 8)
        + _el("ReferralSource", refs["referral_source"], 8)
        + _el("PrimaryNeedCode", pd.Series(need, index=refs.index), 8)
        + _el("CINclosureDate", refs["closure_date"], 8)
        + _el("ReasonForClosure", reason, 8)
        + _el("DateOfInitialCPC", rid.map(icpc["icpc_date"]), 8)
        + _lookup(rid, by_ref["assessments"])
        + _lookup(rid, by_ref["s47"])
        + _el("ReferralNFA", _bool_text(refs["nfa"].fillna(False)), 8)
        + _lookup(rid, by_ref["plans"])
        + "      </CINdetails>\n"
    )
    per_child = _join(details, refs["child_id"])
    kids = d.table("children").set_index("child_id").loc[per_child.index].reset_index()
    sex_tag = "Sex" if year.year >= SEX_ELEMENT_FROM else "GenderCurrent"
    child_xml = (
        "    <Child>\n      <ChildIdentifiers>\n"
        + _el("LAchildID", kids["child_id"], 8)
        + _el("UPN", kids["upn"], 8)
        + _el("PersonBirthDate", kids["dob"], 8)
        + _el(sex_tag, kids["sex"], 8)
        + "      </ChildIdentifiers>\n      <ChildCharacteristics>\n"
        + _el("Ethnicity", pd.Series(stable_pick(kids["child_id"], ETHNICITY, "ethnicity")), 8)
        + "        <Disabilities>\n          <Disability>NONE</Disability>\n"
        + "        </Disabilities>\n      </ChildCharacteristics>\n"
        + per_child.to_numpy()
        + "    </Child>\n"
    )
    header = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Message>\n  <Header>\n'
        "    <CollectionDetails>\n      <Collection>CIN</Collection>\n"
        f"      <Year>{year.year + 1}</Year>\n      <ReferenceDate>{ref:%Y-%m-%d}</ReferenceDate>\n"
        "    </CollectionDetails>\n    <Source>\n      <SourceLevel>L</SourceLevel>\n"
        f"      <LEA>{authority}</LEA>\n      <SoftwareCode>safeguarding demo</SoftwareCode>\n"
        f"      <Release>{__version__}</Release>\n      <SerialNo>001</SerialNo>\n"
        f"      <DateTime>{year.year + 1}-05-15T09:00:00</DateTime>\n"
        "    </Source>\n  </Header>\n  <Children>\n"
    )
    return header + "".join(child_xml) + "  </Children>\n</Message>\n"


def cin_children_in_year(data: DataSet, authority: str, year: Period) -> set[str]:
    """The children a year's CIN census holds: a referral open at some point in the year."""
    refs = data.for_authority(authority).table("referrals")
    ref, start = pd.Timestamp(year.end), pd.Timestamp(year.start)
    open_ = (refs["referral_date"] <= ref) & (
        refs["closure_date"].isna() | (refs["closure_date"] >= start)
    )
    return set(refs.loc[open_, "child_id"])


# --- SSDA903 -----------------------------------------------------------------------------


def _ddmmyyyy(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y")


def _miles(values: pd.Series) -> pd.Series:
    """PL_DISTANCE as the return writes it: miles to one decimal, blank where not recorded."""
    miles = pd.to_numeric(values, errors="coerce")
    return miles.map(lambda v: "" if pd.isna(v) else f"{v:.1f}")


def ssda903_tables(data: DataSet, authority: str, year: Period) -> dict[str, pd.DataFrame]:
    """The SSDA903 header, episodes, reviews and OC3 tables of one year's return."""
    start, end = pd.Timestamp(year.start), pd.Timestamp(year.end)
    d = data.for_authority(authority)
    eps = d.table("la_episodes").sort_values(["child_id", "episode_start"])
    # the reason for a placement change sits on the episode the change ended
    next_rne = eps.groupby("child_id")["rne"].shift(-1)
    moved = (next_rne == "P") & eps["episode_end"].notna()
    eps = eps[(eps["episode_start"] <= end)
              & (eps["episode_end"].isna() | (eps["episode_end"] >= start))]  # fmt: skip
    moved = moved.loc[eps.index] & (eps["episode_end"] <= end)
    ongoing = eps["episode_end"].isna() | (eps["episode_end"] > end)
    key = eps["child_id"] + eps["episode_start"].dt.strftime("%Y%m%d")
    provider = np.where(eps["placement"].isin(["P1", "P2"]), "PR0",
                        stable_pick(key, {"PR1": 60, "PR4": 35, "PR2": 5}, "provider"))  # fmt: skip
    episodes = pd.DataFrame({
        "CHILD": eps["child_id"], "DECOM": _ddmmyyyy(eps["episode_start"]), "RNE": eps["rne"],
        "LS": eps["legal_status"], "CIN": stable_pick(eps["child_id"], CATEGORY_OF_NEED, "cin"),
        "PLACE": eps["placement"], "PLACE_PROVIDER": provider,
        "DEC": _ddmmyyyy(eps["episode_end"].where(~ongoing)),
        "REC": eps["reason_end"].where(~ongoing),
        "REASON_PLACE_CHANGE": pd.Series(stable_pick(key, PLACE_CHANGE, "move"),
                                         index=eps.index).where(moved),
        "HOME_POST": "", "PL_POST": "", "URN": "",
        "PL_DISTANCE": _miles(eps["placement_distance_miles"]),
    })  # fmt: skip
    leavers = d.table("care_leavers")
    leavers = leavers[leavers["collection_year"] == year.fy_label]
    kids = d.table("children").set_index("child_id")
    # the header lists every child in the return: looked after in the year or a care leaver
    looked_after = kids.loc[pd.concat([eps["child_id"], leavers["child_id"]]).drop_duplicates()]
    header = pd.DataFrame({
        "CHILD": looked_after.index, "SEX": looked_after["sex"].to_numpy(),
        "DOB": _ddmmyyyy(looked_after["dob"]).to_numpy(),
        "ETHNIC": looked_after["ethnicity"].fillna(pd.Series(
            stable_pick(looked_after.index, ETHNICITY, "ethnicity"), index=looked_after.index
        )).to_numpy(),
        "UPN": looked_after["upn"].to_numpy(), "MOTHER": "", "MC_DOB": "",
    })  # fmt: skip
    revs = d.table("la_reviews")
    revs = revs[revs["review_date"].between(start, end)].sort_values(["child_id", "review_date"])
    reviews = pd.DataFrame({
        "CHILD": revs["child_id"], "DOB": _ddmmyyyy(kids.loc[revs["child_id"], "dob"]).to_numpy(),
        "REVIEW": _ddmmyyyy(revs["review_date"]), "REVIEW_CODE": revs["review_code"],
    })  # fmt: skip
    oc3 = pd.DataFrame({
        "CHILD": leavers["child_id"], "DOB": _ddmmyyyy(leavers["dob"]),
        "IN_TOUCH": leavers["in_touch"], "ACTIV": leavers["activity"],
        "ACCOM": leavers["accommodation"],
    })  # fmt: skip
    return {"header": header, "episodes": episodes, "reviews": reviews, "oc3": oc3}


def write_ssda903(data: DataSet, authority: str, year: Period, directory: Path) -> list[Path]:
    """Write one year's SSDA903 CSV tables into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in ssda903_tables(data, authority, year).items():
        path = directory / f"{name}.csv"
        frame[SSDA903_COLUMNS[name]].to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def write_cin_census(data: DataSet, authority: str, year: Period, path: Path) -> Path:
    """Write one year's CIN census XML to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cin_census_xml(data, authority, year), encoding="utf-8", newline="\n")
    return path
