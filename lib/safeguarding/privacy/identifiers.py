"""The values to look for: one authority's child identifiers, dates of birth and postcodes.

They come from every input of the authority, read raw (:func:`identifiers_for`): each CSV as
the loaders decode it, each XML file and Excel workbook under its data folder, and the Annex
A workbooks the settings name wherever they are kept. Whatever the loaders make of the data,
these are the values that must not leak. An input that cannot be read is named, with why, in
:attr:`Identifiers.unread`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..validation import InputError, read_csv_text
from .dates import as_iso_date

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
                (value.strip() if type(value) is str else _clean(value)).upper() for value in values
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


# dates of birth repeat across tables and authorities (a few thousand distinct days)
_dob_iso = lru_cache(maxsize=1 << 16)(as_iso_date)


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
    # parsing a workbook is a large part of an authority's identifiers (0.05-0.4 s each, Annex
    # A's eleven lists): a workbook met again with the same bytes (a copy, a rebuild) is not
    # parsed again
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
    """A workbook's identifier values, read as the Annex A loader reads it
    (:func:`~safeguarding.loaders.workbook.read_workbook`)."""
    from ..loaders.workbook import read_workbook

    values: dict[str, list[object]] = {"id": [], "dob": [], "postcode": []}
    book = read_workbook(data)
    if book.error:
        why = f"not a readable Excel workbook ({book.error})"
        return {k: () for k in values}, (("", why),)
    unread: list[tuple[str, str]] = []
    for sheet in book.sheets:
        if sheet.error:
            unread.append((f" [{sheet.title}]", sheet.error))
        for kind, value in _sheet_values(sheet.rows):
            values[kind].append(value)
    return {k: tuple(v) for k, v in values.items()}, tuple(unread)


def _sheet_values(rows: Iterable[tuple]) -> Iterable[tuple[str, str | None]]:
    """(kind, value as the Annex A loader reads it) under the identifier headings of a
    sheet's rows."""
    from ..loaders.annex_a import cell_text, fold
    from ..loaders.workbook import EXCEL_ERRORS

    headings = _workbook_headings()
    columns: dict[int, str] = {}
    for number, row in enumerate(rows):
        if not columns:
            columns = {i: headings[fold(v)] for i, v in enumerate(row) if fold(v) in headings}
            if number >= 10 and not columns:
                return
            continue
        for index, kind in columns.items():
            value = row[index] if index < len(row) else None
            if value is not None and value not in EXCEL_ERRORS:  # a broken formula is no child
                yield kind, cell_text(value, "date" if kind == "dob" else "id")


@lru_cache(maxsize=1)
def _workbook_headings() -> dict[str, str]:
    """Folded heading -> kind of value, for :func:`_from_workbook`."""
    from ..loaders.annex_a import fold

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
