"""Scanning outputs for child-level data before anything is published.

No identifier, date of birth or postcode from the inputs may appear in an executed notebook,
HTML, PDF, Word document or log the batch writes. :class:`Scanner` holds one authority's
values as sets and checks a text in a single pass per kind of value (a regular expression
finds candidate tokens; set membership decides), so the cost grows with the text, not with
identifiers × text. A finding names the file and the cell, page or line, never the value.

What counts as a match (chosen to avoid false alarms without missing real leaks):

* **Identifiers** (``child_id``/``LAchildID``/``CHILD``/``CHILDID``, ``UPN``, Annex A's
  ``Child Unique ID``) match only as whole tokens
  (letters and digits, with internal ``-``, ``_``, ``/`` or ``.``, or one of their
  letter-and-digit parts), never inside a longer token. Identifiers too short to be told
  from ordinary numbers are not scanned: purely numeric ones shorter than
  :data:`MIN_NUMERIC_ID` digits (``1234`` would match page numbers, years and counts) and any
  shorter than :data:`MIN_ALNUM_ID` characters. How many were left out is reported.
* **Dates of birth** match every way people write a date: ``2007-12-13`` (also inside a
  timestamp), ``13/12/2007``, ``13.12.2007``, ``13-12-07`` and ``13/12/07`` (a two-digit year
  is read as both 19yy and 20yy), ``13 December 2007``, ``13th Dec 2007``, ``13-Dec-2007``,
  ``December 13, 2007``, in any case (a month's name needs a four-digit year: ``Jan 23`` and
  ``Apr 23`` are a chart's axis labels). Dates a report prints for its own reasons can coincide
  with some child's birthday, so the first and last days of months (period boundaries) and
  any dates given as ``allowed_dates`` (run date, meeting dates, extract dates) are not
  counted as dates of birth. Dotted dates need a four-digit year (``3.11.10`` is a version).
* **Postcodes**: the inputs' own values (``HOME_POST``/``PL_POST``, the canonical
  ``home_postcode``/``placement_postcode``; full, or partial ``AB1 2``) in any case and
  spacing (``eg19 7tt``, ``EG197TT``, ``EG19  7TT``); any other full UK postcode written in
  capitals (``AB1 2CD`` / ``AB12CD``), or in any case when its area is a real postcode area
  and its inward part is well formed (so ``NI65 3rd`` or ``Q2 2nd`` are not postcodes).

Chart glyphs drawn as SVG paths carry no characters and cannot be scanned; charts show
aggregate figures and their alt text and captions (output metadata) are scanned.

The values come from every input of the authority, read raw (:func:`identifiers_for`): each
CSV as the loaders decode it, each XML file and Excel workbook under its data folder, and the
Annex A workbooks the settings name wherever they are kept.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import json
import pickle
import re
import shutil
import subprocess
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .validation import InputError, read_csv_text

MIN_NUMERIC_ID = 6
MIN_ALNUM_ID = 4

# CHILDID: the SSDA903 XML export's (its CHILD is the block holding a child's records)
ID_COLUMNS = frozenset(
    {"child_id", "CHILD", "CHILDID", "LAchildID", "upn", "UPN", "FormerUPN", "former_upn"}
)
# a child's own child's date of birth (SSDA903 MC_DOB), an unborn child's expected date and a
# child's date of death identify as a date of birth does
DOB_COLUMNS = frozenset(
    {"dob", "DOB", "PersonBirthDate", "MC_DOB", "ExpectedPersonBirthDate", "PersonDeathDate"}
)
POSTCODE_COLUMNS = frozenset(
    {
        "HOME_POST",
        "PL_POST",
        "home_post",
        "pl_post",
        "postcode",
        "home_postcode",
        "placement_postcode",
    }
)

_WANTED = ID_COLUMNS | DOB_COLUMNS | POSTCODE_COLUMNS
# the headings Ofsted's Annex A gives a child's identifier and date of birth
WORKBOOK_ID_HEADINGS = frozenset({"Child Unique ID"})
WORKBOOK_DOB_HEADINGS = frozenset({"Date of Birth"})

_TOKEN = re.compile(r"[A-Z0-9]+(?:[-_/.][A-Z0-9]+)*")
_PART = re.compile(r"[A-Z0-9]+")
# What may not come just before a match is checked in Python (_clear_before): a pattern that
# starts with a lookbehind is tried at every character, one that starts with a digit is not.
_ISO = re.compile(r"(\d{4})([-/.])(\d{2})\2(\d{2})(?![\d/-]|\.\d)")
# day, month, year with one separator used twice: 13/12/2007, 13.12.2007, 13-12-07
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)")
_MONTH_NAMES = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# four digits: "Jan 23 Apr 23" is a chart's axis, not the 23rd of April
_YEAR = r"(\d{4})(?![\d/-]|\.\d)"
# 13 December 2007, 13th Dec 2007, 13-Dec-2007, 13 of December 2007
_DAY_MONTH = re.compile(rf"{_DAY}(?:\s+of)?[\s-]+({_MONTH_NAMES})\.?,?[\s-]+{_YEAR}", re.IGNORECASE)
# December 13, 2007 and Dec 13th 2007
_MONTH_DAY = re.compile(rf"\b(?=[adfjmnos])({_MONTH_NAMES})\.?\s+{_DAY},?\s+{_YEAR}", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# any case and spacing; a hit if in capitals with at most one space (AB1 2CD / AB12CD, the
# long-standing rule), or its area is a postcode area, or it is one of the inputs' own
_ANY_POSTCODE = re.compile(
    r"\b(?=[A-Z]{1,2}\d)([A-Z]{1,2})(\d[A-Z\d]?)(\s*)(\d[A-Z]{2})\b", re.IGNORECASE
)
_PARTIAL_POSTCODE = re.compile(
    r"\b([A-Z]{1,2}\d[A-Z\d]?)\s+(\d)(?:[A-Z]{2})?\b", re.IGNORECASE
)  # fmt: skip
# The postcode areas of the UK and the Crown dependencies (Royal Mail): a lower-case
# candidate outside them is ordinary text.
POSTCODE_AREAS = frozenset(
    (
        "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB",
        "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL",
        "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "HA", "HD",
        "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IP", "IV", "KA", "KT", "KW", "KY", "L",
        "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN",
        "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM",
        "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW",
        "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD",
        "WF", "WN", "WR", "WS", "WV", "YO", "ZE", "GY", "JE", "IM",
    )
)  # fmt: skip
_INWARD_LETTERS = re.compile(r"\d[ABD-HJLNP-UW-Z]{2}")  # never C, I, K, M, O or V
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
# SVG geometry: coordinates only, and most of a chart's bytes; skipping it keeps scans fast.
_SVG_GEOMETRY = re.compile(
    r"\s(?:d|points|transform|x|y|x1|x2|y1|y2|cx|cy|r|width|height|viewBox|style|clip-path)"
    r'="[^"]*"'
)
_BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "application/pdf")
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")

KIND_ID = "child identifier"
KIND_DOB = "date of birth"
KIND_POSTCODE = "postcode"
KIND_PATH = "path of this machine"
_PLURALS = {KIND_DOB: "dates of birth"}


# --- the values to look for ----------------------------------------------------------------


@dataclass(frozen=True)
class PackedIdentifiers:
    """:class:`Identifiers` as one compressed pickle, for holding many of them: a national
    batch keeps every authority's from preparing until its reports run (about 3 MB each as
    Python sets, a tenth of that packed). Only this process's own packing is ever unpacked."""

    data: bytes

    def unpack(self) -> Identifiers:
        return pickle.loads(zlib.decompress(self.data))  # noqa: S301 - packed by pack() here


@dataclass
class Identifiers:
    """One authority's child-level values, normalised for matching."""

    ids: set[str] = field(default_factory=set)
    dobs: set[str] = field(default_factory=set)  # ISO dates
    postcodes: set[str] = field(default_factory=set)  # "AB1 2CD" or partial "AB1 2"
    too_short: int = 0  # identifiers not scanned (see the module docstring)
    # input files whose values could not be read, with why: their children are not known
    unread: list[tuple[str, str]] = field(default_factory=list)

    def pack(self) -> PackedIdentifiers:
        """These identifiers as a :class:`PackedIdentifiers`."""
        return PackedIdentifiers(zlib.compress(pickle.dumps(self, protocol=5), 1))

    def add_ids(self, values: Iterable[object]) -> None:
        # hundreds of thousands of values per authority, most of them a child_id already
        # collected from another table: a column of plain text is trimmed and upper-cased by
        # C-level maps, and a text already held is scannable (only those are held)
        values = values if isinstance(values, list) else list(values)
        if set(map(type, values)) <= {str}:
            texts = map(str.upper, map(str.strip, values))
        else:
            texts = (
                (value.strip() if type(value) is str else _clean(value)).upper()
                for value in values
            )
        ids = self.ids
        add = ids.add
        for text in texts:
            if not text or text in ids:
                continue
            if _scannable_id(text):
                add(text)
            else:
                self.too_short += 1

    def add_dobs(self, values: Iterable[object]) -> None:
        for value in values:
            iso = _dob_iso(_clean(value))
            if iso:
                self.dobs.add(iso)

    def add_postcodes(self, values: Iterable[object]) -> None:
        for value in values:
            text = " ".join(_clean(value).upper().split())
            if len(text.replace(" ", "")) >= 4:
                self.postcodes.add(_normal_postcode(text))

    def update(self, other: Identifiers) -> None:
        self.ids |= other.ids
        self.dobs |= other.dobs
        self.postcodes |= other.postcodes
        self.too_short += other.too_short
        self.unread += other.unread

    def __len__(self) -> int:
        return len(self.ids) + len(self.dobs) + len(self.postcodes)


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _scannable_id(text: str) -> bool:
    if text.isdigit():
        return len(text) >= MIN_NUMERIC_ID
    return len(text) >= MIN_ALNUM_ID and any(map(str.isdigit, text))


def _as_iso_date(text: str) -> str | None:
    """An input's date of birth (ISO, or day/month/year with a four-digit year) as ISO."""
    return next((dates[0] for _, _, dates in date_matches(text) if len(dates) == 1), None)


# dates of birth repeat across tables and authorities (a few thousand distinct days)
_dob_iso = lru_cache(maxsize=1 << 16)(_as_iso_date)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _years(text: str) -> tuple[int, ...]:
    """A written year: ``2007``, or ``07`` read both ways (1907 and 2007)."""
    year = int(text)
    return (year,) if len(text) == 4 else (1900 + year, 2000 + year)


def _candidates(years: tuple[int, ...], month: int, day: int) -> tuple[str, ...]:
    return tuple(d for d in (_iso(y, month, day) for y in years) if d)


def date_matches(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Every written date in ``text``: ``(start, end, ISO dates it may mean)``."""
    found = []
    for m in _ISO.finditer(text):
        if _clear_before(text, m.start(), "/.-", digits=True):
            found.append((m.start(), m.end(), _candidates((int(m[1]),), int(m[3]), int(m[4]))))
    for m in _DMY.finditer(text):
        if m[2] == "." and len(m[4]) == 2:
            continue  # 3.11.10 is a version number, not a date
        if _clear_before(text, m.start(), "/.-", digits=True):
            found.append((m.start(), m.end(), _candidates(_years(m[4]), int(m[3]), int(m[1]))))
    for m in _DAY_MONTH.finditer(text):
        if _clear_before(text, m.start(), "/.-_", digits=True, letters=True):
            month = _MONTHS[m[2][:3].lower()]
            found.append((m.start(), m.end(), _candidates(_years(m[3]), month, int(m[1]))))
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS[m[1][:3].lower()]
        found.append((m.start(), m.end(), _candidates(_years(m[3]), month, int(m[2]))))
    return [f for f in found if f[2]]


def _clear_before(
    text: str, start: int, symbols: str, digits: bool = False, letters: bool = False
) -> bool:
    """Whether the character before ``start`` is none of ``symbols`` (digits, letters)."""
    if start == 0:
        return True
    before = text[start - 1]
    if before in symbols or (digits and before.isdigit()):
        return False
    return not (letters and before.isalpha())


def dates_in(text: str) -> set[str]:
    """The ISO dates ``text`` writes, in any of the forms :func:`date_matches` knows."""
    return {iso for _, _, dates in date_matches(text) for iso in dates}


def _normal_postcode(text: str) -> str:
    compact = text.replace(" ", "")
    if len(compact) >= 5 and compact[-3].isdigit() and compact[-2:].isalpha():
        return f"{compact[:-3]} {compact[-3:]}"  # full: outward + inward
    if len(compact) >= 3 and compact[-1].isdigit() and " " in text:
        return f"{compact[:-1]} {compact[-1]}"  # partial "AB1 2"
    return text


def identifiers_from_frames(
    frames: Iterable[pd.DataFrame], found: Identifiers | None = None
) -> Identifiers:
    """Identifiers from any tables holding the known id, date-of-birth or postcode columns
    (added to ``found`` when given)."""
    found = Identifiers() if found is None else found
    for frame in frames:
        for column in frame.columns:
            if column in ID_COLUMNS:
                found.add_ids(_distinct(frame[column]))
            elif column in DOB_COLUMNS:
                found.add_dobs(_distinct(frame[column]))
            elif column in POSTCODE_COLUMNS:
                found.add_postcodes(_distinct(frame[column]))
    return found


def _distinct(column: pd.Series) -> list[object]:
    """A column's distinct values as plain Python objects (iterating a pandas string array
    element by element costs many times more)."""
    return np.asarray(column.dropna().unique(), dtype=object).tolist()


def identifiers_from_dataset(data: object) -> Identifiers:
    """Identifiers from a :class:`~safeguarding.dataset.DataSet`'s tables."""
    return identifiers_from_frames(getattr(data, "tables", {}).values())


def identifiers_from_folder(folder: str | Path) -> Identifiers:
    """Identifiers from every CSV, XML and Excel file under ``folder`` (one authority's
    inputs), read raw: whatever the loaders make of the data, these are the values that must
    not leak."""
    return identifiers_from_inputs(folder)


def identifiers_from_inputs(folder: str | Path, files: Iterable[str | Path] = ()) -> Identifiers:
    """:func:`identifiers_from_folder`, and those of input ``files`` kept elsewhere (the
    authority's Annex A workbooks, which ``annex_a:`` in settings names by path)."""
    stamp = _folder_stamp(Path(folder)) + tuple(
        sorted(_file_stamp(Path(p)) for p in files if Path(p).is_file())
    )
    return _identifiers_from_files(stamp)


def identifiers_for(
    project: Any, authority: str, data_dir: str | Path | None = None
) -> Identifiers:
    """An authority's identifiers as the batch reads its inputs: its data folder (under
    ``data_dir``, else the project's) and its Annex A workbooks."""
    settings = project.settings
    folder = Path(data_dir or settings.data_dir) / authority
    return identifiers_from_inputs(folder, settings.annex_a_files(authority))


def _file_stamp(path: Path) -> tuple[str, int, int]:
    status = path.stat()
    return str(path.resolve()), status.st_size, status.st_mtime_ns


def _folder_stamp(folder: Path) -> tuple:
    """Sizes and modification times: the cache key, so a changed input is read again."""
    if not folder.is_dir():
        return ()
    return tuple(sorted(_file_stamp(p) for p in folder.rglob("*") if p.is_file()))


@lru_cache(maxsize=16)
def _identifiers_from_files(stamp: tuple) -> Identifiers:
    # one collection for every file: a child_id met in an earlier table is not looked at again
    found = Identifiers()
    for path_text, _, _ in dict.fromkeys(stamp):
        path = Path(path_text)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            _from_csv(path, found)
        elif suffix == ".xml":
            _from_xml(path, found)
        elif suffix in (".xlsx", ".xlsm"):
            _from_workbook(path, found)
    return found


def _from_csv(path: Path, found: Identifiers) -> None:
    """As the loaders read a CSV (:func:`~safeguarding.validation.read_csv_text`: UTF-8,
    UTF-16 with its mark or Windows-1252, header names trimmed, a ragged or binary file
    refused rather than its columns shifted), the refusal named in ``found.unread``."""
    try:
        frame = read_csv_text(path, columns=_WANTED)
    except InputError as exc:
        first = exc.issues[0] if exc.issues else None
        if first is None or first.rule != "empty_file":  # an empty file holds no child
            where = f"row {first.row}: " if first is not None and first.row else ""
            found.unread.append((str(path), where + (first.message if first else "unreadable")))
        return
    identifiers_from_frames([frame], found)


def _input_bytes(path: Path, found: Identifiers) -> bytes | None:
    """An input file's bytes, or None with the reason named in ``found.unread``."""
    try:
        return path.read_bytes()
    except OSError as exc:
        found.unread.append((str(path), f"not readable: {exc.strerror or type(exc).__name__}"))
        return None


def _from_workbook(path: Path, found: Identifiers) -> None:
    """Every value under an identifier or date-of-birth heading (Annex A's, or a return's
    column name) in any sheet, its headings found in its first ten rows as the Annex A
    loader finds them. An unreadable workbook or sheet (a password-protected one) is named
    in ``found.unread``."""
    data = _input_bytes(path, found)
    if data is None:
        return
    # parsing a workbook is most of an authority's identifiers (~0.3 s each, Annex A's eleven
    # lists): a workbook met again with the same bytes (a copy, a rebuild) is not parsed again
    values, unread = _workbook_values(hashlib.sha256(data).hexdigest(), data)
    found.add_ids(v for v in values["id"] if v is not None)
    found.add_dobs(values["dob"])
    found.add_postcodes(values["postcode"])
    found.unread += [(f"{path}{where}", why) for where, why in unread]


# a workbook's values by kind, and what could not be read in it: (where, why) pairs
WorkbookValues = tuple[dict[str, tuple[object, ...]], tuple[tuple[str, str], ...]]
# by the digest of its bytes (a few dozen kept: ~0.1 MB of values each)
_WORKBOOKS: dict[str, WorkbookValues] = {}
WORKBOOKS_KEPT = 32


def _workbook_values(digest: str, data: bytes) -> WorkbookValues:
    """The identifier values of a workbook's bytes by kind, and what could not be read (a
    sheet's name, why), remembered by ``digest``."""
    found = _WORKBOOKS.get(digest)
    if found is None:
        found = _parse_workbook(data)
        if len(_WORKBOOKS) >= WORKBOOKS_KEPT:
            del _WORKBOOKS[next(iter(_WORKBOOKS))]
        _WORKBOOKS[digest] = found
    return found


def _parse_workbook(data: bytes) -> WorkbookValues:
    import openpyxl

    values: dict[str, list[object]] = {"id": [], "dob": [], "postcode": []}
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises zipfile, KeyError and its own
        why = f"not a readable Excel workbook ({type(exc).__name__})"
        return {k: () for k in values}, (("", why),)
    unread: list[tuple[str, str]] = []
    try:
        for sheet in book.worksheets:
            try:
                for kind, value in _sheet_values(sheet.iter_rows(values_only=True)):
                    values[kind].append(value)
            except Exception as exc:  # noqa: BLE001 - a damaged sheet, in openpyxl's words
                unread.append((f" [{sheet.title}]", type(exc).__name__))
    finally:
        book.close()
    return {k: tuple(v) for k, v in values.items()}, tuple(unread)


def _sheet_values(rows: Iterable[tuple]) -> Iterable[tuple[str, str | None]]:
    """(kind, value as the Annex A loader reads it) under the identifier headings of a
    sheet's rows."""
    from .loaders.annex_a import cell_text, fold

    headings = _workbook_headings()
    columns: dict[int, str] = {}
    for number, row in enumerate(rows):
        if not columns:
            columns = {i: headings[fold(v)] for i, v in enumerate(row) if fold(v) in headings}
            if number >= 10 and not columns:
                return
            continue
        for index, kind in columns.items():
            if index < len(row) and row[index] is not None:
                yield kind, cell_text(row[index], "date" if kind == "dob" else "id")


@lru_cache(maxsize=1)
def _workbook_headings() -> dict[str, str]:
    """Folded heading -> kind of value, for :func:`_from_workbook`."""
    from .loaders.annex_a import fold

    kinds = (
        (ID_COLUMNS | WORKBOOK_ID_HEADINGS, "id"),
        (DOB_COLUMNS | WORKBOOK_DOB_HEADINGS, "dob"),
        (POSTCODE_COLUMNS, "postcode"),
    )
    return {fold(name): kind for names, kind in kinds for name in names}


def _xml_pattern(tags: frozenset[str]) -> re.Pattern[bytes]:
    names = "|".join(sorted(tags))
    return re.compile(rb"<(?:[\w.-]+:)?(" + names.encode() + rb")\b[^>]*>([^<]*)<")


_XML_VALUES = _xml_pattern(ID_COLUMNS | DOB_COLUMNS | POSTCODE_COLUMNS)


def _from_xml(path: Path, found: Identifiers) -> None:
    """Element text of the id, date-of-birth and postcode elements. A regular expression over
    the bytes is many times faster than parsing, and a CIN census or SSDA903 file holds nothing
    that could make it match elsewhere (the tags are unique names). A UTF-16 file (with its
    byte-order mark, as the XML loaders read it) is made UTF-8 first."""
    data = _input_bytes(path, found)
    if data is None:
        return
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", "replace").encode("utf-8")
    values: dict[str, set[bytes]] = {"id": set(), "dob": set(), "postcode": set()}
    for tag, value in _XML_VALUES.findall(data):
        name = tag.decode()
        kind = "id" if name in ID_COLUMNS else "dob" if name in DOB_COLUMNS else "postcode"
        values[kind].add(value)
    found.add_ids(v.decode("utf-8", "replace") for v in values["id"])
    found.add_dobs(v.decode("utf-8", "replace") for v in values["dob"])
    found.add_postcodes(v.decode("utf-8", "replace") for v in values["postcode"])


# --- scanning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Child-level data found in an output. It never carries the value itself."""

    file: str
    where: str  # "cell 7", "page 3", "line 120", "word/document.xml paragraph 40"
    kind: str
    count: int

    def __str__(self) -> str:
        if self.kind == KIND_PATH:
            return f"{self.file}, {self.where}: {self.count} {self.kind} (a folder name)"
        kind = self.kind if self.count == 1 else _PLURALS.get(self.kind, self.kind + "s")
        return f"{self.file}, {self.where}: {self.count} {kind} from the inputs"


def month_boundaries(first_year: int = 1990, last_year: int = 2060) -> set[str]:
    """First and last days of every month: period boundaries every report prints."""
    days = set()
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            days.add(dt.date(year, month, 1).isoformat())
            last = calendar.monthrange(year, month)[1]
            days.add(dt.date(year, month, last).isoformat())
    return days


_BOUNDARIES = month_boundaries()


class Scanner:
    """Checks texts and files for one authority's child-level values."""

    def __init__(
        self,
        identifiers: Identifiers,
        allowed_dates: Iterable[str] = (),
        paths: Iterable[str] = (),
    ):
        self.identifiers = identifiers
        allowed = _BOUNDARIES | {d for d in (_as_iso_date(str(a)) for a in allowed_dates) if d}
        self.dobs = identifiers.dobs - allowed
        # folders of this machine (the project, the data): no published file names them
        self.paths = tuple(p for p in paths if p)

    # texts
    def scan_text(self, text: str) -> Counter[str]:
        """Counts of each kind of value found in ``text`` (distinct values)."""
        found: Counter[str] = Counter()
        if not text:
            return found
        upper = text.upper()
        if self.identifiers.ids:
            tokens = set(_TOKEN.findall(upper))
            tokens.update(_PART.findall(upper))
            hits = len(tokens & self.identifiers.ids)
            if hits:
                found[KIND_ID] = hits
        if self.dobs:
            hits = len(dates_in(text) & self.dobs)
            if hits:
                found[KIND_DOB] = hits
        postcodes = {code for _, _, code in self._postcode_matches(text)}
        if postcodes:
            found[KIND_POSTCODE] = len(postcodes)
        paths = sum(1 for p in self.paths if p in text)
        if paths:
            found[KIND_PATH] = paths
        return found

    def _postcode_matches(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, normalised postcode)`` of every postcode in ``text``: the inputs'
        own in any case and spacing, others by the rules in the module docstring."""
        known = self.identifiers.postcodes
        found = []
        for m in _ANY_POSTCODE.finditer(text):
            if not _clear_before(text, m.start(), "#"):
                continue  # a colour: #e4e6ea
            code = f"{m[1]}{m[2]} {m[4]}".upper()
            capitals = m[0].isupper() and m[3] in ("", " ")
            area = m[1].upper() in POSTCODE_AREAS and _INWARD_LETTERS.fullmatch(m[4].upper())
            if capitals or area or code in known:
                found.append((m.start(), m.end(), code))
        if known:
            for m in _PARTIAL_POSTCODE.finditer(text):
                code = f"{m[1]} {m[2]}".upper()
                if code in known and _clear_before(text, m.start(), "#"):
                    found.append((m.start(), m.end(), code))
        return found

    def redact(self, text: str) -> str:
        """``text`` with any identifier, date of birth or postcode replaced by ``[redacted]``
        (for messages and logs, which may quote input values)."""
        if not self.scan_text(text):
            return text

        def token(match: re.Match) -> str:
            value = match.group(0)
            if value.upper() in self.identifiers.ids:
                return "[redacted]"
            return _PART.sub(
                lambda m: (
                    "[redacted]" if m.group(0).upper() in self.identifiers.ids else m.group(0)
                ),
                value,
            )

        spans = [(a, b) for a, b, dates in date_matches(text) if set(dates) & self.dobs]
        spans += [(a, b) for a, b, _ in self._postcode_matches(text)]
        for start, end in _merged(spans)[::-1]:
            text = text[:start] + "[redacted]" + text[end:]
        return re.sub(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*", token, text)

    def _findings(self, file: str, where: str, text: str) -> list[Finding]:
        return [Finding(file, where, kind, n) for kind, n in sorted(self.scan_text(text).items())]

    # files
    def scan_file(self, path: str | Path, name: str | None = None) -> list[Finding]:
        """Scan one output file by its kind (``.ipynb``, ``.html``, ``.pdf``, ``.docx``, text)."""
        path = Path(path)
        name = name or path.name
        suffix = path.suffix.lower()
        if suffix == ".ipynb":
            return self.scan_notebook(path, name)
        if suffix == ".pdf":
            return self.scan_pdf(path, name)
        if suffix == ".docx":
            return self.scan_docx(path, name)
        if suffix in _BINARY_SUFFIXES:  # pixels, as the notebooks' image outputs are
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
        if suffix in (".html", ".htm", ".svg"):
            text = _SVG_GEOMETRY.sub(" ", _DATA_URI.sub(" ", text))
        return self._by_line(name, text)

    def _by_line(self, name: str, text: str) -> list[Finding]:
        if not self.scan_text(text):
            return []
        findings = []
        for number, line in enumerate(text.splitlines(), start=1):
            findings.extend(self._findings(name, f"line {number}", line))
        return findings or self._findings(name, "text", text)

    def scan_notebook(self, path: str | Path, name: str | None = None) -> list[Finding]:
        # plain JSON: nbformat's schema validation costs more than the scan itself
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        name = name or Path(path).name
        findings = self._findings(name, "notebook metadata", _flatten(nb.get("metadata", {})))
        for index, cell in enumerate(nb.get("cells", []), start=1):
            where = f"cell {index}" + (f" (id {cell['id']})" if cell.get("id") else "")
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            findings.extend(self._findings(name, f"{where} source", source))
            text = "\n".join(_output_text(o) for o in cell.get("outputs", []))
            findings.extend(self._findings(name, f"{where} outputs", text))
        return findings

    def scan_pdf(self, path: str | Path, name: str | None = None) -> list[Finding]:
        name = name or Path(path).name
        pages = _pdftotext_pages(Path(path))
        if pages is not None:
            return [
                f
                for number, text in enumerate(pages, start=1)
                for f in self._findings(name, f"page {number}", text)
            ]
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        findings = self._findings(name, "document information", _flatten(reader.metadata or {}))
        for number, page in enumerate(reader.pages, start=1):
            findings.extend(self._findings(name, f"page {number}", page.extract_text() or ""))
        return findings

    def scan_docx(self, path: str | Path, name: str | None = None) -> list[Finding]:
        name = name or Path(path).name
        findings = []
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith((".xml", ".rels")):
                    continue
                xml = archive.read(member).decode("utf-8", errors="replace")
                findings.extend(self._findings(name, member, _docx_text(xml)))
        return findings

    def scan_folder(
        self, folder: str | Path, relative_to: str | Path | None = None
    ) -> list[Finding]:
        """Every file under ``folder``; files are named relative to ``relative_to``."""
        folder = Path(folder)
        base = Path(relative_to) if relative_to else folder
        findings = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            findings.extend(self.scan_file(path, path.relative_to(base).as_posix()))
        return findings


def _pdftotext_pages(path: Path) -> list[str] | None:
    """Page texts by poppler's ``pdftotext`` (about 50 times faster than pypdf on pages full
    of vector charts), or None where it is not installed (pypdf is used instead)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-q", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=120,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping ``(start, end)`` spans joined, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _output_text(output: dict) -> str:
    """The scannable text of one notebook output (binary images are pixels: skipped)."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else text
    if kind == "error":
        return "\n".join(
            [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
        )
    parts = []
    for mime, value in (output.get("data") or {}).items():
        if mime in _BINARY_MIME:
            continue
        if mime == "image/svg+xml" and isinstance(value, str):
            value = _SVG_GEOMETRY.sub(" ", value)
        elif mime == "text/markdown" and isinstance(value, str):
            value = _DATA_URI.sub(" ", value)  # commentary images: pixels, not text
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)  # multi-line strings are stored as lists of lines
        parts.append(value if isinstance(value, str) else _flatten(value))
    parts.append(_flatten(output.get("metadata") or {}))
    return "\n".join(parts)


def _flatten(value: object) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k}\n{_flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "\n".join(_flatten(v) for v in value)
    return "" if value is None else str(value)


# text Word keeps in attributes: a picture's description and title; a link's address (an
# external relationship's target). Other attributes are sizes, ids and codes, not text.
_DOCX_ATTRIBUTE_TEXT = re.compile(r'\s(?:descr|title)="([^"]*)"')
_EXTERNAL_TARGET = re.compile(
    r'<Relationship\b(?=[^>]*TargetMode="External")[^>]*\sTarget="([^"]*)"'
)


def _docx_text(xml: str) -> str:
    """The text of a Word package's XML part: runs joined, one line per paragraph, then
    the text its attributes hold, a line each."""
    attributes = [*_DOCX_ATTRIBUTE_TEXT.findall(xml), *_EXTERNAL_TARGET.findall(xml)]
    xml = re.sub(r"</w:p>|<w:br/>|<w:tab/>|</w:tc>", "\n", xml)
    text = "\n".join([re.sub(r"<[^>]+>", "", xml), *attributes])
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
