"""What a report needs from one authority's records for one quarter, computed once and cached.

Reading an authority's record-level data (every canonical table, years of it) and computing
its indicators costs seconds; three reports per authority used to do it three times. An
:class:`AuthoritySummary` holds everything the reports take from the records:

- ``outturns``: every computable indicator for every quarter and year a report shows
  (:func:`report_periods`), and ``monthly``: the SPC indicators month by month;
- ``caseloads`` (children by case type and team at the quarter's end) and ``events`` (events
  in the financial year to date by team, for every dated event table);
- ``warnings``: the loaders' data-quality warnings counted by rule, with the first message
  (messages never hold input values; :attr:`Issue.value <safeguarding.validation.Issue>`
  is dropped here);
- ``sources``: the input files with their SHA-256 checksums and extract dates;
- ``not_computable``: why figures are empty where the inputs lack a column a rule reads or do
  not cover its window (for the data-quality note).

It holds aggregates only: no child identifier, date of birth or postcode, no row of any
table. :func:`summarise` builds summaries for many authorities in one vectorised pass of
:func:`safeguarding.indicators.compute`; :func:`summary_for` returns a cached one when its
key still matches, else builds and caches it (an analyst's notebook and the batch alike).

The cache lives in ``<project>/.cache/summaries/`` (git-ignored), one file per data folder,
quarter and authority. Its key is the format version, the library's source hash, the local
indicators file's checksum, the data folder, the quarter and the (path, size, mtime_ns) of
the authority's input files; anything else and the summary is rebuilt. Delete the folder to
clear it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import cache
from .dataset import DataSet, Source
from .periods import Period, parse_period
from .schema import TABLES

SUMMARY_VERSION = 3  # 2: not_computable; 3: records_span
CACHE_DIR = cache.CACHE_DIR / "summaries"

SPC_MONTHS = 24
TREND_QUARTERS = 8
# The monthly series each report charts with SPC (computing months costs time: only these).
SPC_INDICATORS: dict[str, tuple[str, ...]] = {
    "quarterly_scorecard": (),
    "child_protection": ("CPP_AT_END", "NI65"),
    "looked_after": ("CLA_AT_END",),
}
# (table, date column) of every dated event a report may count by team: all record tables'
# dates except dates of birth (not events) and the allocations themselves.
ACTIVITY_EVENTS: tuple[tuple[str, str], ...] = tuple(
    (name, column)
    for name, spec in TABLES.items()
    if name not in ("teams", "population")
    for column in spec.date_columns
    if column != "dob"
)
# Files in the data folder every authority's load reads besides its own folder.
SHARED_FILES = ("population.csv", "authorities.csv")


def report_periods(quarter: Period) -> tuple[list[Period], list[Period]]:
    """The periods a report shows: quarters and years (the indicators' own windows), and the
    months of its SPC charts (each month on its own)."""
    quarters = {quarter.shift(-i) for i in range(TREND_QUARTERS)} | set(quarter.quarters())
    quarters = {q for q in quarters if q <= quarter}
    years = {quarter.financial_year.shift(-1), quarter.financial_year.shift(-2)}
    last_month = Period(quarter.year, month=3 * quarter.quarter)
    months = [last_month.shift(-i) for i in range(SPC_MONTHS - 1, -1, -1)]
    return sorted(quarters | years), months


@dataclass
class AuthoritySummary:
    """One authority's records for one quarter, reduced to what the reports show."""

    authority: str
    quarter: str  # canonical label
    outturns: pd.DataFrame = field(default_factory=pd.DataFrame)
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    caseloads: pd.DataFrame | None = None  # None: no team allocations for the authority
    events: dict[tuple[str, str], pd.Series] = field(default_factory=dict)  # absent: no data
    warnings: list[tuple[str, int, str]] = field(default_factory=list)  # rule, count, message
    # the rules whose warnings are about a whole file (an extract's date, an older extract),
    # not about records: their count is of notes, and is not shown as a count of records
    file_notes: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    # why figures are empty: an absent column, or a window the returns do not cover (one
    # line per indicator and reason, naming the periods)
    not_computable: list[str] = field(default_factory=list)
    # the first and last event dates in the authority's records (None: no dated records)
    records_span: tuple[Any, Any] | None = None
    # the National Framework report's aggregates (counts by ethnic group and the population by
    # group; children subject to DoLOs by placement type): see report.framework
    framework: dict[str, pd.DataFrame] = field(default_factory=dict)

    def report_outturns(self, report: str, catalogue: Any) -> pd.DataFrame:
        """The figures ``report`` uses: every period's, then its SPC indicators' months (the
        rows and order one ``compute`` call per part gives)."""
        frames = [self.outturns]
        spc_ids = [i for i in SPC_INDICATORS.get(report, ()) if i in catalogue]
        if spc_ids:
            monthly = self.monthly
            frames += [monthly[monthly["indicator"] == i] for i in spc_ids]
        return pd.concat(frames, ignore_index=True)


def records_summary(data: DataSet, authority: str, quarter: Period | str) -> AuthoritySummary:
    """The record-derived parts (activity, warnings, sources) of ``authority``'s summary,
    without outturns. The reports built from frames (tests) pass a :class:`DataSet`."""
    from . import activity

    period = parse_period(quarter)
    summary = AuthoritySummary(authority, period.label)
    teams = None
    if data.has("teams"):
        teams = data.table("teams")
        teams = teams[teams["authority"] == authority]
    if teams is not None and not teams.empty:
        summary.caseloads = activity.caseloads(teams, period.end)
    if teams is not None:
        allocations = activity.Allocations(teams, *period.window("year_to_date"))
        own: dict[str, pd.DataFrame] = {}
        for table, column in ACTIVITY_EVENTS:
            if data.has(table):
                if table not in own:
                    events = data.table(table)
                    own[table] = events[events["authority"] == authority]
                summary.events[(table, column)] = allocations.events_by_team(own[table], column)
    by_rule: dict[str, list[str]] = {}
    whole_file: dict[str, bool] = {}
    for w in data.warnings:
        if w.authority in (None, authority):
            by_rule.setdefault(w.rule, []).append(w.message)
            about_file = w.row is None and w.column is None
            whole_file[w.rule] = whole_file.get(w.rule, True) and about_file
    summary.warnings = [(rule, len(m), m[0]) for rule, m in sorted(by_rule.items())]
    summary.file_notes = sorted(rule for rule, about_file in whole_file.items() if about_file)
    summary.sources = [s for s in data.sources if s.authority in (None, authority)]
    summary.framework = framework_frames(data, authority, period)
    summary.records_span = records_span(data, authority)
    return summary


def framework_frames(data: DataSet, authority: str, period: Period) -> dict[str, pd.DataFrame]:
    """The National Framework report's aggregates from ``authority``'s records."""
    from .disproportionality import summary_frames
    from .indicators.context import RuleContext
    from .indicators.framework import authority_tables, dolo_placements

    frames = summary_frames(data, authority, period)
    if data.has("dolo"):
        ctx = RuleContext(authority_tables(data, authority, ("dolo", "la_episodes")), [authority])
        placements = dolo_placements(ctx, pd.Timestamp(period.end))
        frames["dolo_placements"] = placements.drop(columns="authority")
    return frames


def check_covers(span: tuple[Any, Any] | None, authority: str, quarter: Period | str) -> None:
    """No report without data: a quarter after the end (or before the start) of the
    authority's records (``span``, see :func:`records_span`) is a
    :class:`~safeguarding.exceptions.PeriodError` in one line naming the quarter, the
    records' last (or first) date and the fix."""
    from .exceptions import PeriodError

    if span is None:
        return
    period = parse_period(quarter)
    first, last = span
    if period.start > last:
        raise PeriodError(
            f"{period.label} is after the end of authority {authority}'s records: their last "
            f"date is {last.day} {last:%B %Y}. Load the records for {period.label} (or run a "
            "quarter the data cover)."
        )
    if period.end < first:
        raise PeriodError(
            f"{period.label} is before the start of authority {authority}'s records: their "
            f"first date is {first.day} {first:%B %Y}. Run a quarter the data cover (or load "
            "earlier records)."
        )


def uncovered(project: Any, folder: Path, authority: str, quarter: Period | str) -> str | None:
    """Why ``quarter`` has no data for ``authority`` (from its cached summary), or None."""
    from .exceptions import PeriodError

    cached = load_cached(
        project.root, cache_key(folder, authority, quarter, project.settings.indicators_file)
    )
    try:
        check_covers(None if cached is None else cached.records_span, authority, quarter)
    except PeriodError as exc:
        return str(exc)
    return None


def records_span(data: DataSet, authority: str) -> tuple[Any, Any] | None:
    """The first and last date of any event in ``authority``'s records (dates of birth are
    not events), or None when it has no dated records."""
    first = last = None
    for table, column in ACTIVITY_EVENTS:
        if not data.has(table):
            continue
        frame = data.table(table)
        dates = frame.loc[frame["authority"] == authority, column].dropna()
        if dates.empty:
            continue
        low, high = dates.min().date(), dates.max().date()
        first = low if first is None else min(first, low)
        last = high if last is None else max(last, high)
    return None if first is None else (first, last)


def summarise(
    parts: Mapping[str, DataSet], quarter: Period | str, catalogue: Any, consume: bool = False
) -> dict[str, AuthoritySummary]:
    """Summaries of several authorities (``parts``: each one's own data set, as
    ``read_data_dir(folder, [code])`` gives it), their indicators in one vectorised pass.
    ``consume``: the parts' tables may be taken while stacking them (less memory; the
    parts are left without tables)."""
    from .indicators import NotComputable, compute, explain
    from .indicators.engine import RECORD_TABLES_EXCLUDED

    period = parse_period(quarter)
    periods, months = report_periods(period)
    spc_ids = list(
        dict.fromkeys(i for ids in SPC_INDICATORS.values() for i in ids if i in catalogue)
    )
    # A table supplied with no rows counts as supplied when an authority is computed alone,
    # but as not supplied beside others that have rows: such an authority is computed alone.
    alone = [
        [code]
        for code, data in parts.items()
        if any(not len(f) for n, f in data.tables.items() if n not in RECORD_TABLES_EXCLUDED)
    ]
    together = [code for code in parts if [code] not in alone]
    groups = ([together] if together else []) + alone
    summaries: dict[str, AuthoritySummary] = {}
    for group in groups:
        # the record-derived parts first, so that stacking can take the parts' tables (one
        # copy of the records in memory, not two)
        own = {code: records_summary(parts[code], code, period) for code in group}
        if len(group) == 1:
            data = parts[group[0]]
        else:
            data = DataSet.combine([parts[c] for c in group], consume=consume)
        notes: list[NotComputable] = []
        outturns = compute(data, periods, catalogue=catalogue, notes=notes)
        monthly = compute(data, months, spc_ids, catalogue=catalogue, window="in_period")
        del data
        for code in group:
            summary = own[code]
            summary.outturns = _own(outturns, code)
            summary.monthly = _own(monthly, code)
            summary.not_computable = explain(
                [n for n in notes if n.authority == code], with_authority=False, with_dates=False
            )
            summaries[code] = summary
    return summaries


def _own(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    return frame[frame["authority"] == code].reset_index(drop=True)


# --- the cache -----------------------------------------------------------------------------


def input_files(folder: Path, authority: str) -> list[Path]:
    """The files an authority's load reads in the data folder: its own and the shared ones
    (its Annex A workbooks, which may live elsewhere, are keyed apart)."""
    own = folder / authority
    files = sorted(p for p in own.iterdir() if p.is_file()) if own.is_dir() else []
    return files + [folder / name for name in SHARED_FILES if (folder / name).is_file()]


def _workbooks(project: Any, authority: str) -> tuple:
    """The authority's Annex A entries in the project's settings (none without settings)."""
    settings = getattr(project, "settings", None)
    return settings.annex_a_for(authority) if hasattr(settings, "annex_a_for") else ()


def _dfe_summary(project: Any) -> Path | None:
    """The DfE validation summary the settings name (``dfe_rules:``), if any."""
    return getattr(getattr(project, "settings", None), "dfe_rules", None)


def _with_dfe_rules(data: DataSet, project: Any, authority: str) -> DataSet:
    """The summary's rules for the authority as data-quality warnings."""
    path = _dfe_summary(project)
    if path is not None:
        from .dfe_rules import summary_issues

        data.issues.extend(summary_issues(path, authority))
    return data


def cache_key(
    folder: Path,
    authority: str,
    quarter: Period | str,
    indicators_file: Path | None,
    workbooks: Iterable[Any] = (),
    dfe: Path | None = None,
) -> dict[str, Any]:
    """What a cached summary must match to be reused (see the module docstring)."""
    folder = folder.resolve()
    return {
        "version": SUMMARY_VERSION,
        **cache.library_key(indicators_file),
        "folder": str(folder),
        "authority": authority,
        "quarter": parse_period(quarter).label,
        "files": cache.file_stamps(input_files(folder, authority), folder),
        # the workbooks may live anywhere: their absolute paths and stamps
        "dfe_rules": cache.file_stamps([dfe], dfe.parent) if dfe else None,
        "annex_a": [
            (
                str(w.file),
                str(w.extract_date),
                w.months,
                *cache.file_stamps([w.file], w.file.parent)[0],
            )
            for w in workbooks
        ],
    }


def cache_path(root: Path, key: Mapping[str, Any]) -> Path:
    """``<root>/.cache/summaries/<data folder hash>/<quarter>/<authority>.pickle``."""
    where = hashlib.sha256(key["folder"].encode()).hexdigest()[:16]
    quarter = key["quarter"].replace(" ", "-")
    return root / CACHE_DIR / where / quarter / f"{key['authority']}.pickle"


def load_cached(root: Path, key: Mapping[str, Any]) -> AuthoritySummary | None:
    """The cached summary for ``key``, or None when there is none or it is stale."""
    return cache.load(cache_path(root, key), key)


def save(root: Path, key: Mapping[str, Any], summary: AuthoritySummary) -> Path:
    return cache.save(cache_path(root, key), key, summary)


def summary_for(
    project: Any, folder: Path, authority: str, quarter: Period | str
) -> AuthoritySummary:
    """``authority``'s summary: the cached one while its key matches, else built from the
    records (raising :class:`~safeguarding.validation.InputError` as the loaders do) and
    cached."""
    from .loaders.in_year import read_authority

    workbooks = _workbooks(project, authority)
    key = cache_key(
        folder, authority, quarter, project.settings.indicators_file, workbooks,
        _dfe_summary(project),
    )  # fmt: skip
    cached = load_cached(project.root, key)
    if cached is not None:
        return cached
    data = _with_dfe_rules(read_authority(folder, authority, workbooks), project, authority)
    summary = summarise({authority: data}, quarter, project.catalogue())[authority]
    save(project.root, key, summary)
    return summary


def ensure(
    project: Any, folder: Path, authorities: Iterable[str], quarter: Period | str
) -> list[str]:
    """Build and cache the summaries ``authorities`` lack (or have out of date), their
    indicators in one vectorised pass. Returns the codes whose records could not be read: no
    summary is cached for them, so their reports raise the loaders' error when built, exactly
    as without the cache."""
    from .loaders.in_year import read_authority
    from .validation import InputError

    keys = {}
    for code in authorities:
        key = cache_key(
            folder, code, quarter, project.settings.indicators_file, _workbooks(project, code),
            _dfe_summary(project),
        )  # fmt: skip
        if load_cached(project.root, key) is None:
            keys[code] = key
    parts: dict[str, DataSet] = {}
    failed = []
    for code in keys:
        try:
            data = read_authority(folder, code, _workbooks(project, code))
            parts[code] = _with_dfe_rules(data, project, code)
        except InputError:
            failed.append(code)
    if parts:
        built = summarise(parts, quarter, project.catalogue(), consume=True)
        del parts  # their tables were taken while stacking
        for code, summary in built.items():
            save(project.root, keys[code], summary)
    return failed
