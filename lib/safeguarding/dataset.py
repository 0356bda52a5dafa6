"""A set of canonical tables for one or more authorities, with its provenance.

Loaders return a :class:`DataSet`; indicators, activity tables and reports read one. The
provenance (input files with their SHA-256 checksums and extract dates) and the data-quality
warnings travel with the tables so that a report can print them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .schema import TABLES, coerce_dtypes, empty_table
from .validation import Issue


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Source:
    """One input file behind a data set."""

    path: str
    sha256: str
    kind: str  # "cin_census", "ssda903", "canonical", "population", ...
    authority: str | None = None
    extract_date: str | None = None  # ISO date the extract was taken, where the file says


@dataclass(frozen=True)
class Coverage:
    """The window one loaded return's records cover, for the tables it supplied.

    A statutory return holds a year's activity and what was open in it: a 2017-18 SSDA903
    return covers 1 April 2017 to 31 March 2018, and a figure for 2016-17 cannot be taken
    from it (the episodes that ended before April 2017 are not in it).
    """

    authority: str | None
    tables: tuple[str, ...]
    start: dt.date
    end: dt.date
    file: str
    label: str = ""  # e.g. "SSDA903 2017-18"
    # rules the source cannot feed even inside its window, with the reason (an in-year
    # extract such as Ofsted's Annex A holds only each plan's latest review, for instance)
    unsupported: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    # "table.column"s the source holds only as they stood on ``end`` (Annex A list 7's last
    # statutory visit and latest review conference), not as a history
    # (what it is, in words, for the reason a report gives)
    as_at: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


# How a coverage reason names the dates the figure reads (``without_window`` drops it, for a
# note that lists the periods under one reason).
WINDOW_CLAUSE = "the figure reads {} to {} but "
_WINDOW = re.compile(r"^the figure reads \S+ to \S+ but ")


def without_window(reason: str) -> str:
    """A not-computable reason without the figure's own dates (the same for every period)."""
    return _WINDOW.sub("", reason)


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@dataclass
class DataSet:
    """Canonical tables keyed by table name; tables not supplied are simply absent.

    ``absent`` holds (authority, table, column) for optional columns an input did not have
    (authority None: every authority in that input); ``coverage`` the windows the loaded
    returns cover (none: the project's own layout, which covers whatever it holds).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    absent: set[tuple[str | None, str, str]] = field(default_factory=set)
    coverage: list[Coverage] = field(default_factory=list)

    def lacks(self, authority: str, table: str, column: str) -> bool:
        """True when ``authority``'s input for ``table`` did not have ``column`` at all."""
        return (authority, table, column) in self.absent or (None, table, column) in self.absent

    def covers(
        self, authority: str, table: str, start: dt.date, end: dt.date, rule: str | None = None
    ) -> str | None:
        """None when ``authority``'s ``table`` records cover ``start``..``end`` (or no return
        declares a window), else the reason they do not. With ``rule``, only the sources
        that can feed that rule count."""
        relevant = [
            c for c in self.coverage if c.authority in (None, authority) and table in c.tables
        ]
        if not relevant:
            return None
        spans = sorted((c.start, c.end, c.label) for c in relevant if rule not in c.unsupported)
        if not spans:
            return next(c.unsupported[rule] for c in relevant if rule in c.unsupported)
        merged: list[list] = []
        for begin, finish, label in spans:
            if merged and begin <= merged[-1][1] + dt.timedelta(days=1):
                merged[-1][1] = max(merged[-1][1], finish)
                merged[-1][2].append(label)
            else:
                merged.append([begin, finish, [label]])
        if any(b <= start and end <= f for b, f, _ in merged):
            return None
        held = "; ".join(
            f"{', '.join(dict.fromkeys(x for x in labels if x)) or 'records'} "
            + (f"(up to {_day(f)})" if b.year < 1950 else f"({_day(b)} to {_day(f)})")
            for b, f, labels in merged
        )
        unable = [c.unsupported[rule] for c in relevant if rule in c.unsupported]
        return (
            f"{WINDOW_CLAUSE.format(start.isoformat(), end.isoformat())}the {table} "
            f"records cover only {held}" + (f" ({unable[0]})" if unable else "")
        )

    def as_at(
        self, authority: str, table: str, column: str, when: dt.date, only: bool = False
    ) -> str | None:
        """None when ``table.column`` can be read as it stood on ``when``, else the reason.

        A source that holds the column only as at its own date (``Coverage.as_at``) gives it
        for that date alone; a source holding its history (a statutory return) for any date
        in its window, and so does an input that declares no window, unless ``only`` (the
        column exists in no source but those dated ones)."""
        key = f"{table}.{column}"
        mine = [c for c in self.coverage if c.authority in (None, authority) and table in c.tables]
        dated = [c for c in mine if key in c.as_at]
        if any(c.end == when for c in dated):
            return None
        if not only:
            if not mine:
                return None
            if any(key not in c.as_at and c.start <= when <= c.end for c in mine):
                return None
        # the same words for every period, so that the data-quality note lists the periods
        # once under one reason
        if dated:
            held = ", ".join(c.label or f"{c.file} of {_day(c.end)}" for c in dated)
            return (
                f"{held} gives {dated[0].as_at[key]} only as at its own date, so a figure at "
                "any other date cannot be read from it (an extract made on that day can)"
            )
        return (
            f"the {table} records' {column!r} comes only from an in-year extract (Ofsted "
            "Annex A), as at its date, and no extract supplied is dated at the period's end"
        )

    def has(self, name: str) -> bool:
        """True when table ``name`` was supplied (even if it has no rows)."""
        return name in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name``, or an empty frame with its columns when it was not supplied."""
        if name in self.tables:
            return self.tables[name]
        return empty_table(name)

    def set(self, name: str, frame: pd.DataFrame) -> None:
        """Store ``frame`` as table ``name`` with the canonical columns and dtypes."""
        if name not in TABLES:
            raise KeyError(f"unknown canonical table {name!r}; known: {', '.join(TABLES)}")
        self.tables[name] = coerce_dtypes(frame, name)

    @property
    def authorities(self) -> list[str]:
        codes: set[str] = set()
        for frame in self.tables.values():
            if "authority" in frame and len(frame):
                codes.update(frame["authority"].dropna().astype(str).unique())
        return sorted(codes)

    def for_authority(self, code: str) -> DataSet:
        """The rows of one authority (sources and issues filtered likewise)."""
        return DataSet(
            {n: f[f["authority"] == code].reset_index(drop=True) for n, f in self.tables.items()},
            [i for i in self.issues if i.authority in (None, code)],
            [s for s in self.sources if s.authority in (None, code)],
            {a for a in self.absent if a[0] in (None, code)},
            [c for c in self.coverage if c.authority in (None, code)],
        )

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @classmethod
    def combine(cls, parts: list[DataSet], consume: bool = False) -> DataSet:
        """Stack several data sets (e.g. one per authority or per year's return).

        ``consume``: take each table out of the parts as soon as it is stacked, so that
        memory peaks at one copy of the records plus one table, not two copies (the parts
        keep their issues, sources and coverage, but no tables).
        """
        names = sorted({n for p in parts for n in p.tables})
        tables = {}
        for name in names:
            frames = [p.tables[name] for p in parts if name in p.tables]
            if consume:
                for p in parts:
                    p.tables.pop(name, None)
            frames = [f for f in frames if len(f)] or frames[:1]
            tables[name] = coerce_dtypes(pd.concat(frames, ignore_index=True), name)
            del frames
        return cls(
            tables,
            [i for p in parts for i in p.issues],
            [s for p in parts for s in p.sources],
            {a for p in parts for a in p.absent},
            [c for p in parts for c in p.coverage],
        )


def write_canonical(data: DataSet, directory: str | Path) -> list[Path]:
    """Write each table as ``<table>.csv`` (ISO dates, UTF-8) in the project's own layout."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in data.tables.items():
        out = frame.copy()
        for col in TABLES[name].date_columns:
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        for col in out.columns:
            if str(out[col].dtype) == "boolean":
                out[col] = out[col].map({True: "1", False: "0"})
        path = directory / f"{name}.csv"
        out.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written
