"""The canonical tables every loader produces and every indicator reads.

One table per kind of record, each with an ``authority`` column (the DfE three-digit LA code
as text, e.g. ``"350"``) and a ``child_id`` column (the authority's own identifier). Dates are
``datetime64[ns]``; codes are text exactly as the statutory returns spell them.

The same tables, written one CSV per table, are the project's own documented input layout
(see ``docs/data-layout.md``): councils whose extracts come from their own case-management
systems supply them directly. Only this layout carries the historic initial and core
assessments (``assessment_type`` ``initial``/``core``) that NI 59, 60 and 68 need.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required``: the file must have the column (its absence stops the load) and no value may
    be blank: identifiers and the dates that place a record. Any other column may be absent;
    the indicators that read an absent column are then not computable (an absent ``DEC``
    column does not mean every episode is open). ``nonblank``: where present, a blank value
    is an error. ``minimum``/``maximum``: the sane range of a whole number.
    """

    name: str
    dtype: str  # "str", "date", "int", "float", "bool"
    required: bool
    description: str
    nonblank: bool = False
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that must be unique together (duplicate-id rule)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def date_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.dtype == "date"]


def _c(name: str, dtype: str, required: bool, description: str, **limits) -> Column:
    return Column(name, dtype, required, description, **limits)


# Sane bounds: no child has had 50 plans before this one (a typed -1 or 10^20 would otherwise
# decide NI 65); no authority has 10 million children (England has about 12 million).
MAX_PREVIOUS_PLANS = 50
MAX_POPULATION = 10_000_000

AUTH = _c("authority", "str", True, "DfE three-digit local-authority code, e.g. 350")
CHILD = _c("child_id", "str", True, "The authority's identifier for the child (LAchildID / CHILD)")

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(
            "children",
            "One row per child known to the authority.",
            (
                AUTH,
                CHILD,
                _c("dob", "date", False, "Date of birth"),
                _c("sex", "str", False, "1/M male, 2/F female, as returned"),
                _c("upn", "str", False, "Unique pupil number, kept only to check outputs"),
                _c("ethnicity", "str", False, "Ethnicity code (SSDA903 ETHNIC, CIN Ethnicity)"),
            ),
            key=("authority", "child_id"),
        ),
        TableSpec(
            "referrals",
            "Referrals to children's social care (CIN census CINdetails).",
            (
                AUTH,
                CHILD,
                _c("referral_id", "str", True, "Unique within the authority"),
                _c("referral_date", "date", True, "CINreferralDate"),
                _c("referral_source", "str", False, "ReferralSource code"),
                _c("nfa", "bool", False, "ReferralNFA: no further action"),
                _c("closure_date", "date", False, "CINclosureDate"),
                _c(
                    "closure_reason",
                    "str",
                    False,
                    "ReasonForClosure (RC9: closed after assessment, referred to early help)",
                ),
                _c(
                    "referrals_12m",
                    "int",
                    False,
                    "Annex A list 3: the child's earlier referrals in the 12 months before "
                    "this one, as the extract counts them",
                ),
            ),
            key=("authority", "referral_id"),
        ),
        TableSpec(
            "assessments",
            "Assessments: the single assessment (from 2014-15) or, historically, initial and "
            "core assessments.",
            (
                AUTH,
                CHILD,
                _c("assessment_id", "str", True, "Unique within the authority"),
                _c("referral_id", "str", True, "The referral the assessment follows"),
                _c("assessment_type", "str", True, "single, initial or core"),
                _c("start_date", "date", True, "AssessmentActualStartDate"),
                _c("authorised_date", "date", False, "AssessmentAuthorisationDate (completion)"),
            ),
            key=("authority", "assessment_id"),
        ),
        TableSpec(
            "section47",
            "Section 47 enquiries and the initial child protection conferences that follow them.",
            (
                AUTH,
                CHILD,
                _c("s47_id", "str", True, "Unique within the authority"),
                _c("referral_id", "str", True, "The referral the enquiry belongs to"),
                _c("s47_start_date", "date", True, "S47ActualStartDate"),
                _c("icpc_date", "date", False, "DateOfInitialCPC"),
                _c("icpc_not_required", "bool", False, "ICPCnotRequired"),
            ),
            key=("authority", "s47_id"),
        ),
        TableSpec(
            "cp_plans",
            "Child protection plans.",
            (
                AUTH,
                CHILD,
                _c("plan_id", "str", True, "Unique within the authority"),
                _c("start_date", "date", True, "CPPstartDate"),
                _c("end_date", "date", False, "CPPendDate"),
                _c("initial_category", "str", False, "InitialCategoryOfAbuse"),
                _c("latest_category", "str", False, "LatestCategoryOfAbuse"),
                _c(
                    "previous_plans",
                    "int",
                    False,
                    "NumberOfPreviousCPP (plans before this one)",
                    minimum=0,
                    maximum=MAX_PREVIOUS_PLANS,
                ),
                _c(
                    "last_visit_date",
                    "date",
                    False,
                    "Annex A list 7: date of the last statutory visit, as at the extract",
                ),
            ),
            key=("authority", "plan_id"),
        ),
        TableSpec(
            "cp_reviews",
            "Reviews of child protection plans (review conferences).",
            (
                AUTH,
                CHILD,
                _c("plan_id", "str", True, "The plan reviewed"),
                _c("review_date", "date", True, "CPPreviewDate"),
            ),
            key=("authority", "plan_id", "review_date"),
        ),
        TableSpec(
            "la_episodes",
            "Looked-after episodes (SSDA903 episodes).",
            (
                AUTH,
                CHILD,
                _c("episode_start", "date", True, "DECOM"),
                _c("episode_end", "date", False, "DEC (empty while open)"),
                _c(
                    "rne",
                    "str",
                    False,
                    "Reason for new episode (L: legal status change only)",
                    nonblank=True,
                ),
                _c("legal_status", "str", False, "LS (V3/V4: short breaks)", nonblank=True),
                _c("placement", "str", False, "PLACE / PL placement type", nonblank=True),
                _c("reason_end", "str", False, "REC reason episode ceased"),
                _c(
                    "placement_distance_miles",
                    "float",
                    False,
                    "PL_DISTANCE miles from home to placement (returned in some years)",
                ),
                _c("home_postcode", "str", False, "HOME_POST: the child's home postcode"),
                _c("placement_postcode", "str", False, "PL_POST: the placement's postcode"),
            ),
            key=("authority", "child_id", "episode_start"),
        ),
        TableSpec(
            "la_reviews",
            "Looked-after reviews (SSDA903 reviews).",
            (
                AUTH,
                CHILD,
                _c("review_date", "date", True, "REVIEW"),
                _c("review_code", "str", False, "REVIEW_CODE participation"),
            ),
            key=("authority", "child_id", "review_date"),
        ),
        TableSpec(
            "care_leavers",
            "Care leavers' outcomes around their 17th to 21st birthdays (SSDA903 OC3).",
            (
                AUTH,
                CHILD,
                _c("dob", "date", True, "Date of birth"),
                _c("collection_year", "str", True, "Financial year of the return, e.g. 2024-25"),
                _c("in_touch", "str", False, "IN_TOUCH"),
                _c("activity", "str", False, "ACTIV"),
                _c("accommodation", "str", False, "ACCOM"),
            ),
            key=("authority", "child_id", "collection_year"),
        ),
        TableSpec(
            "sw_episodes",
            "Social worker episodes of looked-after children (SSDA903 SWEpisodes, from 2023-24).",
            (
                AUTH,
                CHILD,
                _c("sw_id", "str", True, "SW_ID: the social worker's identifier"),
                _c("start_date", "date", True, "SW_DECOM: the worker's episode began"),
                _c("end_date", "date", False, "SW_DEC: it ended (empty while open)"),
                _c("reason", "str", False, "SW_REASON: why the worker changed"),
            ),
            key=("authority", "child_id", "start_date"),
        ),
        TableSpec(
            "dolo",
            "Deprivation of Liberty Orders of looked-after children (SSDA903 DoLo, from 2026-27).",
            (
                AUTH,
                CHILD,
                _c("start_date", "date", True, "DOLO_START"),
                _c("end_date", "date", False, "DOLO_END (empty while in force)"),
            ),
            key=("authority", "child_id", "start_date"),
        ),
        TableSpec(
            "missing_episodes",
            "Episodes of children looked after missing or away from placement without "
            "authorisation (SSDA903 missing table).",
            (
                AUTH,
                CHILD,
                _c("start_date", "date", True, "MIS_START"),
                _c("end_date", "date", False, "MIS_END (empty while missing)"),
                _c("missing_type", "str", False, "MISSING: M missing, A away from placement"),
            ),
            key=("authority", "child_id", "start_date"),
        ),
        TableSpec(
            "pre_proceedings",
            "Pre-proceedings and family group decision making (CIN census "
            "PreProceedingsandFGDM, from 2026-27): one row per pre-proceedings process.",
            (
                AUTH,
                CHILD,
                _c("pp_id", "str", True, "Unique within the authority"),
                _c("referral_id", "str", True, "The referral (CINdetails) it belongs to"),
                _c("start_date", "date", True, "PPStartDate: pre-proceedings began"),
                _c("lbp_date", "date", False, "LBPSentDate: letter before proceedings sent"),
                _c("fgdm_offered", "bool", False, "FGDMMeetingOffer: FGDM meeting offered"),
                _c("fgdm_facilitated", "bool", False, "FGDMMeetingFac: FGDM meeting held"),
                _c(
                    "initial_meeting_date",
                    "date",
                    False,
                    "InitialPPMeetingDate: initial pre-proceedings meeting",
                ),
                _c("review_meetings", "int", False, "ReviewMeetingsCount: review meetings held"),
                _c(
                    "decision_date",
                    "date",
                    False,
                    "StepDecisionDate: decision to step down or to issue",
                ),
                _c("outcome", "str", False, "PPOutcome: how pre-proceedings ended"),
                _c("court_application_date", "date", False, "CourtAppDate: care application"),
                _c(
                    "proceedings_letter_date",
                    "date",
                    False,
                    "LetterInitCPDate: letter saying care proceedings will be issued",
                ),
            ),
            key=("authority", "pp_id"),
        ),
        TableSpec(
            "cin_plans",
            "Child in need plans (CIN census CINPlanDates).",
            (
                AUTH,
                CHILD,
                _c("referral_id", "str", True, "The referral (CINdetails) the plan belongs to"),
                _c("start_date", "date", True, "CINPlanStartDate"),
                _c("end_date", "date", False, "CINPlanEndDate"),
            ),
            key=("authority", "referral_id", "start_date"),
        ),
        TableSpec(
            "adoptions",
            "Children with an adoption decision (Ofsted Annex A list 10).",
            (
                AUTH,
                CHILD,
                _c("entered_care_date", "date", False, "Date the child entered care"),
                _c("decision_date", "date", True, "Decision that the child should be adopted"),
                _c("placement_order_date", "date", False, "Date of the placement order"),
                _c("matched_date", "date", False, "Child matched with prospective adopters"),
                _c("placed_date", "date", False, "Date placed for adoption"),
                _c("adoption_order_date", "date", False, "Date of the adoption order"),
                _c(
                    "decision_reversed_date",
                    "date",
                    False,
                    "Decision that the child should no longer be placed for adoption",
                ),
            ),
            key=("authority", "child_id", "decision_date"),
        ),
        TableSpec(
            "early_help",
            "Early help assessments (Ofsted Annex A list 2, or a council's own extract); no "
            "statutory return holds them.",
            (
                AUTH,
                CHILD,
                _c("start_date", "date", True, "Assessment start date"),
                _c("end_date", "date", False, "Assessment completion date"),
                _c("organisation", "str", False, "Organisation completing the assessment"),
            ),
            key=("authority", "child_id", "start_date"),
        ),
        TableSpec(
            "contacts",
            "Contacts with children's social care (Ofsted Annex A list 1); no statutory "
            "return holds them.",
            (
                AUTH,
                CHILD,
                _c("contact_date", "date", True, "Date of Contact"),
                _c("contact_source", "str", False, "Contact Source"),
            ),
        ),
        TableSpec(
            "population",
            "Children aged 0 to 17 by authority: ONS mid-year estimates (or the demo's own).",
            (
                AUTH,
                _c("year", "int", True, "Calendar year of the mid-year (30 June) estimate"),
                _c(
                    "population",
                    "int",
                    True,
                    "Children aged 0 to 17",
                    minimum=1,
                    maximum=MAX_POPULATION,
                ),
            ),
            key=("authority", "year"),
        ),
        TableSpec(
            "population_ethnicity",
            "Optional: children aged 0 to 17 by ethnic group (ONS Census 2021 high-level "
            "groups: Asian, Black, Mixed, White, Other), for disproportionality.",
            (
                AUTH,
                _c("year", "int", True, "Calendar year of the estimate"),
                _c("ethnicity", "str", True, "Asian, Black, Mixed, White or Other"),
                _c(
                    "population",
                    "int",
                    True,
                    "Children aged 0 to 17 in the group",
                    minimum=0,
                    maximum=MAX_POPULATION,
                ),
            ),
            key=("authority", "year", "ethnicity"),
        ),
        TableSpec(
            "teams",
            "Optional: the team and case type each child's case sits with at a date, for "
            "activity tables (caseloads by team and case type).",
            (
                AUTH,
                CHILD,
                _c("team", "str", True, "Team or district name"),
                _c("case_type", "str", True, "e.g. Child in Need, Child Protection Plan"),
                _c("start_date", "date", True, "Allocated from"),
                _c("end_date", "date", False, "Allocated until"),
            ),
        ),
    ]
}

# Optional columns that only some inputs carry (newer returns, Ofsted's Annex A): a file
# without one is normal, so its absence is read as blank, with no warning.
SUPPLEMENTARY: frozenset[tuple[str, str]] = frozenset(
    {
        ("children", "ethnicity"),
        ("referrals", "referrals_12m"),
        ("cp_plans", "last_visit_date"),
        ("la_episodes", "home_postcode"),
        ("la_episodes", "placement_postcode"),
    }
)

CHILD_LEVEL_COLUMNS = ("child_id", "upn", "dob")


def empty_table(name: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of table ``name``."""
    return coerce_dtypes(pd.DataFrame(columns=TABLES[name].column_names), name)


def coerce_dtypes(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a frame (already validated) the canonical dtypes of table ``name``."""
    spec = TABLES[name]
    out = frame.copy()
    for col in spec.columns:
        if col.name not in out:
            out[col.name] = pd.Series([None] * len(out), index=out.index, dtype="object")
        if out[col.name].dtype == _canonical_dtype(col.dtype):
            continue  # already canonical (a loader's table set again): the same column
        if col.dtype == "date":
            # one resolution everywhere, whatever the source parsed to (pandas 3 infers s/us)
            out[col.name] = pd.to_datetime(out[col.name], errors="coerce").astype("datetime64[ns]")
        elif col.dtype == "int":
            out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype("Int64")
        elif col.dtype == "float":
            out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype("float64")
        elif col.dtype == "bool":
            if pd.api.types.is_bool_dtype(out[col.name]):  # already booleans: no per-value map
                out[col.name] = out[col.name].astype("boolean")
            else:
                out[col.name] = out[col.name].map(_to_bool).astype("boolean")
        else:
            out[col.name] = out[col.name].astype("string")
    return out[spec.column_names]


_CANONICAL_DTYPES = {
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "str": "string",
}


def _canonical_dtype(kind: str) -> object:
    """The dtype :func:`coerce_dtypes` gives a column of ``kind``."""
    return pd.api.types.pandas_dtype(_CANONICAL_DTYPES[kind])


_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}


def _to_bool(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
