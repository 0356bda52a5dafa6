"""Data-quality findings: what is wrong with an input, where, and by which rule.

Every loader reports problems as :class:`Issue` records that name the file, the row (or the
XML path), the column, the offending value and the rule broken. Errors stop that
authority's load (:class:`InputError`); warnings travel with the data into the reports'
data-quality note.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from .exceptions import InputError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding about one input value."""

    severity: Severity
    file: str
    rule: str
    message: str
    row: int | str | None = None  # 1-based data row for CSV (header is row 1), XML path for XML
    column: str | None = None
    value: str | None = None
    authority: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}" if isinstance(self.row, int) else str(self.row))
        if self.column:
            where.append(f"column {self.column}")
        value = f" value {self.value!r}:" if self.value is not None else ""
        return f"{self.severity}: {', '.join(where)}:{value} {self.message} [rule: {self.rule}]"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def error_at(
        cls,
        file: str,
        rule: str,
        message: str,
        row: int | str | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> Issue:
        """An error about one value of an input (any value, shown as text; ``None``: none)."""
        shown = None if value is None else str(value)
        return cls("error", file, rule, message, row=row, column=column, value=shown)


# libyaml's loader when PyYAML was built with it (its wheels are): the pure-Python one takes
# 1.5 s over a national authorities.yaml and 0.35 s over the catalogue, in every process
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's loader where there is one (the same documents: plain
    data only, no Python objects)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506  (a safe loader)


# Byte-order marks and what they say about a file's encoding.
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?): save the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save the sheet as CSV"),
    (b"%PDF", "a PDF document"),
)


def decode_text(path: str | Path, what: str = "CSV") -> tuple[str, list[Issue]]:
    """A text file's contents the way councils write them, and any warning about how.

    UTF-8 (with or without a byte-order mark) is read as is; UTF-16 with a byte-order mark
    and Windows-1252 (Excel's default on council laptops) are decoded with a warning naming
    the encoding. A missing, empty or binary file is an :class:`InputError` naming it.
    """
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError([Issue("error", file, "file-exists", "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Issue("error", file, "file-exists", "a folder, not a file")]) from None
    except OSError as exc:
        raise InputError([Issue("error", file, "unreadable_file", str(exc))]) from None
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise InputError([Issue("error", file, "binary_file", f"not a {what} file: {kind}")])
    warnings: list[Issue] = []
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name
            break
    if encoding == "utf-16":
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(
                [Issue("error", file, "encoding", f"has a UTF-16 byte-order mark but {exc}")]
            ) from None
        warnings.append(
            Issue("warning", file, "encoding", "read as UTF-16 (it has a UTF-16 byte-order mark)")
        )
    elif b"\x00" in data:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "binary_file",
                    f"not a {what} text file: it holds NUL bytes (a spreadsheet, database or "
                    "other binary file, or UTF-16 without a byte-order mark)",
                )
            ]
        )
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(
                    [
                        Issue(
                            "error",
                            file,
                            "encoding",
                            f"neither UTF-8 nor Windows-1252 text (byte {exc.start}); save it "
                            "as CSV UTF-8",
                        )
                    ]
                ) from None
            warnings.append(
                Issue(
                    "warning",
                    file,
                    "encoding",
                    f"not UTF-8 (byte {exc.start}): read as Windows-1252, Excel's default; "
                    "save it as CSV UTF-8 to be sure of accented names",
                    value="windows-1252",
                )
            )
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError([Issue("error", file, "empty_file", f"the {what} file is empty")])
    return text, warnings


def _separators_fit(text: str, width: int) -> bool:
    """Whether every line after the header of an unquoted CSV holds ``width - 1`` commas or
    is blank: counting separators per line is then exact. Counted on the UTF-8 bytes at once
    (no multi-byte character holds a comma or newline byte); only lines with another count
    are looked at one by one (a blank last line, say)."""
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    newlines = np.flatnonzero(data == 10)
    if not len(newlines):
        return True
    commas = np.flatnonzero(data == 44)
    ends = np.append(newlines[1:], len(data))
    counts = np.searchsorted(commas, ends) - np.searchsorted(commas, newlines)
    for line in np.flatnonzero(counts != width - 1):
        start, end = newlines[line] + 1, ends[line]
        if data[start:end].tobytes().decode("utf-8", "surrogatepass").strip():
            return False
    return True


def _ragged_rows(file: str, text: str, width: int) -> list[Issue]:
    """Rows with more or fewer fields than the header: pandas would drop or pad them."""
    if '"' not in text and _separators_fit(text, width):
        return []
    issues = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for row in reader:
        if row and len(row) != width and any(f.strip() for f in row):
            line = reader.line_num
            issues.append(
                Issue(
                    "error",
                    file,
                    "ragged_row",
                    f"{len(row)} fields where the header has {width}",
                    row=line,
                )
            )
            if len(issues) >= 20:
                break
    return issues


def read_csv_text(
    path: str | Path,
    blank_as_missing: bool = False,
    log: IssueLog | None = None,
    columns: Container[str] | None = None,
) -> pd.DataFrame:
    """A CSV as strings, exactly as written, for a validator to check cell by cell.

    Blank cells stay ``""`` (or become missing with ``blank_as_missing``); "NA" is a value;
    a byte-order mark is dropped and header names are trimmed. Encoding warnings go to
    ``log`` when given. A missing, empty, binary or ragged file, or a header naming a column
    twice, is an :class:`InputError` naming the file (and the row). ``columns``: only the
    columns of these (trimmed) names are kept, in the file's order; the whole file is still
    checked.
    """
    file = str(path)
    text, warnings = decode_text(path)
    try:
        header = next(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError([Issue("error", file, "csv", f"not a readable CSV: {exc}")]) from None
    names = [h.strip() for h in header]
    twice = sorted({n for n in names if names.count(n) > 1})
    problems = [
        Issue("error", file, "duplicate_column", "the header names this column twice", 1, n)
        for n in twice
    ]
    problems += _ragged_rows(file, text, len(names))
    if problems:
        raise InputError(problems)
    # converting cells to strings is most of the parse: columns not asked for are skipped
    kept = None if columns is None else [i for i, n in enumerate(names) if n in columns]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""] if blank_as_missing else None,
            usecols=kept,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError([Issue("error", file, "csv", f"not a readable CSV: {exc}")]) from None
    frame.columns = names if kept is None else [names[i] for i in kept]
    if log is not None:
        log.extend(warnings)
    return frame


@dataclass
class IssueLog:
    """Collects issues while loading; raises once at the end if any are errors."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def error(self, file: str, rule: str, message: str, **where) -> None:
        self.add(Issue("error", file, rule, message, **where))

    def warning(self, file: str, rule: str, message: str, **where) -> None:
        self.add(Issue("warning", file, rule, message, **where))

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputError(self.errors)


def quality_summary(issues: Iterable[Issue]) -> pd.DataFrame:
    """Counts of findings by authority, file, rule and severity, for a report's
    data-quality note. It holds no values (they may be child-level)."""
    counts = Counter((i.authority or "", i.file, i.rule, i.severity) for i in issues)
    rows = [
        {"authority": a, "file": f, "rule": r, "severity": s, "count": n}
        for (a, f, r, s), n in sorted(counts.items())
    ]
    return pd.DataFrame(rows, columns=["authority", "file", "rule", "severity", "count"])
