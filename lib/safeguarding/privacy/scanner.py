"""Scanning outputs for child-level data: one authority's values in a text or a file.

:class:`Scanner` holds one authority's values (:class:`~.identifiers.Identifiers`) as sets
and checks a text in a single pass per kind of value (a regular expression finds candidate
tokens; set membership decides), so the cost grows with the text, not with identifiers ×
text. A finding names the file and the cell, page or line, never the value. What counts as a
match is in the package's docstring (:mod:`safeguarding.privacy`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .dates import MONTH_BOUNDARIES, as_iso_date, clear_before, date_matches, dates_in
from .identifiers import Identifiers

_TOKEN = re.compile(r"[A-Z0-9]+(?:[-_/.][A-Z0-9]+)*")
_PART = re.compile(r"[A-Z0-9]+")
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


class Scanner:
    """Checks texts and files for one authority's child-level values."""

    def __init__(
        self,
        identifiers: Identifiers,
        allowed_dates: Iterable[str] = (),
        paths: Iterable[str] = (),
    ):
        self.identifiers = identifiers
        allowed = MONTH_BOUNDARIES | {d for d in (as_iso_date(str(a)) for a in allowed_dates) if d}
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
            if not clear_before(text, m.start(), "#"):
                continue  # a colour: #e4e6ea
            code = f"{m[1]}{m[2]} {m[4]}".upper()
            capitals = m[0].isupper() and m[3] in ("", " ")
            area = m[1].upper() in POSTCODE_AREAS and _INWARD_LETTERS.fullmatch(m[4].upper())
            if capitals or area or code in known:
                found.append((m.start(), m.end(), code))
        if known:
            for m in _PARTIAL_POSTCODE.finditer(text):
                code = f"{m[1]} {m[2]}".upper()
                if code in known and clear_before(text, m.start(), "#"):
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
