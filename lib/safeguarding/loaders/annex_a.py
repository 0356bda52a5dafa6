"""Ofsted's Annex A workbook (the child-level lists 1-11 an ILACS inspection asks for) ->
canonical tables.

Annex A is what every council can produce in year, when the statutory returns for the year
in progress do not yet exist. The lists and the headings read (``LISTS``) are data: one entry
per list, naming the canonical table it feeds and, per canonical column, the heading Ofsted
publishes and whether it is needed. Real workbooks differ from the template, so headings are
matched after folding case, spaces and quotes; ``Gender`` and the 2026 template's ``Sex`` are
one heading; extra sheets and columns are ignored; a title row above the headings and blank
rows at the end are skipped; dates may be Excel dates, Excel serial numbers or dd/mm/yyyy
text. Coded answers keep their code (``q) 6: Police`` -> ``6``, ``f) U6: Foster placement``
-> ``U6``, ``a) Yes`` -> yes).

What each list gives (list 11, adopters, feeds nothing):

- 1 ``contacts``; 2 ``early_help`` (early help assessments, for referrals after early help;
  a list 2 without rows or without ``Assessment start date`` is left out, with a warning);
  3 ``referrals`` (with the list's own count of earlier referrals in the last 12 months,
  ``referrals_12m``); 6 adds the CIN episodes' start, closure and reason for closure;
- 4 ``assessments`` (``single``, linked to the child's latest referral on or before the
  start); 5 ``section47`` (the strategy discussion's date as the enquiry's start);
- 7 ``cp_plans`` (with the last statutory visit) and ``cp_reviews`` (the latest conference
  only); 8 ``la_episodes`` (one episode per child: the current period of care with its
  current legal status and placement); 9 ``care_leavers``; 10 ``adoptions``;
- every list: ``children`` (identifier, date of birth, sex, ethnicity).

A workbook covers a window: ``months`` (default 12) up to its ``extract_date``. The data
set's :class:`~safeguarding.dataset.Coverage` says so, and names the rules the lists cannot
feed at all (``UNSUPPORTED``), so that a figure outside the window or beyond the lists is
not computable, never zero. The extract date goes into the provenance (``Source``).

Messages name the workbook and sheet (``annex_a.xlsx, sheet 'List 3'``), the Excel row, the
heading, the value (kept apart from the message) and the rule, as every loader's do.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..dataset import Coverage, DataSet, Source, sha256_file
from ..periods import Period
from ..validation import InputError, Issue, IssueLog
from .checks import ROW, RawTable, build_dataset, validate_relations, validate_table
from .workbook import read_workbook


@dataclass(frozen=True)
class Heading:
    """One column of a list: the canonical field it feeds and Ofsted's heading for it."""

    field: str
    heading: str
    required: bool = False
    kind: str = "text"  # text, date, code, yesno, number, sex, category
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListSpec:
    number: int
    title: str
    table: str | None  # None: read for its children only
    headings: tuple[Heading, ...]


def _h(field: str, heading: str, kind: str = "text", required: bool = False, *aliases: str):
    return Heading(field, heading, required, kind, aliases)


CHILD_ID = _h("child_id", "Child Unique ID", "id", True)
PERSON = (
    CHILD_ID,
    _h("sex", "Gender", "sex", False, "Sex"),  # the 2026 template says Sex
    _h("ethnicity", "Ethnicity", "code"),
    _h("dob", "Date of Birth", "date"),
)

LISTS: dict[int, ListSpec] = {
    spec.number: spec
    for spec in [
        ListSpec(
            1,
            "Contacts",
            "contacts",
            (
                *PERSON,
                _h("contact_date", "Date of Contact", "date", True),
                _h("contact_source", "Contact Source", "code"),
            ),
        ),
        ListSpec(
            2,
            "Early help assessments",
            "early_help",
            (
                *PERSON,
                _h("start_date", "Assessment start date", "date"),
                _h("end_date", "Assessment completion date", "date"),
                _h("organisation", "Organisation completing assessment"),
            ),
        ),
        ListSpec(
            3,
            "Referrals",
            "referrals",
            (
                *PERSON,
                _h("referral_date", "Date of Referral", "date", True),
                _h("referral_source", "Referral Source", "code"),
                _h("nfa", "Referral NFA?", "yesno"),
                _h("referrals_12m", "Number of Referrals in Last 12 Months", "number"),
            ),
        ),
        ListSpec(
            4,
            "Assessments",
            "assessments",
            (
                *PERSON,
                _h("start_date", "Continuous Assessment Start Date", "date", True),
                _h("authorised_date", "Continuous Assessment Date of Authorisation", "date"),
            ),
        ),
        ListSpec(
            5,
            "Section 47 enquiries and ICPCs",
            "section47",
            (
                *PERSON,
                _h(
                    "s47_start_date",
                    "Strategy discussion initiating Section 47 Enquiry Start Date",
                    "date",
                    True,
                ),
                _h(
                    "icpc_not_required",
                    "Was an Initial Child Protection Conference deemed unnecessary?",
                    "yesno",
                ),
                _h("icpc_date", "Date of Initial Child Protection Conference", "date"),
            ),
        ),
        ListSpec(
            6,
            "Children in need",
            "referrals",
            (
                *PERSON,
                _h("referral_date", "CIN Start Date", "date", True),
                _h("closure_date", "CIN Closure Date", "date"),
                _h("closure_reason", "Reason for Closure", "code"),
            ),
        ),
        ListSpec(
            7,
            "Child protection",
            "cp_plans",
            (
                *PERSON,
                _h("start_date", "Child Protection Plan Start Date", "date", True),
                _h("initial_category", "Initial Category of Abuse", "category"),
                _h("last_visit_date", "Date of the Last Statutory Visit", "date"),
                _h("review_date", "Date of latest review conference", "date"),
                _h("end_date", "Child Protection Plan End Date", "date"),
                _h("previous_plans", "Number of Previous Child Protection Plans", "number"),
            ),
        ),
        ListSpec(
            8,
            "Children looked after",
            "la_episodes",
            (
                *PERSON,
                _h("episode_start", "Date Started to be Looked After", "date", True),
                _h("legal_status", "Child's Legal Status", "code", True),
                _h("episode_end", "Date Ceased to be Looked After", "date"),
                _h("reason_end", "Reason Ceased to be Looked After", "code"),
                _h("placement", "Placement Type", "code", True),
                _h("placement_postcode", "Placement postcode"),
            ),
        ),
        ListSpec(
            9,
            "Care leavers",
            "care_leavers",
            (
                *PERSON,
                _h("in_touch", "LA in Touch", "yesno"),
                _h("accommodation", "Type of Accommodation", "code"),
                _h("suitability", "Suitability of Accommodation", "text"),
                _h("activity", "Activity Status", "code"),
            ),
        ),
        ListSpec(
            10,
            "Adoption",
            "adoptions",
            (
                *PERSON,
                _h("entered_care_date", "Date the Child Entered Care", "date"),
                _h(
                    "decision_date",
                    "Date of Decision that Child Should be Placed for Adoption",
                    "date",
                    True,
                ),
                _h("placement_order_date", "Date of Placement Order", "date"),
                _h("matched_date", "Date of Matching Child and Prospective Adopters", "date"),
                _h("placed_date", "Date Placed for Adoption", "date"),
                _h("adoption_order_date", "Date of Adoption Order", "date"),
                _h(
                    "decision_reversed_date",
                    "Date of Decision that Child Should No Longer be Placed for Adoption",
                    "date",
                ),
            ),
        ),
        ListSpec(11, "Adopters", None, ()),
    ]
}

# Rules Annex A cannot feed however recent the period, with the reason a report gives.
UNSUPPORTED: dict[str, str] = {
    "cp_reviews_on_time": "Annex A list 7 holds only each plan's latest review conference",
    "la_reviews_on_time": "Annex A list 8 holds only each child's latest review",
    "placement_moves": "Annex A list 8 holds only each child's current placement",
    "long_term_stability": "Annex A list 8 holds only each child's current placement",
    "referral_conversion": "Annex A has no initial assessments (they ended in 2013-14)",
}
# The warnings this loader writes that an indicator's section repeats as a note beside the
# figure (a figure read partly from Annex A's own counts says so where it is shown).
FIGURE_NOTES: dict[str, tuple[str, ...]] = {"REREFERRAL_12M": ("annex_a_rereferrals",)}
# What list 7 holds only as it stood on the extract's date: each plan's last statutory visit
# and latest review conference (CP visits and reviews in timescale at that date alone).
AS_AT = {
    "cp_plans.last_visit_date": "each plan's last statutory visit",
    "cp_reviews.review_date": "each plan's latest review conference",
}
# The tables whose dates the window restricts (every table the lists feed).
WINDOWED = frozenset({s.table for s in LISTS.values() if s.table} | {"cp_reviews", "children"})
CATEGORIES = {
    "physical abuse": "PHY",
    "emotional abuse": "EMO",
    "sexual abuse": "SAB",
    "neglect": "NEG",
    "multiple": "MUL",
    "multiple/not recommended": "MUL",
}
SEXES = {"male": "M", "female": "F", "m": "M", "f": "F", "1": "M", "2": "F"}
YES, NO = {"yes", "y", "1", "true"}, {"no", "n", "0", "false"}
_PREFIX = re.compile(r"^[a-z]{1,2}\)\s*", re.IGNORECASE)  # "q) 6: Police"
_CODE = re.compile(r"^([A-Za-z0-9]{1,6})\s*(?::|\s-\s)")  # "6: Police", "N1 - Abuse"
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_LABEL = "an Excel date or dd/mm/yyyy"


def fold(text: Any) -> str:
    """A heading as compared: case, spacing, quotes and trailing punctuation folded."""
    s = str(text or "").replace("\u2018", "'").replace("\u2019", "'").replace("\xa0", " ")
    s = re.sub(r"\s+", " ", s).strip().lower()
    return s.rstrip(" ?:.)")


def list_number(sheet: str) -> int | None:
    """The list a sheet holds, from its name (``List 3``, ``list3``, ``List 3 - Referrals``)."""
    match = re.match(r"^\s*list\s*(\d{1,2})\b", sheet, re.IGNORECASE)
    return int(match.group(1)) if match else None


def load_annex_a(
    path: str | Path,
    authority: str,
    extract_date: str | dt.date | None = None,
    months: int = 12,
) -> DataSet:
    """Read an Annex A workbook for ``authority`` into the canonical tables.

    ``extract_date`` is the day the lists were run (ISO text or a date); without it, the
    latest date of any contact, referral, assessment, enquiry, plan or period of care is taken,
    with a warning. The workbook covers the ``months`` months up to it. Raises
    :class:`InputError` with every fatal problem (one line per missing heading).
    """
    path = Path(path)
    file = str(path)
    authority = str(authority)
    book = read_workbook(path)
    if book.error:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "not_annex_a",
                    f"not a readable Excel workbook (.xlsx): {book.error}",
                    authority=authority,
                )
            ]
        )
    log = IssueLog()
    sheets: dict[int, tuple[str, list[tuple[int, tuple]]]] = {}
    for ws in book.sheets:
        number = list_number(ws.title)
        if number in LISTS and number not in sheets:
            if ws.error:
                log.error(file, "not_annex_a", f"sheet {ws.title!r} cannot be read ({ws.error})",
                          authority=authority)  # fmt: skip
            sheets[number] = (ws.title, _rows(ws.rows))
    if not sheets:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "not_annex_a",
                    "no sheet named 'List 1' to 'List 11': not an Annex A workbook",
                    authority=authority,
                )
            ]
        )
    frames: dict[int, tuple[str, pd.DataFrame]] = {}
    for number, (title, rows) in sorted(sheets.items()):
        frame = _read_list(LISTS[number], f"{file}, sheet {title!r}", rows, log, authority)
        if frame is not None:
            frames[number] = (title, frame)
    for number in sorted(set(LISTS) - set(sheets)):
        if LISTS[number].table:
            log.warning(
                file,
                "missing_list",
                f"no sheet for List {number} ({LISTS[number].title}): its figures are not "
                "computable",
                authority=authority,
            )
    log.raise_if_errors()
    raws = _tables(frames, file, authority, log)
    for raw in raws:
        validate_table(raw, log)
    # assessments and enquiries are linked to referrals by date, not by an id in the file
    validate_relations([r for r in raws if r.name != "referrals"], log)
    extract = _extract_date(extract_date, raws, file, authority, log)
    start = pd.Timestamp(extract) - pd.DateOffset(months=int(months)) + pd.Timedelta(days=1)
    _note_window(log, file, authority, start.date(), extract)
    if 3 in frames and "referrals_12m" in frames[3][1]:
        log.warning(
            file,
            "annex_a_rereferrals",
            "a referral counts as a re-referral within 12 months when Annex A's own 'Number of "
            f"Referrals in Last 12 Months' (list 3, extract of {_words(extract)}) is 1 or more, "
            "as well as when the lists hold an earlier referral: the lists themselves reach "
            "back less than a year",
            authority=authority,
        )
    data = build_dataset(raws, log, [])
    data.sources.append(Source(file, sha256_file(path), "annex_a", authority, extract.isoformat()))
    data.coverage.append(
        Coverage(
            authority,
            tuple(sorted(t for t in WINDOWED if data.has(t))),
            pd.Timestamp(start).date(),
            extract,
            file,
            f"Ofsted Annex A of {_words(extract)}",
            dict(UNSUPPORTED),
            dict(AS_AT),
        )
    )
    if "care_leavers" in data.tables:
        year = Period(extract.year if extract.month >= 4 else extract.year - 1)
        leavers = data.tables["care_leavers"]
        leavers["collection_year"] = pd.Series(year.label, index=leavers.index, dtype="string")
    return data


def _note_window(
    log: IssueLog, file: str, authority: str, start: dt.date, extract: dt.date
) -> None:
    """Two notes for the data-quality section: the window, and what Annex A cannot give."""
    log.warning(
        file,
        "annex_a_window",
        f"Ofsted Annex A extract of {_words(extract)} covers {_words(start)} to "
        f"{_words(extract)}: figures for periods outside it are not computable from it",
        authority=authority,
    )
    reasons = "; ".join(f"{rule.replace('_', ' ')}: {why}" for rule, why in UNSUPPORTED.items())
    log.warning(
        file,
        "annex_a_not_computable",
        f"not computable from Annex A - {reasons}",
        authority=authority,
    )


def _words(day: dt.date) -> str:
    """``5 October 2026``."""
    return f"{day.day} {day:%B %Y}"


def _rows(rows: list[tuple]) -> list[tuple[int, tuple]]:
    """(Excel row number, values) of the non-blank rows."""
    out = []
    for number, values in enumerate(rows, 1):
        if any(v is not None and str(v).strip() != "" for v in values):
            out.append((number, values))
    return out


def _read_list(
    spec: ListSpec, where: str, rows: list[tuple[int, tuple]], log: IssueLog, authority: str
) -> pd.DataFrame | None:
    """The list's rows under canonical field names (raw cell values) with ``_row``."""
    if not spec.headings:
        return None
    wanted = {fold(CHILD_ID.heading)}
    header_at = next(
        (i for i, (_, values) in enumerate(rows[:10]) if wanted & {fold(v) for v in values}),
        None,
    )
    if header_at is None:
        found = [str(v) for v in rows[0][1] if v is not None] if rows else []
        _missing(log, where, CHILD_ID.heading, found, rows[0][0] if rows else 1, authority)
        return None
    header_row, header = rows[header_at]
    folded = [fold(v) for v in header]
    columns: dict[str, int] = {}
    missing = False
    for h in spec.headings:
        names = [fold(h.heading), *(fold(a) for a in h.aliases)]
        index = next((folded.index(n) for n in names if n in folded), None)
        if index is not None:
            columns[h.field] = index
        elif h.required:
            found = [str(v) for v in header if v is not None and str(v).strip()]
            _missing(log, where, h.heading, found, header_row, authority)
            missing = True
    if missing:
        return None
    records = []
    for number, values in rows[header_at + 1 :]:
        record: dict[str, Any] = {ROW: number}
        for fld, index in columns.items():
            record[fld] = values[index] if index < len(values) else None
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[ROW, *columns])
    kinds = {h.field: h.kind for h in spec.headings}
    for fld in columns:
        frame[fld] = [cell_text(v, kinds[fld]) for v in frame[fld]]
    frame.attrs["headings"] = {
        h.field: str(header[columns[h.field]]) for h in spec.headings if h.field in columns
    }
    frame.attrs["where"] = where
    return frame


def _missing(
    log: IssueLog, where: str, heading: str, found: list[str], row: int, authority: str
) -> None:
    close = difflib.get_close_matches(fold(heading), [fold(f) for f in found], n=1, cutoff=0.6)
    hint = ""
    if close:
        original = next(f for f in found if fold(f) == close[0])
        hint = f"; the sheet has {original!r} - renamed or misspelt?"
    log.error(
        where,
        "missing_column",
        f"required heading {heading!r} is missing{hint}",
        row=row,
        column=heading,
        authority=authority,
    )


def cell_text(value: Any, kind: str) -> str | None:
    """A cell as canonical text (ISO dates, bare codes, 1/0); unreadable values unchanged,
    for the shared checks to report."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        value = value.replace("\xa0", " ").strip()
        if value == "" or value.upper() in ("#N/A", "N/A"):
            return None
    if kind == "date":
        return _date(value)
    if kind == "id":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(int(value)) if float(value).is_integer() else str(value)
        return str(value)
    text = _PREFIX.sub("", str(value)).strip()
    if kind == "yesno":
        low = text.lower()
        return "1" if low in YES else "0" if low in NO else text
    if kind == "sex":
        return SEXES.get(text.lower(), "U" if text else None)
    if kind == "category":
        code = CATEGORIES.get(text.lower())
        if code:
            return code
    if kind in ("code", "category"):
        match = _CODE.match(text)
        return match.group(1).upper() if match else text
    return text


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80_000:  # an Excel serial day number (1900 to 2119)
            return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        return str(value)
    text = str(value)
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    if re.match(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?$", text):
        return text[:10]
    return text


def _raw(name: str, frame: pd.DataFrame, authority: str, fields: dict[str, str]) -> RawTable:
    """A RawTable whose messages use the list's own headings."""
    headings = frame.attrs.get("headings", {})
    out = frame.rename(columns=fields)
    out["authority"] = authority
    labels = {fields.get(k, k): v for k, v in headings.items()}
    return RawTable(
        name,
        out,
        frame.attrs["where"],
        authority,
        source_columns={c: labels.get(c, c) for c in out.columns if c != ROW},
        labels=labels,
        date_format="%Y-%m-%d",
        date_label=DATE_LABEL,
    )


def _tables(
    frames: dict[int, tuple[str, pd.DataFrame]], file: str, authority: str, log: IssueLog
) -> list[RawTable]:
    raws: list[RawTable] = []
    raws.append(_children(frames, file, authority))
    referrals = _referrals(frames, authority)
    if referrals is not None:
        raws.append(referrals)
    ref_frame = referrals.frame if referrals is not None else None
    if 1 in frames:
        raws.append(
            _raw("contacts", _cols(frames[1][1], "contact_date", "contact_source"), authority, {})
        )
    if 2 in frames:
        # an empty list is more often early help kept on another system than none at all:
        # no table, so the figure is not computable rather than 0%
        if "start_date" in frames[2][1] and len(frames[2][1]):
            f = _cols(frames[2][1], "start_date", "end_date", "organisation")
            raws.append(_raw("early_help", f, authority, {}))
        else:
            missing = "no rows" if "start_date" in frames[2][1] else "no 'Assessment start date'"
            log.warning(
                file,
                "early_help_left_out",
                f"sheet {frames[2][0]!r} has {missing}: early help is left out, so referrals "
                "after early help are not computable",
                authority=authority,
            )
    if 4 in frames:
        f = _cols(frames[4][1], "start_date", "authorised_date")
        f["assessment_id"] = [f"{c}/AA{r}" for c, r in zip(f["child_id"], f[ROW], strict=True)]
        f["assessment_type"] = "single"
        f["referral_id"] = _link(f, "start_date", ref_frame)
        raws.append(_raw("assessments", f, authority, {}))
    if 5 in frames:
        f = _cols(frames[5][1], "s47_start_date", "icpc_date", "icpc_not_required")
        f["s47_id"] = [f"{c}/AS{r}" for c, r in zip(f["child_id"], f[ROW], strict=True)]
        f["referral_id"] = _link(f, "s47_start_date", ref_frame)
        raws.append(_raw("section47", f, authority, {}))
    if 7 in frames:
        f = _cols(
            frames[7][1],
            "start_date",
            "end_date",
            "initial_category",
            "previous_plans",
            "last_visit_date",
            "review_date",
        )
        f["plan_id"] = [f"{c}/AP{r}" for c, r in zip(f["child_id"], f[ROW], strict=True)]
        raws.append(_raw("cp_plans", f.drop(columns=["review_date"]), authority, {}))
        reviews = f[f["review_date"].notna()][[ROW, "child_id", "plan_id", "review_date"]]
        reviews.attrs = f.attrs
        raws.append(_raw("cp_reviews", reviews, authority, {}))
    if 8 in frames:
        f = _cols(
            frames[8][1],
            "episode_start",
            "episode_end",
            "legal_status",
            "placement",
            "reason_end",
            "placement_postcode",
        )
        f["rne"] = "S"  # the period of care as one episode (see the module docstring)
        raws.append(_raw("la_episodes", f, authority, {}))
    if 9 in frames:
        f = _cols(frames[9][1], "dob", "in_touch", "accommodation", "suitability", "activity")
        f["in_touch"] = f["in_touch"].map({"1": "YES", "0": "NO"}).fillna(f["in_touch"])
        f["accommodation"] = _accommodation(f["accommodation"], f.pop("suitability"))
        f["collection_year"] = "0000-01"  # replaced by the extract's year once it is known
        raws.append(_raw("care_leavers", f, authority, {}))
    if 10 in frames:
        f = _cols(
            frames[10][1],
            "entered_care_date",
            "decision_date",
            "placement_order_date",
            "matched_date",
            "placed_date",
            "adoption_order_date",
            "decision_reversed_date",
        )
        raws.append(_raw("adoptions", f, authority, {}))
    return raws


def _cols(frame: pd.DataFrame, *fields: str) -> pd.DataFrame:
    out = frame[[ROW, "child_id", *[f for f in fields if f in frame]]].copy()
    out.attrs = dict(frame.attrs)
    return out


def _accommodation(kind: pd.Series, suitability: pd.Series) -> pd.Series:
    """SSDA903's ACCOM code: the type's letter and 1 (suitable) or 2 (not suitable)."""
    fit = suitability.astype("string").str.lower()
    digit = pd.Series(pd.NA, index=kind.index, dtype="string")
    digit = digit.mask(fit.str.startswith("suitable", na=False), "1")
    digit = digit.mask(fit.str.contains("not suitable|unsuitable", na=False), "2")
    letter = kind.astype("string")
    one_letter = letter.str.fullmatch(r"[A-Z]", na=False) & digit.notna()
    return letter.mask(one_letter, letter + digit).astype(object)


def _children(frames: dict[int, tuple[str, pd.DataFrame]], file: str, authority: str):
    parts = []
    for number, (_, frame) in sorted(frames.items()):
        cols = [c for c in ("child_id", "dob", "sex", "ethnicity") if c in frame]
        part = frame[[ROW, *cols]].copy()
        part["_list"] = number
        parts.append(part)
    every = pd.concat(parts, ignore_index=True)
    every = every[every["child_id"].notna()]
    # one row per child: the first non-blank value of each column over the lists, in order
    first = every.groupby("child_id", sort=False).first().reset_index()
    where = {n: f"sheet {title!r}" for n, (title, _) in frames.items()}
    first.attrs = {"where": file, "headings": {}}
    raw = _raw("children", first.drop(columns=["_list"]), authority, {})
    raw.file = file
    raw.labels = {h.field: h.heading for h in PERSON}
    raw.source_columns = {c: "." for c in raw.frame.columns if c != ROW}
    # a child's row is the first list row naming it: say which sheet in the row itself
    raw.frame[ROW] = [
        f"{where[n]} row {r}" for n, r in zip(first["_list"], first[ROW], strict=True)
    ]
    raw.xml = True  # row labels are text, as XML paths are
    return raw


def _referrals(frames: dict[int, tuple[str, pd.DataFrame]], authority: str) -> RawTable | None:
    """List 3's referrals and list 6's CIN episodes, one row per child and start date."""
    parts = []
    for number in (3, 6):
        if number in frames:
            cols = ("referral_date", "referral_source", "nfa", "referrals_12m", "closure_date",
                    "closure_reason")
            parts.append(_cols(frames[number][1], *cols))
    if not parts:
        return None
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs = parts[0].attrs
    key = frame["child_id"].astype(str) + "|" + frame["referral_date"].astype(str)
    # list 6 repeats list 3's referrals that became CIN episodes: one record, values merged
    merged = frame.groupby(key, sort=False).first()
    merged[ROW] = frame.groupby(key, sort=False)[ROW].first()
    merged = merged.reset_index(drop=True)
    merged.attrs = frame.attrs
    merged["referral_id"] = [
        f"{c}/AR{d}" for c, d in zip(merged["child_id"], merged["referral_date"], strict=True)
    ]
    return _raw("referrals", merged, authority, {})


def _link(frame: pd.DataFrame, date: str, referrals: pd.DataFrame | None) -> list[str]:
    """Each record's referral: the child's latest on or before ``date``; without one, an id
    of its own (the referral predates the lists' window)."""
    own = [f"{c}/AR?{r}" for c, r in zip(frame["child_id"], frame[ROW], strict=True)]
    if referrals is None or frame.empty:
        return own
    refs = referrals[["child_id", "referral_date", "referral_id"]].copy()
    refs["_d"] = pd.to_datetime(refs["referral_date"], errors="coerce", format="%Y-%m-%d").astype(
        "datetime64[ns]"
    )
    left = pd.DataFrame(
        {
            "child_id": frame["child_id"].astype(str).to_numpy(),
            "_d": pd.to_datetime(frame[date], errors="coerce", format="%Y-%m-%d")
            .astype("datetime64[ns]")
            .to_numpy(),
            "_i": range(len(frame)),
        }
    )
    refs = refs.dropna(subset=["_d"]).astype({"child_id": str}).sort_values("_d")
    known = left.dropna(subset=["_d"]).sort_values("_d")
    found = pd.merge_asof(
        known, refs[["child_id", "_d", "referral_id"]], on="_d", by="child_id", direction="backward"
    )
    out = list(own)
    for i, rid in zip(found["_i"], found["referral_id"], strict=True):
        if isinstance(rid, str):
            out[int(i)] = rid
    return out


def _extract_date(
    given: str | dt.date | None, raws: list[RawTable], file: str, authority: str, log: IssueLog
) -> dt.date:
    if given is not None:
        if isinstance(given, dt.date):
            return given
        try:
            return dt.date.fromisoformat(str(given).strip())
        except ValueError:
            raise InputError(
                [
                    Issue(
                        "error",
                        file,
                        "invalid_date",
                        "the extract date must be a YYYY-MM-DD date",
                        column="extract_date",
                        value=str(given),
                        authority=authority,
                    )
                ]
            ) from None
    latest = None
    for raw in raws:
        if raw.typed is None or raw.name == "children":
            continue
        for col in raw.typed.columns:
            if col.endswith("date") or col in ("episode_start", "episode_end", "start_date"):
                top = pd.to_datetime(raw.typed[col], errors="coerce").max()
                if pd.notna(top) and (latest is None or top > latest):
                    latest = top
    if latest is None:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "missing_value",
                    "the workbook holds no dated records to take the extract date from; "
                    "give the extract date",
                    column="extract_date",
                    authority=authority,
                )
            ]
        )
    log.warning(
        file,
        "extract_date_inferred",
        f"extract date not given: taken as {latest.date().isoformat()}, the latest date in the "
        "lists; give the extract date to state it",
        column="extract_date",
        authority=authority,
    )
    return latest.date()
