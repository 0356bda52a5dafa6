"""Data-quality findings: what is wrong with an input, where, and by which rule.

Every loader reports problems as :class:`Issue` records that name the file, the row (or the
XML path), the column, the offending value and the rule broken. Errors stop that
authority's load (:class:`InputError`); warnings travel with the data into the reports'
data-quality note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

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


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """A CSV as strings, exactly as written (blank cells stay ``""``, a BOM is dropped), for
    a validator to check cell by cell; :class:`InputError` when it is missing or unreadable."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "file-exists", "file not found")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError([Issue("error", str(path), "csv", f"not a readable CSV: {exc}")]) from None


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
