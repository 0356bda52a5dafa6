"""Scanning outputs for child-level data before anything is published.

No identifier, date of birth or postcode from the inputs may appear in an executed notebook,
HTML, PDF, Word document or log the batch writes. :class:`Scanner` holds one authority's
values as sets and checks a text in a single pass per kind of value (a regular expression
finds candidate tokens; set membership decides), so the cost grows with the text, not with
identifiers × text. A finding names the file and the cell, page or line, never the value.

What counts as a match (chosen to avoid false alarms without missing real leaks):

* **Identifiers** (``child_id``/``LAchildID``/``CHILD``, ``UPN``) match only as whole tokens
  (letters and digits, with internal ``-``, ``_``, ``/`` or ``.``, or one of their
  letter-and-digit parts), never inside a longer token. Identifiers too short to be told
  from ordinary numbers are not scanned: purely numeric ones shorter than
  :data:`MIN_NUMERIC_ID` digits (``1234`` would match page numbers, years and counts) and any
  shorter than :data:`MIN_ALNUM_ID` characters. How many were left out is reported.
* **Dates of birth** match written ``YYYY-MM-DD`` (also inside a timestamp) or
  ``dd/mm/YYYY``. Dates a report prints for its own reasons can coincide with some child's
  birthday, so the first and last days of months (period boundaries) and any dates given as
  ``allowed_dates`` (run date, meeting dates, extract dates) are not counted as dates of birth.
* **Postcodes**: any full UK postcode (upper case, ``AB1 2CD`` / ``AB12CD``), and the inputs'
  own (often partial, ``AB1 2``) ``HOME_POST``/``PL_POST`` values.

Chart glyphs drawn as SVG paths carry no characters and cannot be scanned; charts show
aggregate figures and their alt text and captions (output metadata) are scanned.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

MIN_NUMERIC_ID = 6
MIN_ALNUM_ID = 4

ID_COLUMNS = frozenset({"child_id", "CHILD", "LAchildID", "upn", "UPN", "FormerUPN", "former_upn"})
DOB_COLUMNS = frozenset({"dob", "DOB", "PersonBirthDate"})
POSTCODE_COLUMNS = frozenset({"HOME_POST", "PL_POST", "home_post", "pl_post", "postcode"})

_TOKEN = re.compile(r"[A-Z0-9]+(?:[-_/.][A-Z0-9]+)*")
_PART = re.compile(r"[A-Z0-9]+")
_ISO = re.compile(r"(?<![\d/-])(\d{4})-(\d{2})-(\d{2})(?![\d/-])")
_UK = re.compile(r"(?<![\d/-])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/-])")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
_PARTIAL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) (\d)(?:[A-Z]{2})?\b")
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


# --- the values to look for ----------------------------------------------------------------


@dataclass
class Identifiers:
    """One authority's child-level values, normalised for matching."""

    ids: set[str] = field(default_factory=set)
    dobs: set[str] = field(default_factory=set)  # ISO dates
    postcodes: set[str] = field(default_factory=set)  # "AB1 2CD" or partial "AB1 2"
    too_short: int = 0  # identifiers not scanned (see the module docstring)

    def add_ids(self, values: Iterable[object]) -> None:
        # hundreds of thousands of values per authority: text takes the short way through
        # _clean, and the set's own method is bound once
        add = self.ids.add
        for value in values:
            text = (value.strip() if type(value) is str else _clean(value)).upper()
            if not text:
                continue
            if _scannable_id(text):
                add(text)
            else:
                self.too_short += 1

    def add_dobs(self, values: Iterable[object]) -> None:
        for value in values:
            iso = _as_iso_date(_clean(value))
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
    match = _ISO.search(text) or None
    if match:
        y, m, d = match.groups()
    else:
        match = _UK.search(text)
        if not match:
            return None
        d, m, y = match.groups()
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _normal_postcode(text: str) -> str:
    compact = text.replace(" ", "")
    if len(compact) >= 5 and compact[-3].isdigit() and compact[-2:].isalpha():
        return f"{compact[:-3]} {compact[-3:]}"  # full: outward + inward
    if len(compact) >= 3 and compact[-1].isdigit() and " " in text:
        return f"{compact[:-1]} {compact[-1]}"  # partial "AB1 2"
    return text


def identifiers_from_frames(frames: Iterable[pd.DataFrame]) -> Identifiers:
    """Identifiers from any tables holding the known id, date-of-birth or postcode columns."""
    found = Identifiers()
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
    """Identifiers from every CSV and XML file under ``folder`` (one authority's inputs), read
    raw: whatever the loaders make of the data, these are the values that must not leak."""
    return _identifiers_from_folder(str(Path(folder).resolve()), _folder_stamp(Path(folder)))


def _folder_stamp(folder: Path) -> tuple:
    """Sizes and modification times: the cache key, so a changed input is read again."""
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            (str(p), p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")
            if p.is_file()
        )
    )


@lru_cache(maxsize=16)
def _identifiers_from_folder(folder: str, stamp: tuple) -> Identifiers:
    found = Identifiers()
    for path_text, _, _ in stamp:
        path = Path(path_text)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            found.update(_from_csv(path))
        elif suffix == ".xml":
            found.update(_from_xml(path))
    return found


def _from_csv(path: Path) -> Identifiers:
    wanted = ID_COLUMNS | DOB_COLUMNS | POSTCODE_COLUMNS
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            usecols=lambda c: c in wanted,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return Identifiers()  # unreadable: the loaders report it; nothing to collect here
    return identifiers_from_frames([frame])


def _xml_pattern(tags: frozenset[str]) -> re.Pattern[bytes]:
    names = "|".join(sorted(tags))
    return re.compile(rb"<(?:[\w.-]+:)?(" + names.encode() + rb")\b[^>]*>([^<]*)<")


_XML_VALUES = _xml_pattern(ID_COLUMNS | DOB_COLUMNS)


def _from_xml(path: Path) -> Identifiers:
    """Element text of the id and date-of-birth elements. A regular expression over the bytes
    is many times faster than parsing, and a CIN census file holds nothing that could make it
    match elsewhere (the tags are unique names)."""
    found = Identifiers()
    ids: set[bytes] = set()
    dobs: set[bytes] = set()
    for tag, value in _XML_VALUES.findall(path.read_bytes()):
        (ids if tag.decode() in ID_COLUMNS else dobs).add(value)
    found.add_ids(v.decode("utf-8", "replace") for v in ids)
    found.add_dobs(v.decode("utf-8", "replace") for v in dobs)
    return found


# --- scanning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Child-level data found in an output. It never carries the value itself."""

    file: str
    where: str  # "cell 7", "page 3", "line 120", "word/document.xml paragraph 40"
    kind: str
    count: int

    def __str__(self) -> str:
        plural = "s" if self.count != 1 else ""
        return f"{self.file}, {self.where}: {self.count} {self.kind}{plural} from the inputs"


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

    def __init__(self, identifiers: Identifiers, allowed_dates: Iterable[str] = ()):
        self.identifiers = identifiers
        allowed = _BOUNDARIES | {d for d in (_as_iso_date(str(a)) for a in allowed_dates) if d}
        self.dobs = identifiers.dobs - allowed

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
            dates = {f"{y}-{m}-{d}" for y, m, d in _ISO.findall(text)}
            dates.update(_uk_iso(d, m, y) for d, m, y in _UK.findall(text))
            hits = len(dates & self.dobs)
            if hits:
                found[KIND_DOB] = hits
        postcodes = {f"{a} {b}" for a, b in _POSTCODE.findall(text)}
        if self.identifiers.postcodes:
            postcodes.update(
                f"{a} {b}"
                for a, b in _PARTIAL_POSTCODE.findall(text)
                if f"{a} {b}" in self.identifiers.postcodes
            )
            partial = {p for p in postcodes if len(p.split(" ")[1]) == 1}
            postcodes = (postcodes - partial) | (partial & self.identifiers.postcodes)
        if postcodes:
            found[KIND_POSTCODE] = len(postcodes)
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

        text = re.sub(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*", token, text)
        text = _ISO.sub(
            lambda m: "[redacted]" if "-".join(m.groups()) in self.dobs else m.group(0), text
        )
        text = _UK.sub(
            lambda m: "[redacted]" if _uk_iso(*m.groups()) in self.dobs else m.group(0), text
        )
        return _POSTCODE.sub("[redacted]", text)

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
                if not member.endswith(".xml"):
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


def _uk_iso(d: str, m: str, y: str) -> str:
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return ""


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


def _docx_text(xml: str) -> str:
    """Paragraph text of a Word XML part: runs joined, one line per paragraph."""
    xml = re.sub(r"</w:p>|<w:br/>|<w:tab/>|</w:tc>", "\n", xml)
    text = re.sub(r"<[^>]+>", "", xml)
    return (
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
    )
