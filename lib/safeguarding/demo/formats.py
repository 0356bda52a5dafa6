"""The canonical tables written back out in the statutory formats.

* the CIN census XML: one file per authority per year, holding every child with a referral
  (CIN episode) open at some point in the year, as the return stood on its reference date
  (31 March): later dates are not yet known, and only the year's activity is returned (see
  :func:`cin_census_xml`). Like the real return it carries single assessments only; the
  historic initial and core assessments live in the canonical CSVs. CIN plan dates, and from
  2026-27 the pre-proceedings and FGDM module, come from their canonical tables;
* the SSDA903 CSV tables for one year, dates as dd/mm/YYYY: ``header``, ``episodes`` (with
  postcodes, providers and URNs), ``reviews``, ``oc3``, ``uasc`` (no demo child is one), and
  ``sw_episodes`` from 2023-24 and ``DoLo`` from 2026-27.

Sex is coded as each year's returns want it (1/2 until 2023-24, M/F/U from 2024-25). Fields
the canonical tables do not hold (primary need, reasons for closure, placement providers,
assessment factors) are picked by a stable hash of the record's identifier, so a file is the
same every time it is written; the demo's returns pass DfE's validation rules
(``safeguarding.dfe_rules``) but for those no fictional authority can.
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
# factors found at assessment; "21" (no factors identified) only where the case then closed
FACTORS = {"3A": 12, "3B": 10, "4B": 10, "1B": 5, "2B": 5, "16A": 12, "17A": 8,
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
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "sw_episodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
    "DoLo": ["CHILD", "DOB", "DOLO_START", "DOLO_END"],
}  # fmt: skip
# The SSDA903's social worker episodes from 2023-24, Deprivation of Liberty Orders from 2026-27.
SSDA903_FROM = {"sw_episodes": 2023, "DoLo": 2026}
# Both returns code sex M/F/U from 2024-25 (the CIN census's element renamed from GenderCurrent
# to Sex); before, 1 male and 2 female.
SEX_ELEMENT_FROM = 2024
SEX_LETTERS = {"1": "M", "2": "F", "M": "M", "F": "F"}
# The CIN census's pre-proceedings and FGDM module, from 2026-27.
PRE_PROCEEDINGS_FROM = 2026
# Reasons a case closes when something followed the assessment (RC8/RC9, "closed after
# assessment", only when nothing did); RC2 (died) is left out: it needs a date of death.
CLOSURE_AFTER_WORK = {"RC7": 88, "RC5": 6, "RC3": 3, "RC4": 3}
CLOSURE_AFTER_ASSESSMENT = {"RC8": 70, "RC9": 30}


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


def _episode_icpc(earlier: pd.DataFrame, with_s47: set[str]) -> pd.Series:
    """The initial conference (by referral) of an enquiry begun in an earlier census year and
    not returned in this one, where the census records it: on the episode itself, and only
    where the episode returns no enquiry of its own (DfE 2884: at one level only; 2885: the
    plan starts on the conference's day)."""
    earlier = earlier[earlier["icpc_date"].notna() & ~earlier["referral_id"].isin(with_s47)]
    return earlier.sort_values("icpc_date").groupby("referral_id")["icpc_date"].first()


def sex_codes(sex: pd.Series, year: Period) -> pd.Series:
    """Sex as the year's returns code it: M/F/U from 2024-25, 1/2 before."""
    if year.year >= SEX_ELEMENT_FROM:
        return sex.astype("string").map(SEX_LETTERS).fillna("U")
    return sex


def cin_census_xml(data: DataSet, authority: str, year: Period) -> str:
    """The CIN census for ``authority`` and financial ``year`` as XML text.

    As the census guide asks: every CIN episode open at some point in the year, and in it the
    activity of the year (assessments authorised in it or still open, enquiries started in it
    or with a conference in it, plans open in it, their reviews in it); an initial conference
    is recorded in its Section47 block, or on the episode where the enquiry began in an earlier
    year and is not returned; a case closed after assessment (RC8/RC9) has an
    assessment and nothing after it.
    """
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
    plans = plans[plans["referral_id"].isin(ids) & (plans["start_date"] <= ref)
                  & (plans["end_date"].isna() | (plans["end_date"] >= start))]  # fmt: skip
    plans = _censor(plans, ["end_date"], ref)
    reviews = d.table("cp_reviews")
    reviews = reviews[
        reviews["plan_id"].isin(set(plans["plan_id"])) & reviews["review_date"].between(start, ref)
    ]
    reviews = reviews.sort_values(["plan_id", "review_date"])

    assess = d.table("assessments")
    assess = assess[(assess["assessment_type"] == "single") & assess["referral_id"].isin(ids)
                    & (assess["start_date"] <= ref)]  # fmt: skip
    assess = _censor(assess, ["authorised_date"], ref).sort_values("start_date")
    assess = assess[assess["authorised_date"].isna() | (assess["authorised_date"] >= start)]
    s47 = d.table("section47")
    s47 = s47[s47["referral_id"].isin(ids) & (s47["s47_start_date"] <= ref)]
    s47 = _censor(s47, ["icpc_date"], ref).sort_values("s47_start_date")
    s47 = s47[(s47["icpc_date"] >= start)
              | (s47["icpc_date"].isna() & (s47["s47_start_date"] >= start))]  # fmt: skip
    # an enquiry from before the year (its conference in it) goes with an assessment in it;
    # one whose assessment was completed last year stays in last year's census, and its
    # conference, held this year, is recorded on the episode (CINdetails) instead
    kept = (s47["s47_start_date"] >= start) | s47["referral_id"].isin(set(assess["referral_id"]))
    episode_icpc = _episode_icpc(s47[~kept], set(s47.loc[kept, "referral_id"]))
    s47 = s47[kept]
    cin_plans = d.table("cin_plans")
    cin_plans = cin_plans[
        cin_plans["referral_id"].isin(ids)
        & (cin_plans["start_date"] <= ref)
        & (cin_plans["end_date"].isna() | (cin_plans["end_date"] >= start))
    ]
    cin_plans = _censor(cin_plans, ["end_date"], ref).sort_values("start_date")

    # why each closed episode closed: after assessment alone (RC8/RC9), or after more
    rid = refs["referral_id"]
    assessed = rid.isin(set(assess["referral_id"]))
    worked = rid.isin(set(s47["referral_id"]) | set(plans["referral_id"])
                      | set(cin_plans["referral_id"]) | set(episode_icpc.index))  # fmt: skip
    reason = np.where(
        assessed & ~worked,
        stable_pick(rid, CLOSURE_AFTER_ASSESSMENT, "closure"),
        stable_pick(rid, CLOSURE_AFTER_WORK, "closure"),
    )
    reason = pd.Series(reason, index=refs.index).where(refs["closure_date"].notna())
    closed_after_assessment = set(rid[reason.isin(["RC8", "RC9"])])

    # blocks, innermost first
    factors = pd.Series(stable_pick(assess["assessment_id"], FACTORS, "factor"), index=assess.index)
    factors = factors.where(~assess["referral_id"].isin(closed_after_assessment), "21")
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
    # the decision that no conference is needed is on record three weeks (or 14 working
    # days) into the enquiry, or once its episode has closed (demo.cin: DfE 8675Q and 8868)
    closed = s47["referral_id"].map(refs.set_index("referral_id")["closure_date"]) <= ref
    fortnight = pd.Series(
        add_working_days(s47["s47_start_date"].to_numpy("datetime64[D]"), 14), index=s47.index
    ).astype("datetime64[ns]")
    decided = s47["icpc_not_required"].fillna(False).astype(bool) & (
        (s47["s47_start_date"] + pd.Timedelta(days=21) <= ref) | (fortnight <= ref) | closed
    )
    s47_xml = (
        "        <Section47>\n"
        + _el("S47ActualStartDate", s47["s47_start_date"], 10)
        + _el("InitialCPCtarget", target, 10)
        + _el("DateOfInitialCPC", s47["icpc_date"], 10)
        + _el("ICPCnotRequired", _bool_text(decided), 10)
        + "        </Section47>\n"
    )
    cin_plan_xml = (
        "        <CINPlanDates>\n"
        + _el("CINPlanStartDate", cin_plans["start_date"], 10)
        + _el("CINPlanEndDate", cin_plans["end_date"], 10)
        + "        </CINPlanDates>\n"
    )
    review_xml = _join(_el("CPPreviewDate", reviews["review_date"], 12), reviews["plan_id"])
    # object, so that a year whose plans have no reviews still concatenates (to NaN, then "")
    plan_reviews = plans["plan_id"].map(review_xml).astype(object)
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

    by_ref = {
        "assessments": _join(assess_xml, assess["referral_id"]),
        "cin_plans": _join(cin_plan_xml, cin_plans["referral_id"]),
        "s47": _join(s47_xml, s47["referral_id"]),
        "plans": _join(plan_xml, plans["referral_id"]),
        "pre_proceedings": _pre_proceedings_xml(d, year, ids),
    }
    has_s47 = rid.isin(set(s47["referral_id"]))
    need = np.where(has_s47, "N1", stable_pick(rid, NEED, "need"))
    details = (
        "      <CINdetails>\n"
        + _el("CINreferralDate", refs["referral_date"], 8)
        + _el("ReferralSource", refs["referral_source"], 8)
        + _el("PrimaryNeedCode", pd.Series(need, index=refs.index), 8)
        + _el("CINclosureDate", refs["closure_date"], 8)
        + _el("ReasonForClosure", reason, 8)
        + _el("DateOfInitialCPC", pd.to_datetime(rid.map(episode_icpc.to_dict())), 8)
        + _lookup(rid, by_ref["assessments"])
        + _lookup(rid, by_ref["cin_plans"])
        + _lookup(rid, by_ref["s47"])
        + _el("ReferralNFA", _bool_text(refs["nfa"].fillna(False)), 8)
        + _lookup(rid, by_ref["plans"])
        + _lookup(rid, by_ref["pre_proceedings"])
        + "      </CINdetails>\n"
    )
    per_child = _join(details, refs["child_id"])
    kids = d.table("children").set_index("child_id").loc[per_child.index].reset_index()
    sex_tag = "Sex" if year.year >= SEX_ELEMENT_FROM else "GenderCurrent"
    ethnicity = kids["ethnicity"].fillna(
        pd.Series(stable_pick(kids["child_id"], ETHNICITY, "ethnicity"), index=kids.index)
    )
    child_xml = (
        "    <Child>\n      <ChildIdentifiers>\n"
        + _el("LAchildID", kids["child_id"], 8)
        + _el("UPN", kids["upn"], 8)
        + _el("PersonBirthDate", kids["dob"], 8)
        + _el(sex_tag, sex_codes(kids["sex"], year), 8)
        + "      </ChildIdentifiers>\n      <ChildCharacteristics>\n"
        + _el("Ethnicity", ethnicity, 8)
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


PP_ELEMENTS = (
    ("PPStartDate", "start_date"), ("LBPSentDate", "lbp_date"),
    ("FGDMMeetingOffer", "fgdm_offered"), ("FGDMMeetingFac", "fgdm_facilitated"),
    ("InitialPPMeetingDate", "initial_meeting_date"), ("ReviewMeetingsCount", "review_meetings"),
    ("StepDecisionDate", "decision_date"), ("PPOutcome", "outcome"),
    ("CourtAppDate", "court_application_date"), ("LetterInitCPDate", "proceedings_letter_date"),
)  # fmt: skip


def _pre_proceedings_xml(d: DataSet, year: Period, ids: set[str]) -> pd.Series:
    """The 2026-27 module's blocks by referral (none before it, or without the table)."""
    if year.year < PRE_PROCEEDINGS_FROM or not d.has("pre_proceedings"):
        return pd.Series([], dtype=object)
    ref, start = pd.Timestamp(year.end), pd.Timestamp(year.start)
    pp = d.table("pre_proceedings")
    pp = pp[pp["referral_id"].isin(ids) & (pp["start_date"] <= ref)]
    pp = pp[pp["decision_date"].isna() | (pp["decision_date"] >= start)]
    dates = [c for _, c in PP_ELEMENTS if c.endswith("date")]
    pp = _censor(pp, dates, ref)
    pp = pp.assign(outcome=pp["outcome"].where(pp["decision_date"].notna()))
    block = "        <PreProceedingsandFGDM>\n"
    for element, column in PP_ELEMENTS:
        values = pp[column]
        if column.startswith("fgdm"):
            values = values.astype("boolean").map({True: "1", False: "0"})
        block = block + _el(element, values, 10)
    return _join(block + "        </PreProceedingsandFGDM>\n", pp["referral_id"])


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
    """The SSDA903 tables of one year's return: header, episodes, reviews, OC3, and the social
    worker episodes (2023-24 on) and DoLOs (2026-27 on) where the data hold them."""
    start, end = pd.Timestamp(year.start), pd.Timestamp(year.end)
    d = data.for_authority(authority)
    eps = d.table("la_episodes").sort_values(["child_id", "episode_start"])
    eps = eps.assign(provider=_providers(eps), urn=_urns(eps, _no_urn(year)))
    # the reason for a placement change sits on the episode the change ended
    next_rne = eps.groupby("child_id")["rne"].shift(-1)
    moved = next_rne.isin(["P", "B", "T", "U"]) & eps["episode_end"].notna()  # DfE rule 225
    eps = eps[(eps["episode_start"] <= end)
              & (eps["episode_end"].isna() | (eps["episode_end"] >= start))]  # fmt: skip
    moved = moved.loc[eps.index] & (eps["episode_end"] <= end)
    ongoing = eps["episode_end"].isna() | (eps["episode_end"] > end)
    key = eps["child_id"] + eps["episode_start"].dt.strftime("%Y%m%d")
    provider = eps["provider"]
    episodes = pd.DataFrame({
        "CHILD": eps["child_id"], "DECOM": _ddmmyyyy(eps["episode_start"]), "RNE": eps["rne"],
        "LS": eps["legal_status"], "CIN": stable_pick(eps["child_id"], CATEGORY_OF_NEED, "cin"),
        "PLACE": eps["placement"], "PLACE_PROVIDER": provider,
        "DEC": _ddmmyyyy(eps["episode_end"].where(~ongoing)),
        "REC": eps["reason_end"].where(~ongoing),
        "REASON_PLACE_CHANGE": pd.Series(stable_pick(key, PLACE_CHANGE, "move"),
                                         index=eps.index).where(moved),
        "HOME_POST": eps["home_postcode"].fillna(""),
        "PL_POST": eps["placement_postcode"].fillna(""), "URN": eps["urn"].fillna(""),
        "PL_DISTANCE": _miles(eps["placement_distance_miles"]),
    })  # fmt: skip
    leavers = d.table("care_leavers")
    leavers = leavers[leavers["collection_year"] == year.fy_label]
    leavers = _oc3_due(leavers, d.table("la_episodes"), end)
    kids = d.table("children").set_index("child_id")
    # the header lists every child in the return: looked after in the year or a care leaver
    looked_after = kids.loc[pd.concat([eps["child_id"], leavers["child_id"]]).drop_duplicates()]
    ethnic = looked_after["ethnicity"].fillna(
        pd.Series(stable_pick(looked_after.index, ETHNICITY, "ethnicity"), index=looked_after.index)
    )
    # motherhood is recorded for girls looked after in the year, other than on short breaks
    in_care = set(eps.loc[~eps["legal_status"].isin(["V3", "V4"]), "child_id"])
    female = (looked_after["sex"].astype("string").isin(["2", "F"])
              & looked_after.index.isin(in_care)).to_numpy()  # fmt: skip
    header = pd.DataFrame({
        "CHILD": looked_after.index, "SEX": sex_codes(looked_after["sex"], year).to_numpy(),
        "DOB": _ddmmyyyy(looked_after["dob"]).to_numpy(),
        "ETHNIC": ethnic.to_numpy(),
        # whether a looked-after young woman is a mother: recorded for every girl (0: no)
        "UPN": looked_after["upn"].to_numpy(), "MOTHER": np.where(female, "0", ""), "MC_DOB": "",
    })  # fmt: skip
    revs = d.table("la_reviews")
    revs = revs[revs["review_date"].between(start, end) & revs["child_id"].isin(in_care)]
    revs = revs.sort_values(["child_id", "review_date"])
    reviews = pd.DataFrame({
        "CHILD": revs["child_id"], "DOB": _ddmmyyyy(kids.loc[revs["child_id"], "dob"]).to_numpy(),
        "REVIEW": _ddmmyyyy(revs["review_date"]), "REVIEW_CODE": revs["review_code"],
    })  # fmt: skip
    oc3 = pd.DataFrame({
        "CHILD": leavers["child_id"], "DOB": _ddmmyyyy(leavers["dob"]),
        "IN_TOUCH": leavers["in_touch"], "ACTIV": leavers["activity"],
        "ACCOM": leavers["accommodation"],
    })  # fmt: skip
    # no demo child is an unaccompanied asylum seeker: the table, with no rows, says so
    uasc = pd.DataFrame(columns=SSDA903_COLUMNS["uasc"])
    out = {"header": header, "episodes": episodes, "reviews": reviews, "oc3": oc3, "uasc": uasc}
    if year.year >= SSDA903_FROM["sw_episodes"] and d.has("sw_episodes"):
        sw = d.table("sw_episodes")
        sw = sw[sw["child_id"].isin(set(eps["child_id"])) & (sw["start_date"] <= end)
                & (sw["end_date"].isna() | (sw["end_date"] >= start))]  # fmt: skip
        sw = sw.sort_values(["child_id", "start_date"])
        ended = sw["end_date"].notna() & (sw["end_date"] <= end)
        out["sw_episodes"] = pd.DataFrame({
            "CHILD": sw["child_id"], "DOB": _ddmmyyyy(kids.loc[sw["child_id"], "dob"]).to_numpy(),
            "SW_ID": sw["sw_id"], "SW_DECOM": _ddmmyyyy(sw["start_date"]),
            "SW_DEC": _ddmmyyyy(sw["end_date"].where(ended)),
            "SW_REASON": sw["reason"],
        })  # fmt: skip
    if year.year >= SSDA903_FROM["DoLo"] and d.has("dolo"):
        dl = d.table("dolo")
        dl = dl[dl["child_id"].isin(set(eps["child_id"])) & (dl["start_date"] <= end)
                & (dl["end_date"].isna() | (dl["end_date"] >= start))]  # fmt: skip
        out["DoLo"] = pd.DataFrame({
            "CHILD": dl["child_id"], "DOB": _ddmmyyyy(kids.loc[dl["child_id"], "dob"]).to_numpy(),
            "DOLO_START": _ddmmyyyy(dl["start_date"]),
            "DOLO_END": _ddmmyyyy(dl["end_date"].where(dl["end_date"] <= end)),
        })  # fmt: skip
    return out


# placements without an Ofsted-registered provider (no URN): placed with parents, in the
# community, in custody or hospital, or other placements
NO_URN = frozenset(
    ["P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"]
)
# ... and, before their providers were registered, supported accommodation (H5, until
# 2022-23) and semi-independent living (P2, until 2023-24)
NO_URN_UNTIL = {"H5": 2022, "P2": 2023}
# their providers' URNs are not known: XXXXXXX, which every year's rules accept, so that an
# open placement's URN is the same from one year's return to the next (rule 503F)
UNKNOWN_URN = frozenset({"H5", "P2"})
# placements with no provider: in the community, in custody or hospital, other placements
NO_PROVIDER = frozenset(["T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"])


def _no_urn(year: Period) -> frozenset[str]:
    return (NO_URN | {c for c, last in NO_URN_UNTIL.items() if year.year <= last}) - UNKNOWN_URN


def _providers(eps: pd.DataFrame) -> pd.Series:
    """PLACE_PROVIDER per episode: PR0 (parents) for P1 only, PR3 (other public provision)
    for health placements (R2, R5); kept through a legal-status change (the same placement),
    across years alike."""
    key = eps["child_id"] + eps["episode_start"].dt.strftime("%Y%m%d")
    provider = pd.Series(
        np.where(eps["placement"].eq("P1"), "PR0",
                 np.where(eps["placement"].isin(["R2", "R5"]), "PR3",
                          stable_pick(key, {"PR1": 60, "PR4": 35, "PR2": 5}, "provider"))),
        index=eps.index,
    )  # fmt: skip
    legal_only = eps["rne"].eq("L") & eps["child_id"].eq(eps["child_id"].shift())
    for _ in range(3):
        provider = provider.where(~legal_only, provider.shift())
    return provider.where(~eps["placement"].isin(NO_PROVIDER))


def _urns(eps: pd.DataFrame, none_for: frozenset[str]) -> pd.Series:
    """A fictional Ofsted URN per placement (its postcode's), for placements that have one."""
    post = eps["placement_postcode"].astype("string")
    digits = pd.Series(
        pd.util.hash_array(post.fillna("").to_numpy(dtype=object), categorize=False) % 900000
        + 100000,
        index=eps.index,
    )
    urn = ("SC" + digits.astype(str)).where(~eps["placement"].isin(UNKNOWN_URN), "XXXXXXX")
    return urn.where(post.notna() & ~eps["placement"].isin(none_for))


def _oc3_due(leavers: pd.DataFrame, episodes: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The care leavers the OC3 table asks about: not a 17- or 18-year-old (at the year's
    end) who left care after that birthday (DfE rule 1016: none is due yet)."""
    last_dec = episodes.groupby("child_id")["episode_end"].max()
    dec = leavers["child_id"].map(last_dec)
    age17 = leavers["dob"] + pd.DateOffset(years=17)
    age18 = leavers["dob"] + pd.DateOffset(years=18)
    age19 = leavers["dob"] + pd.DateOffset(years=19)
    seventeen = (age17 <= end) & (end < age18) & (dec >= age17)
    eighteen = (age18 <= end) & (end < age19) & (dec >= age18)
    return leavers[~(seventeen | eighteen)]


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
