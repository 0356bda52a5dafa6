"""The validation rules every loader applies, written once.

A loader reads its file into :class:`RawTable` objects (text values under the canonical column
names, plus where each row came from), then calls :func:`validate_table` for each, then
:func:`validate_relations` and :func:`build_dataset`. Every finding is a
:class:`~safeguarding.validation.Issue` naming the file, the row (the 1-based line number in a
CSV, the header being line 1, or an XML path such as
``/Message/Children/Child[3]/CINdetails[1]/Assessments[1]/AssessmentActualStartDate``), the
column as the file spells it, the value and the rule. Messages never repeat record values
(they may be child-level and messages are shown in reports); the value is in ``Issue.value``.

Errors (the authority's load stops, every error reported at once):

- ``missing_table``, ``missing_column``: a required table or column is absent;
- ``missing_value``: a required value is blank (a record without its key date or identifier);
- ``invalid_date``, ``invalid_number``, ``invalid_value``: a value that does not parse. This
  holds for optional dates too: an unreadable ``DEC`` or ``CPPendDate`` would otherwise be read
  as absent, turning a closed episode or plan into an open one -- a silently wrong figure;
- ``duplicate_id``: two records with one identifier (the table's key in ``schema.TABLES``);
  which of the two is right cannot be decided, and either choice changes counts;
- ``unknown_code`` for ``assessment_type``: the project's own code; an unknown value would
  drop the assessment from every timeliness indicator without anyone noticing.

Warnings (the records are kept as returned; the reports' data-quality note counts them):

- ``end_before_start``: a closure, end or authorisation date before its start. Such records
  occur in real returns (a mistyped year) and DfE's own validators accept the return with them;
  stopping the whole authority's report for one record would withhold every other figure, so
  the record stays as recorded and the warning names it for correction at source;
- ``before_referral``, ``before_plan_start``: an assessment or enquiry dated before its
  referral, a review before its plan began;
- ``overlapping_episodes``: a looked-after episode starting before the previous one ended;
- ``after_reference_date`` / ``after_collection_year``: a date later than the return's end;
- ``unknown_code``: a statutory code missing from :mod:`.codes` (code lists change each year);
- ``unknown_reference``, ``unknown_child``: a record pointing at a referral, plan or child the
  input does not hold;
- ``duplicate_record``: the same review (child or plan, and date) recorded twice; reviews are
  counted by date, so the repeat is dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import DataSet, Source
from ..schema import SUPPLEMENTARY, TABLES, Column
from ..validation import InputError, Issue, IssueLog, Severity
from ..validation import read_csv_text as _read_csv
from .codes import FATAL_CODES, checked_columns, codes_for

MIN_YEAR, MAX_YEAR = 1900, 2100  # plausible years for any date in a child's record
_FIRST_DAY = pd.Timestamp(MIN_YEAR, 1, 1)
_AFTER_LAST_DAY = pd.Timestamp(MAX_YEAR + 1, 1, 1)
_INTEGER = re.compile(r"[+-]?\d+")
ROW = "_row"  # where a row came from: CSV line number (int) or XML element path (str)

# (start, end) pairs checked by ``end_before_start``
END_BEFORE_START: dict[str, list[tuple[str, str]]] = {
    "referrals": [("referral_date", "closure_date")],
    "assessments": [("start_date", "authorised_date")],
    "section47": [("s47_start_date", "icpc_date")],
    "cp_plans": [("start_date", "end_date")],
    "la_episodes": [("episode_start", "episode_end")],
    "teams": [("start_date", "end_date")],
}

# (table, link column, parent table, its date column in table, parent's date column, rule)
RELATIONS: list[tuple[str, str, str, str, str, str]] = [
    ("assessments", "referral_id", "referrals", "start_date", "referral_date", "before_referral"),
    ("section47", "referral_id", "referrals", "s47_start_date", "referral_date", "before_referral"),
    ("cp_reviews", "plan_id", "cp_plans", "review_date", "start_date", "before_plan_start"),
]

# Tables whose key is a natural (child or plan, date) pair: a repeat is the same event twice.
DEDUPLICATED = frozenset({"la_reviews", "cp_reviews"})

_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


@dataclass
class RawTable:
    """One canonical table as read from one input file, before validation.

    ``frame`` holds text values under canonical column names and a ``_row`` column;
    ``source_columns`` maps canonical names to the file's own (``episode_start`` -> ``DECOM``)
    so that messages speak the file's language. For XML they are element paths relative to
    the row's element (``.`` for the element itself, None for values the loader made up).
    """

    name: str
    frame: pd.DataFrame
    file: str
    authority: str | None = None
    source_columns: dict[str, str | None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column names for messages (XML)
    xml: bool = False
    date_format: str = "%Y-%m-%d"
    date_label: str = "YYYY-MM-DD"
    file_columns: list[str] | None = None  # the CSV header; None for XML (elements optional)
    allow_missing: frozenset[str] = frozenset()
    typed: pd.DataFrame | None = None
    absent: tuple[str, ...] = ()  # optional columns the file does not have (not "blank")
    year: int | None = None  # the return's financial year (its code lists); None: any year

    def source_name(self, column: str) -> str:
        """The column as the file names it (an element name for XML)."""
        if column in self.labels:
            return self.labels[column]
        name = self.source_columns.get(column, column)
        return name.rsplit("/", 1)[-1] if name and name != "." else column

    def locations(self, rows: pd.Series, column: str | None) -> list[int | str]:
        """Where each of ``rows`` (values of ``_row``) and ``column`` are in the file."""
        if not self.xml:
            return [int(r) for r in rows]
        element = self.source_columns.get(column, column) if column else None
        if not element or element == ".":  # the row's own element holds the value
            return [str(r) for r in rows]
        return [f"{r}/{element}" for r in rows]


def emit(
    log: IssueLog,
    raw: RawTable,
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str | None,
    rule: str,
    message: str | pd.Series,
    severity: Severity = "error",
    values: pd.Series | None = None,
) -> int:
    """Log one issue per row where ``mask`` holds; return how many."""
    mask = mask.fillna(False).astype(bool)
    count = int(mask.sum())
    if not count:
        return 0
    sub = frame.loc[mask]
    rows = raw.locations(sub[ROW], column)
    if values is None:
        values = raw.frame.get(column)
    vals = (
        [None] * count
        if values is None
        else [None if pd.isna(v) else str(v) for v in values.loc[sub.index]]
    )
    msgs = [message] * count if isinstance(message, str) else list(message.loc[sub.index])
    if raw.authority is None and "authority" in sub:  # a file holding several authorities
        auths = [None if pd.isna(a) else str(a) for a in sub["authority"]]
    else:
        auths = [raw.authority] * count
    src = raw.source_name(column) if column else None
    for row, value, msg, auth in zip(rows, vals, msgs, auths, strict=True):
        log.add(
            Issue(
                severity,
                raw.file,
                rule,
                msg,
                row=row,
                column=src,
                value=value,
                authority=auth,
            )
        )
    return count


_SEP = "\x00"  # joins a column's values to test them at once: CSV inputs cannot hold it


def _no_whitespace(text: str) -> bool:
    """True when no character of ``text`` is whitespace as ``str.strip`` sees it."""
    parts = text.split(None, 1)
    return len(parts) == 1 and len(parts[0]) == len(text)


def _text(series: pd.Series) -> pd.Series:
    """Trimmed text with blanks as missing: ``series.astype("string").str.strip()`` with
    ``""`` masked, without a Python call per cell where no cell needs trimming.

    Most columns (identifiers, dates, codes) hold no whitespace at all; that is tested on
    the column's values joined into one string (``str.split`` uses ``str.strip``'s own
    definition of whitespace), and only columns holding some are trimmed cell by cell."""
    s = series.astype("string")
    values = s.to_numpy(dtype=object)
    try:  # a column with no missing value joins as it is (a missing one is no str)
        joined, present, missing = _SEP.join(values), values, None
    except TypeError:
        missing = pd.isna(values)
        present = values[~missing]
        joined = _SEP.join(present)
    if not len(present):
        return s
    clean = (
        joined.count(_SEP) == len(present) - 1  # no value holds the separator
        and _SEP * 2 not in joined  # no empty value
        and not joined.startswith(_SEP)
        and not joined.endswith(_SEP)
        and _no_whitespace(joined)
    )
    if clean:
        return s
    stripped = np.array(list(map(str.strip, present)), dtype=object)
    stripped[stripped == ""] = pd.NA
    if missing is None:
        out = stripped
    else:
        out = values.copy()
        out[~missing] = stripped
    return pd.Series(pd.array(out, dtype="string"), index=s.index, name=s.name)


def missing_table(log: IssueLog, file: str, table: str, authority: str | None) -> None:
    """Log that a required table (file) is absent."""
    log.error(file, "missing_table", f"required table {table!r} is missing", authority=authority)


def validate_table(raw: RawTable, log: IssueLog) -> pd.DataFrame | None:
    """Check one table and return it with canonical dtypes (plus ``_row``).

    Returns None when required columns are missing (nothing else can be checked).
    """
    spec = TABLES[raw.name]
    if raw.file_columns is not None:
        missing = [c for c in spec.required_columns if c not in raw.frame.columns]
        for col in missing:
            log.error(
                raw.file,
                "missing_column",
                f"required column {raw.source_name(col)!r} of table {raw.name!r} is missing "
                f"(the file has: {', '.join(raw.file_columns) or 'no columns'})",
                row=1,
                column=raw.source_name(col),
                authority=raw.authority,
            )
        if missing:
            return None
        raw.absent = tuple(
            c.name
            for c in spec.columns
            if not c.required
            and c.name not in raw.frame.columns
            and c.name not in raw.labels
            and (raw.name, c.name) not in SUPPLEMENTARY
        )
        for col in raw.absent:
            # an absent column is not a column of blanks: "no DEC" is not "every episode open"
            log.warning(
                raw.file,
                "missing_column",
                f"column {raw.source_name(col)!r} of table {raw.name!r} is absent: the figures "
                "that read it are not computable from this file",
                row=1,
                column=raw.source_name(col),
                authority=raw.authority,
            )

    # frames built from their columns at once (a column at a time costs pandas' insert each)
    columns = {ROW: raw.frame[ROW]}
    for col in spec.column_names:
        if col in raw.frame:
            columns[col] = _text(raw.frame[col])
        else:
            columns[col] = pd.Series(pd.NA, index=raw.frame.index, dtype="string")
    text = pd.DataFrame(columns, index=raw.frame.index, copy=False)
    raw.frame = text

    # what emit reads of the typed rows (where each came from) while the columns are typed
    where = [ROW, "authority"] if "authority" in text else [ROW]
    typed = text[where]
    done = {c: text[c] for c in where}
    for col in spec.columns:
        s = text[col.name]
        if col.dtype == "date":
            parsed = pd.to_datetime(s, format=raw.date_format, errors="coerce")
            bad = s.notna() & parsed.isna()
            emit(
                log,
                raw,
                typed,
                bad,
                col.name,
                "invalid_date",
                f"not a date in the form {raw.date_label}",
            )
            # a mistyped century (0201-05-04) parses but is no date of a child's record, and
            # would not fit the canonical nanosecond dates
            # (compared as dates: the same as their years against MIN_YEAR and MAX_YEAR)
            odd = (parsed < _FIRST_DAY) | (parsed >= _AFTER_LAST_DAY)
            emit(
                log,
                raw,
                typed,
                odd,
                col.name,
                "invalid_date",
                f"year outside {MIN_YEAR}-{MAX_YEAR}",
            )
            kept = parsed.where(~odd) if odd.any() else parsed
            done[col.name] = kept.astype("datetime64[ns]")
        elif col.dtype == "int":
            done[col.name] = _whole_numbers(raw, typed, s, col, log)
        elif col.dtype == "float":
            number = pd.to_numeric(s, errors="coerce")
            bad = s.notna() & (number.isna() | (number < 0))
            emit(log, raw, typed, bad, col.name, "invalid_number", "not a number of 0 or more")
            done[col.name] = number.where(~bad).astype("float64")
        elif col.dtype == "bool":
            mapped = s.str.lower().map(_BOOLS)
            bad = s.notna() & mapped.isna()
            emit(
                log,
                raw,
                typed,
                bad,
                col.name,
                "invalid_value",
                "not a yes/no value (expected 1/0 or true/false)",
            )
            done[col.name] = mapped.astype("boolean")
        else:
            done[col.name] = s

    typed = pd.DataFrame(done, index=text.index, copy=False)

    for col in [c.name for c in spec.columns if c.required or c.nonblank]:
        if col in raw.allow_missing or col in raw.absent:
            continue
        blank = text[col].isna()
        if raw.name == "section47" and col == "s47_start_date":
            # the CIN census records an initial conference outside any Section47 block
            # (CINdetails/DateOfInitialCPC); such a row has a conference but no enquiry date
            blank &= text["icpc_date"].isna()
        emit(
            log,
            raw,
            typed,
            blank,
            col,
            "missing_value",
            f"required value {raw.source_name(col)!r} is blank",
        )

    if raw.name == "section47":
        untimed = text["s47_start_date"].isna() & text["icpc_date"].notna()
        emit(
            log,
            raw,
            typed,
            untimed,
            "icpc_date",
            "untimeable_conference",
            "initial conference with no section 47 start date: counted as a conference but left "
            "out of ICPC timeliness (it cannot be timed)",
            "warning",
        )

    for table, col in checked_columns():
        codes = codes_for(table, col, raw.year)
        if table != raw.name or codes is None:
            continue
        unknown = typed[col].notna() & ~typed[col].isin(list(codes))
        fatal = (table, col) in FATAL_CODES
        shown = ", ".join(sorted(codes)) if len(codes) <= 12 else f"{len(codes)} known codes"
        emit(
            log,
            raw,
            typed,
            unknown,
            col,
            "unknown_code",
            f"unknown code (expected {shown})",
            "error" if fatal else "warning",
        )

    for start, end in END_BEFORE_START.get(raw.name, []):
        before = typed[end] < typed[start]
        message = f"{raw.source_name(end)} is before {raw.source_name(start)}"
        emit(log, raw, typed, before, end, "end_before_start", message, "warning")

    typed = _check_duplicates(raw, typed, log)
    if raw.name == "la_episodes":
        _check_overlaps(raw, typed, log)
    raw.typed = typed
    return typed


def _whole_numbers(
    raw: RawTable, typed: pd.DataFrame, s: pd.Series, col: Column, log: IssueLog
) -> pd.Series:
    """Whole numbers within the column's range; anything else an error naming its value.

    Parsed as Python integers (exact at any size) so that 10^20 is reported as out of range
    rather than overflowing into a negative count."""

    def parse(text: str) -> int | None:
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if math.isfinite(number) and number % 1 == 0 else None

    values = s.map(parse, na_action="ignore")
    bad = s.notna() & values.isna()
    emit(log, raw, typed, bad, col.name, "invalid_number", "not a whole number")
    low = col.minimum if col.minimum is not None else -(2**62)
    high = col.maximum if col.maximum is not None else 2**62
    inside = values.map(lambda v: low <= v <= high, na_action="ignore")
    outside = values.notna() & (inside == False)  # noqa: E712 (an object column)
    if col.minimum is None:
        limits = f"at most {high:,}"
    elif col.maximum is None:
        limits = f"at least {low:,}"
    else:
        limits = f"from {low:,} to {high:,}"
    emit(log, raw, typed, outside, col.name, "out_of_range", f"must be a whole number {limits}")
    return values.where(~outside & ~bad).astype("Int64")


def _check_duplicates(raw: RawTable, typed: pd.DataFrame, log: IssueLog) -> pd.DataFrame:
    key = list(TABLES[raw.name].key)
    if not key or typed.empty:
        return typed
    repeated = typed.duplicated(key, keep="first")
    if not repeated.any():  # the usual case: no need to look for blank keys
        return typed
    dup = repeated & typed[key].notna().all(axis=1)
    if not dup.any():
        return typed
    first = typed.groupby(key, dropna=False, sort=False)[ROW].transform("first")
    first_at = pd.Series(raw.locations(first, None), index=typed.index).astype(str)
    where = "XML element " if raw.xml else "row "
    column = key[-1]
    if raw.name in DEDUPLICATED:
        message = f"the same {' and '.join(key[1:])} recorded again (first at {where}" + first_at
        emit(
            log,
            raw,
            typed,
            dup,
            column,
            "duplicate_record",
            message + "); repeat dropped",
            "warning",
        )
        return typed.loc[~dup]
    message = f"duplicate {' + '.join(key[1:])} (first at {where}" + first_at + ")"
    emit(log, raw, typed, dup, column, "duplicate_id", message, "error")
    return typed


def _check_overlaps(raw: RawTable, typed: pd.DataFrame, log: IssueLog) -> None:
    """Episodes of one child that start before the previous episode has ended."""
    ordered = typed.dropna(subset=["episode_start"]).sort_values(
        ["authority", "child_id", "episode_start"], kind="stable"
    )
    group = ordered.groupby(["authority", "child_id"], sort=False)
    prev_end = group["episode_end"].shift(1)
    has_prev = group.cumcount() > 0
    overlap = has_prev & (prev_end.isna() | (ordered["episode_start"] < prev_end))
    mask = overlap.reindex(typed.index, fill_value=False)
    emit(
        log,
        raw,
        typed,
        mask,
        "episode_start",
        "overlapping_episodes",
        "episode starts before the child's previous episode has ended",
        "warning",
    )


class PairSet:
    """A set of (first, second) value pairs, each with the row where it first occurs: a
    merge on, or ``MultiIndex.isin`` of, two key columns without building a MultiIndex (whose
    levels are sorted) for every table looked up in it. Missing values match missing values,
    as in a merge or a MultiIndex."""

    def __init__(self, first: pd.Series, second: pd.Series) -> None:
        self.firsts = pd.Index(first).unique()
        self.seconds = pd.Index(second).unique()
        keys = self._key(self.firsts.get_indexer(first), self.seconds.get_indexer(second))
        self.keys, self.rows = np.unique(keys, return_index=True)

    def _key(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a.astype(np.int64) * (len(self.seconds) + 1) + b

    def find(self, first: pd.Series, second: pd.Series) -> np.ndarray:
        """The row of the set's columns where each pair first occurs, or -1."""
        a = self.firsts.get_indexer(first)
        b = self.seconds.get_indexer(second)
        if not len(self.keys):
            return np.full(len(a), -1, dtype=np.intp)
        key = self._key(a, b)
        at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        hit = (a >= 0) & (b >= 0) & (self.keys[at] == key)
        return np.where(hit, self.rows[at], -1)

    def holds(self, first: pd.Series, second: pd.Series) -> np.ndarray:
        """Whether each row's pair is in the set."""
        return self.find(first, second) >= 0


def validate_relations(raws: Iterable[RawTable], log: IssueLog) -> None:
    """Cross-table checks: links to referrals, plans and children, and dates before them."""
    tables = {r.name: r for r in raws if r.typed is not None}
    for name, link, parent, date, parent_date, rule in RELATIONS:
        if name not in tables or parent not in tables:
            continue
        raw = tables[name]
        child = raw.typed
        parents = tables[parent].typed
        row = PairSet(parents["authority"], parents[link]).find(child["authority"], child[link])
        found = row >= 0
        unknown = child[link].notna() & pd.Series(~found, index=child.index)
        emit(
            log,
            raw,
            child,
            unknown,
            link,
            "unknown_reference",
            f"no {parent} record with this {link}",
            "warning",
        )
        # the date of the first parent record with the link (NaT where there is none)
        dates = parents[parent_date]
        taken = dates.iloc[np.where(found, row, 0)].to_numpy() if len(dates) else pd.NaT
        linked = pd.Series(taken, index=child.index, dtype=dates.dtype).where(found)
        before = child[date] < linked
        message = f"before the {parent_date.replace('_', ' ')} of its {parent} record"
        emit(log, raw, child, before, date, rule, message, "warning")

    if "children" in tables:
        known = PairSet(tables["children"].typed["authority"], tables["children"].typed["child_id"])
        for name, raw in tables.items():
            if name == "children" or "child_id" not in raw.typed:
                continue
            held = known.holds(raw.typed["authority"], raw.typed["child_id"])
            unknown = pd.Series(~held, index=raw.typed.index)
            unknown &= raw.typed["child_id"].notna()
            emit(
                log,
                raw,
                raw.typed,
                unknown,
                "child_id",
                "unknown_child",
                "child not in the children table",
                "warning",
            )


def check_dates_after(
    raws: Iterable[RawTable], cutoff: dt.date, rule: str, label: str, log: IssueLog
) -> None:
    """Warn about dates later than the return's end (``label`` names it for the message)."""
    limit = pd.Timestamp(cutoff)
    for raw in raws:
        if raw.typed is None:
            continue
        for col in TABLES[raw.name].date_columns:
            late = raw.typed[col] > limit
            emit(
                log,
                raw,
                raw.typed,
                late,
                col,
                rule,
                f"after {label} ({cutoff.isoformat()})",
                "warning",
            )


def build_dataset(raws: Iterable[RawTable], log: IssueLog, sources: list[Source]) -> DataSet:
    """Raise :class:`InputError` with every error, or return the tables with the warnings."""
    log.raise_if_errors()
    data = DataSet(issues=list(log.issues), sources=list(sources))
    for raw in raws:
        if raw.typed is not None:
            data.set(raw.name, raw.typed.drop(columns=[ROW]).reset_index(drop=True))
            data.absent.update((raw.authority, raw.name, c) for c in raw.absent)
    return data


def read_csv_text(path: str, log: IssueLog | None = None) -> pd.DataFrame:
    """A CSV read as text exactly as written: no NA guessing ("NA" is a value), blanks
    missing, BOM removed, any encoding warning in ``log`` (see
    :func:`safeguarding.validation.read_csv_text`)."""
    return _read_csv(path, blank_as_missing=True, log=log)


def read_csv_checked(path: Path, log: IssueLog, authority: str | None) -> pd.DataFrame | None:
    """:func:`read_csv_text`, its errors added to ``log`` (so that every file's problems are
    reported at once) and None returned when the file cannot be read."""
    try:
        return read_csv_text(str(path), log)
    except InputError as exc:
        log.extend(replace(i, authority=i.authority or authority) for i in exc.issues)
        return None


def files_by_name(
    folder: Path, suffix: str, log: IssueLog, authority: str | None
) -> dict[str, Path]:
    """A folder's ``suffix`` files by lower-case stem. Two names differing only in case
    (``Episodes.csv`` beside ``episodes.csv``) are an error: which one is the table cannot be
    decided, and reading either would silently drop the other."""
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() == suffix:
            found.setdefault(path.stem.lower(), []).append(path)
    for paths in found.values():
        for other in paths[1:]:
            log.error(
                str(other),
                "duplicate_file",
                f"differs only in case from {paths[0].name}: which one holds the table cannot "
                "be decided; remove one",
                authority=authority,
            )
    return {stem: paths[0] for stem, paths in found.items()}


def file_date(path: Path) -> str:
    """A file's own date (its modification time), where the input says nothing better."""
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return f"{stamp.date().isoformat()} (file date)"


def check_authority(raw: RawTable, authority: str, log: IssueLog) -> None:
    """Rows of another authority in a file loaded for ``authority`` are errors: they would
    put one council's children into another's report."""
    given = _text(raw.frame["authority"])
    other = given.notna() & (given != authority)
    emit(
        log,
        raw,
        raw.frame,
        other,
        "authority",
        "authority_mismatch",
        f"row belongs to another authority; this file is loaded for {authority}",
    )
    raw.frame["authority"] = given.fillna(authority)
