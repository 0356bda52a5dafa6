"""The CIN census XML (one file per authority per year) -> canonical tables.

Reads ``children``, ``referrals`` (one per ``CINdetails``), ``assessments`` (all of type
``single``), ``section47``, ``cp_plans``, ``cp_reviews``, ``cin_plans`` (``CINPlanDates``) and,
from the 2026-27 census, ``pre_proceedings`` (``PreProceedingsandFGDM``, id ``<referral>/PP1``).
The census carries no record
identifiers below the child, so the loader makes them from each record's natural key: the
child's ``LAchildID`` and the record's start date. ``<child>/R2021-05-04`` is the referral of
4 May 2021, ``<child>/R2021-05-04/A2021-05-06`` its assessment started on 6 May,
``.../S2021-05-10`` its Section47, ``<child>/P2021-06-01`` the child's plan started on 1 June
(a second record with the same key in one file gets ``#2``; one without its date falls back to
its position, ``R3``). The same referral returned in two census years therefore has the same
id in both, and :func:`safeguarding.loaders.history.merge_returns` makes one history of
several years. An initial conference recorded at ``CINdetails`` level (``DateOfInitialCPC``)
in a referral with no ``Section47`` block becomes a ``section47`` row ``<referral>/ICPC`` with
a conference date and no enquiry start date, so that conferences are counted even when their
enquiry is not returned; timeliness indicators (which need the start) leave it out and the
load warns (``untimeable_conference``).

The census covers the year to its ``ReferenceDate`` (1 April to 31 March): the data set's
``coverage`` says so, and an indicator whose window reaches outside it is not computable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from lxml import etree

from ..dataset import Coverage, DataSet, Source, sha256_file
from ..validation import InputError, Issue, IssueLog
from .checks import (
    ROW,
    RawTable,
    build_dataset,
    check_dates_after,
    file_date,
    validate_relations,
    validate_table,
)

# pre_proceedings column -> element of the 2026-27 PreProceedingsandFGDM block
PRE_PROCEEDINGS: dict[str, str] = {
    "start_date": "PPStartDate",
    "lbp_date": "LBPSentDate",
    "fgdm_offered": "FGDMMeetingOffer",
    "fgdm_facilitated": "FGDMMeetingFac",
    "initial_meeting_date": "InitialPPMeetingDate",
    "review_meetings": "ReviewMeetingsCount",
    "decision_date": "StepDecisionDate",
    "outcome": "PPOutcome",
    "court_application_date": "CourtAppDate",
    "proceedings_letter_date": "LetterInitCPDate",
}


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    value = element.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _strip_namespaces(root: etree._Element) -> None:
    """Some suppliers add a default namespace; element names are what we match on."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname


def _parse(path: Path) -> etree._Element:
    try:
        tree = etree.parse(str(path), etree.XMLParser(remove_comments=True, huge_tree=True))
    except (etree.XMLSyntaxError, OSError) as exc:
        raise InputError(
            [Issue("error", str(path), "xml_syntax", f"not a readable XML file: {exc}")]
        ) from None
    root = tree.getroot()
    _strip_namespaces(root)
    if root.tag != "Message" or root.find("Children") is None:
        raise InputError(
            [
                Issue(
                    "error",
                    str(path),
                    "not_cin_census",
                    f"not a CIN census file: the root element is <{root.tag}>, expected "
                    "<Message> holding <Header> and <Children>",
                    row=f"/{root.tag}",
                )
            ]
        )
    return root


def load_cin_census(path: str | Path, authority: str | None = None) -> DataSet:
    """Read one CIN census XML file into the canonical CIN tables.

    ``authority`` (the DfE three-digit code) overrides ``Header/Source/LEA``; a file whose
    ``LEA`` differs from it gets a warning. Raises :class:`InputError` with every fatal
    problem; warnings travel in the returned data set's ``issues``.
    """
    path = Path(path)
    file = str(path)
    root = _parse(path)
    log = IssueLog()

    header = root.find("Header")
    lea = _text(header, "Source/LEA")
    reference = _text(header, "CollectionDetails/ReferenceDate")
    stamp = _text(header, "Source/DateTime")
    if authority is None:
        authority = lea
        if authority is None:
            log.error(
                file,
                "missing_value",
                "the file does not say which authority it is from (no Header/Source/LEA); "
                "give the authority code",
                row="/Message/Header/Source/LEA",
                column="LEA",
            )
    elif lea is not None and lea != str(authority):
        log.warning(
            file,
            "authority_mismatch",
            f"the file says LEA {lea} but it is being loaded as authority {authority}",
            row="/Message/Header/Source/LEA",
            column="LEA",
            value=lea,
            authority=str(authority),
        )
    authority = str(authority) if authority is not None else None

    reference_date = _iso_date(reference)
    if reference is not None and reference_date is None:
        log.warning(
            file,
            "invalid_date",
            "the census reference date is not a YYYY-MM-DD date; dates are not checked against it",
            row="/Message/Header/CollectionDetails/ReferenceDate",
            column="ReferenceDate",
            value=reference,
            authority=authority,
        )
    extract = _iso_date(stamp[:10]) if stamp else None
    extract = extract or reference_date

    rows: dict[str, list[dict]] = {
        name: []
        for name in (
            "children",
            "referrals",
            "assessments",
            "section47",
            "cp_plans",
            "cp_reviews",
            "cin_plans",
            "pre_proceedings",
        )
    }
    sex_element = "Sex" if root.find("Children/Child/ChildIdentifiers/Sex") is not None else None
    sex_element = sex_element or "GenderCurrent"

    # Loops over XML elements (not over table rows): positions give stable ids and paths.
    for ci, child in enumerate(root.iterfind("Children/Child"), 1):
        cpath = f"/Message/Children/Child[{ci}]"
        ids = child.find("ChildIdentifiers")
        cid = _text(ids, "LAchildID")
        key = cid or f"Child[{ci}]"
        rows["children"].append(
            {
                ROW: f"{cpath}/ChildIdentifiers",
                "child_id": cid,
                "dob": _text(ids, "PersonBirthDate"),
                "sex": _text(ids, "Sex") or _text(ids, "GenderCurrent"),
                "upn": _text(ids, "UPN"),
                "ethnicity": _text(child, "ChildCharacteristics/Ethnicity"),
            }
        )
        seen: set[str] = set()
        for ri, details in enumerate(child.iterfind("CINdetails"), 1):
            rpath = f"{cpath}/CINdetails[{ri}]"
            rid = _natural_id(key, "R", _text(details, "CINreferralDate"), ri, seen)
            rows["referrals"].append(
                {
                    ROW: rpath,
                    "child_id": cid,
                    "referral_id": rid,
                    "referral_date": _text(details, "CINreferralDate"),
                    "referral_source": _text(details, "ReferralSource"),
                    "nfa": _text(details, "ReferralNFA"),
                    "closure_date": _text(details, "CINclosureDate"),
                    "closure_reason": _text(details, "ReasonForClosure"),
                }
            )
            for ai, assessment in enumerate(details.iterfind("Assessments"), 1):
                rows["assessments"].append(
                    {
                        ROW: f"{rpath}/Assessments[{ai}]",
                        "child_id": cid,
                        "assessment_id": _natural_id(
                            rid, "A", _text(assessment, "AssessmentActualStartDate"), ai, seen
                        ),
                        "referral_id": rid,
                        "assessment_type": "single",
                        "start_date": _text(assessment, "AssessmentActualStartDate"),
                        "authorised_date": _text(assessment, "AssessmentAuthorisationDate"),
                    }
                )
            enquiries = details.findall("Section47")
            for si, s47 in enumerate(enquiries, 1):
                rows["section47"].append(
                    {
                        ROW: f"{rpath}/Section47[{si}]",
                        "child_id": cid,
                        "s47_id": _natural_id(rid, "S", _text(s47, "S47ActualStartDate"), si, seen),
                        "referral_id": rid,
                        "s47_start_date": _text(s47, "S47ActualStartDate"),
                        "icpc_date": _text(s47, "DateOfInitialCPC"),
                        "icpc_not_required": _text(s47, "ICPCnotRequired"),
                    }
                )
            for pi, plan in enumerate(details.iterfind("CINPlanDates"), 1):
                rows["cin_plans"].append(
                    {
                        ROW: f"{rpath}/CINPlanDates[{pi}]",
                        "child_id": cid,
                        "referral_id": rid,
                        "start_date": _text(plan, "CINPlanStartDate"),
                        "end_date": _text(plan, "CINPlanEndDate"),
                    }
                )
            # the 2026-27 module: at most one per CINdetails
            for xi, pp in enumerate(details.iterfind("PreProceedingsandFGDM"), 1):
                rows["pre_proceedings"].append(
                    {
                        ROW: f"{rpath}/PreProceedingsandFGDM[{xi}]",
                        "child_id": cid,
                        "pp_id": f"{rid}/PP{xi}",
                        "referral_id": rid,
                        **{col: _text(pp, element) for col, element in PRE_PROCEEDINGS.items()},
                    }
                )
            icpc = _text(details, "DateOfInitialCPC")
            if icpc and not enquiries:
                rows["section47"].append(
                    {
                        ROW: rpath,
                        "child_id": cid,
                        "s47_id": f"{rid}/ICPC",
                        "referral_id": rid,
                        "s47_start_date": None,
                        "icpc_date": icpc,
                        "icpc_not_required": None,
                    }
                )
            for pi, plan in enumerate(details.iterfind("ChildProtectionPlans"), 1):
                ppath = f"{rpath}/ChildProtectionPlans[{pi}]"
                pid = _natural_id(key, "P", _text(plan, "CPPstartDate"), pi, seen)
                rows["cp_plans"].append(
                    {
                        ROW: ppath,
                        "child_id": cid,
                        "plan_id": pid,
                        "start_date": _text(plan, "CPPstartDate"),
                        "end_date": _text(plan, "CPPendDate"),
                        "initial_category": _text(plan, "InitialCategoryOfAbuse"),
                        "previous_plans": _text(plan, "NumberOfPreviousCPP"),
                    }
                )
                for vi, review in enumerate(plan.iterfind("Reviews/CPPreviewDate"), 1):
                    value = (review.text or "").strip() or None
                    rows["cp_reviews"].append(
                        {
                            ROW: f"{ppath}/Reviews/CPPreviewDate[{vi}]",
                            "child_id": cid,
                            "plan_id": pid,
                            "review_date": value,
                        }
                    )

    sources = {
        "children": {
            "child_id": "LAchildID",
            "dob": "PersonBirthDate",
            "sex": sex_element,
            "upn": "UPN",
            "ethnicity": "../ChildCharacteristics/Ethnicity",
        },
        "referrals": {
            "child_id": None,
            "referral_id": None,
            "referral_date": "CINreferralDate",
            "referral_source": "ReferralSource",
            "nfa": "ReferralNFA",
            "closure_date": "CINclosureDate",
            "closure_reason": "ReasonForClosure",
        },
        "assessments": {
            "child_id": None,
            "assessment_id": None,
            "referral_id": None,
            "assessment_type": None,
            "start_date": "AssessmentActualStartDate",
            "authorised_date": "AssessmentAuthorisationDate",
        },
        "section47": {
            "child_id": None,
            "s47_id": None,
            "referral_id": None,
            "s47_start_date": "S47ActualStartDate",
            "icpc_date": "DateOfInitialCPC",
            "icpc_not_required": "ICPCnotRequired",
        },
        "cp_plans": {
            "child_id": None,
            "plan_id": None,
            "start_date": "CPPstartDate",
            "end_date": "CPPendDate",
            "initial_category": "InitialCategoryOfAbuse",
            "previous_plans": "NumberOfPreviousCPP",
        },
        "cp_reviews": {"child_id": None, "plan_id": None, "review_date": "."},
        "cin_plans": {
            "child_id": None,
            "referral_id": None,
            "start_date": "CINPlanStartDate",
            "end_date": "CINPlanEndDate",
        },
        "pre_proceedings": {
            "child_id": None,
            "pp_id": None,
            "referral_id": None,
            **PRE_PROCEEDINGS,
        },
    }
    labels = {"cp_reviews": {"review_date": "CPPreviewDate"}}

    raws = []
    for name, records in rows.items():
        frame = pd.DataFrame.from_records(records, columns=[ROW, *sources[name]])
        frame["authority"] = authority
        raw = RawTable(
            name,
            frame,
            file,
            authority,
            source_columns={"authority": None, **sources[name]},
            labels=labels.get(name, {}),
            xml=True,
            # a missing LEA is reported once above, not once per record
            allow_missing=frozenset() if authority else frozenset({"authority"}),
            # the census year's code lists (Sex M/F/U from 2024-25): the reference date's year
            year=_financial_year(reference_date),
        )
        validate_table(raw, log)
        raws.append(raw)
    validate_relations(raws, log)
    if reference_date is not None:
        check_dates_after(
            raws, reference_date, "after_reference_date", "the census reference date", log
        )
    source = Source(
        file,
        sha256_file(path),
        "cin_census",
        authority,
        extract.isoformat() if extract else file_date(path),
    )
    data = build_dataset(raws, log, [source])
    if reference_date is not None:
        data.coverage.append(
            Coverage(
                authority,
                tuple(data.tables),
                _year_before(reference_date),
                reference_date,
                file,
                _census_label(reference_date),
            )
        )
    return data


def _census_label(reference: dt.date) -> str:
    """``CIN census 2017-18`` for a census to 31 March, else ``CIN census to <date>``."""
    if (reference.month, reference.day) == (3, 31):
        return f"CIN census {reference.year - 1}-{reference.year % 100:02d}"
    return f"CIN census to {reference.isoformat()}"


def _year_before(reference: dt.date) -> dt.date:
    """The first day of the census year ending on ``reference`` (1 April for 31 March)."""
    try:
        return reference.replace(year=reference.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return reference.replace(year=reference.year - 1, day=28) + dt.timedelta(days=1)


def _natural_id(parent: str, letter: str, date: str | None, position: int, seen: set[str]) -> str:
    """``<parent>/<letter><date>``: the same record has the same id in every year's census;
    a record without its date falls back to its position, a repeat in one file gets ``#n``."""
    base = f"{parent}/{letter}{date}" if date else f"{parent}/{letter}{position}"
    made, n = base, 1
    while made in seen:
        n += 1
        made = f"{base}#{n}"
    seen.add(made)
    return made


def _financial_year(date: dt.date | None) -> int | None:
    """The first calendar year of the financial year holding ``date``."""
    if date is None:
        return None
    return date.year if date.month >= 4 else date.year - 1


def _iso_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
