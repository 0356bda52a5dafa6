"""The report's ledger: every count a report publishes, the sums that link them, and one
disclosure pass over all of them.

A report gathers, when it is built, each count it will show - the indicators' counts,
numerators and denominators for every period, the caseload table's cells and totals, the
cases per team, the events by team, the data-quality record counts - under one key per
quantity, with the sums that link them (:class:`~safeguarding.disclosure.Relation`): a
table's row and column totals, the same team's total in two tables, a year and its quarters,
one count published by two indicators or by an indicator and a table. Suppression is solved
over the whole ledger once (:func:`safeguarding.disclosure.suppress`); every table, chart and
sentence then reads its figures from the solved ledger, so the same quantity is hidden
wherever it appears and a part of the report cannot show a count the pass never saw (asking
for one raises).

Which caseload tables a report type shows is declared in :data:`REPORT_VIEWS`, because the
pass runs before the notebook displays anything. Every report's pass covers the tables of
every report type, so that an authority's public reports agree with one another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from .. import disclosure
from ..catalogue import Catalogue
from ..exceptions import ParameterError
from ..periods import Period, parse_period
from .text import is_missing

TOTAL = disclosure.TOTAL
CaseTypes = tuple[str, ...] | None  # None: every case type
Event = tuple[str, str]  # (table, date column), as in summary.ACTIVITY_EVENTS


@dataclass(frozen=True)
class ReportViews:
    """What a report type shows of the records: its caseload tables, each a tuple of case
    types (``None``: all). Every table of events by team is in every report's pass: they share
    no sums with one another, so one that is not shown hides nothing more."""

    caseloads: tuple[CaseTypes, ...] = (None,)


# The caseload tables each report notebook displays (notebooks/<report>.ipynb): a notebook
# asking for another raises, naming this registry. Other reports show the full table.
REPORT_VIEWS: dict[str, ReportViews] = {
    "quarterly_scorecard": ReportViews(caseloads=(None,)),
    "child_protection": ReportViews(caseloads=(("child protection plan",),)),
    "looked_after": ReportViews(caseloads=(("looked after",),)),
    "national_framework": ReportViews(caseloads=(None,)),
}

# Counts a report publishes twice under different names: a case type's children at the
# quarter's end are an indicator's count; the year's events by team add up to an indicator's
# year-to-date denominator. Linked only where the two are equal (else they are different
# quantities, e.g. a system that records case types its own way).
CASE_TYPE_FIGURES: dict[str, tuple[tuple[str, str], ...]] = {
    "child protection plan": (("CPP_AT_END", "numerator"), ("CPP_2YRS_OPEN", "denominator")),
    "looked after": (("CLA_AT_END", "numerator"), ("NI62", "denominator")),
}
EVENT_FIGURES: dict[Event, tuple[tuple[str, str], ...]] = {
    ("section47", "icpc_date"): (("ICPC_15WD", "denominator"),),
    ("assessments", "authorised_date"): (("ASSESS_45WD", "denominator"),),
}


SOLVED_KEEP = 16  # ledgers whose solution a process remembers
_SOLVED: OrderedDict[str, frozenset[Hashable]] = OrderedDict()


def solve(
    values: Mapping[Hashable, int], relations: Sequence[disclosure.Relation], audience: str
) -> frozenset[Hashable]:
    """:func:`disclosure.suppress` over a ledger, remembered for the same ledger: a report
    rebuilt from unchanged figures (a preview's every commentary edit, a rerun in a warm
    kernel) has exactly the same counts, sums and audience, in the same order, and so the
    same solution; its linear programmes (about half a second) are not solved again. The
    key is every key, count and sum in order; a ledger whose keys do not print as data
    (an object printed by its address) is always solved afresh."""
    text = repr((audience, list(values.items()), [(r.total, r.parts) for r in relations]))
    if " at 0x" in text:
        return disclosure.suppress(values, relations, audience)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = _SOLVED.get(key)
    if found is None:
        found = disclosure.suppress(values, relations, audience)
        _SOLVED[key] = found
        while len(_SOLVED) > SOLVED_KEEP:
            _SOLVED.popitem(last=False)
    return found


class Ledger:
    """Counts under keys, the sums linking them, and (solved once) which are hidden."""

    def __init__(self, audience: str):
        self.audience = disclosure.check_audience(audience)
        self.values: dict[Hashable, int] = {}
        self.relations: list[disclosure.Relation] = []
        self._hidden: frozenset[Hashable] | None = None

    # -- gathering -------------------------------------------------------------------------
    def add(self, key: Hashable, value: float) -> Hashable:
        """Record a count the report publishes (the same key twice must carry one value)."""
        if self._hidden is not None:
            raise RuntimeError(f"the ledger is solved: {key!r} was never in its disclosure pass")
        count = int(value)
        if count != value or count < 0:
            raise ValueError(f"{key!r}: a count must be a whole number, not {value!r}")
        if self.values.setdefault(key, count) != count:
            raise ValueError(f"{key!r} is recorded as {self.values[key]} and as {count}")
        return key

    def relate(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """Record that ``total`` is the sum of ``parts`` (all already added)."""
        if self._hidden is not None:
            raise RuntimeError(f"the ledger is solved: a sum for {total!r} comes too late")
        relation = disclosure.Relation(total, tuple(parts))
        if not relation.holds(self.values):
            raise ValueError(f"{total!r} is not the sum of {relation.parts!r}")
        self.relations.append(relation)

    def link(self, first: Hashable, second: Hashable) -> bool:
        """Record that two keys are one quantity when both are present and equal."""
        a, b = self.values.get(first), self.values.get(second)
        if a is None or b is None or a != b or first == second:
            return False
        self.relate(first, [second])
        return True

    # -- reading ---------------------------------------------------------------------------
    @property
    def hidden(self) -> frozenset[Hashable]:
        """The keys shown as ``c`` (solved on first use; nothing can be added after)."""
        if self._hidden is None:
            self._hidden = solve(self.values, self.relations, self.audience)
        return self._hidden

    def is_hidden(self, key: Hashable) -> bool:
        if key not in self.values:
            raise KeyError(f"{key!r} is not in the report's disclosure pass")
        return key in self.hidden

    def value(self, key: Hashable) -> int | None:
        """The count, or None where it is hidden."""
        return None if self.is_hidden(key) else self.values[key]

    def text(self, key: Hashable) -> str:
        """The count for a table cell: ``c`` where hidden, thousands separated."""
        count = self.value(key)
        return disclosure.SUPPRESSED if count is None else f"{count:,}"

    def share(self, key: Hashable, total: Hashable) -> str:
        """``key`` as a percentage of ``total``: ``c`` when either is hidden (a share of a
        shown count would give a hidden total away)."""
        part, whole = self.value(key), self.value(total)
        if part is None or whole is None:
            return disclosure.SUPPRESSED
        return "n/a" if whole == 0 else f"{100 * part / whole:.1f}%"


# --- the report's figures --------------------------------------------------------------------
@dataclass(frozen=True)
class _Window:
    quantity: str
    start: dt.date
    end: dt.date
    kind: str  # the period's kind: year, quarter, month


class ReportLedger(Ledger):
    """A report's ledger with the keys of its figures and record tables."""

    def __init__(self, audience: str, views: ReportViews | None = None):
        super().__init__(audience)
        self.views = views or ReportViews()
        self.figures: dict[tuple[str, str], dict[str, Hashable]] = {}
        self.caseloads: dict[CaseTypes, CaseloadView] = {}
        self.events: dict[Event, EventView] = {}
        self.records: dict[str, Hashable] = {}
        self._windows: dict[Hashable, _Window] = {}

    # -- figures -----------------------------------------------------------------------------
    def add_figures(self, outturns: pd.DataFrame, catalogue: Catalogue) -> None:
        """Each figure's counts (a count's value; a percentage's numerator and denominator; a
        rate's numerator), one key per quantity: indicators counting the same thing over the
        same dates share it. Then the sums over periods (a year and its quarters)."""
        for rec in outturns.to_dict("records"):
            ind = _indicator(catalogue, rec["indicator"])
            unit = ind.unit if ind is not None else "percent"
            num, den = _number(rec.get("numerator")), _number(rec.get("denominator"))
            if unit == "count" and num is None:
                num = _number(rec.get("value"))
            parts = {"numerator": num}
            if unit == "percent":
                parts["denominator"] = den
            elif unit == "days":  # a mean: the numerator sums days, the denominator children
                parts = {"denominator": den}
            keys = {}
            period = parse_period(rec["period"])
            for part, count in parts.items():
                if count is not None:
                    keys[part] = self._figure_key(rec["indicator"], ind, part, period, count)
            self.figures[(rec["indicator"], period.label)] = keys
        self._relate_periods()

    def _figure_key(
        self, indicator: str, ind: Any, part: str, period: Period, count: int
    ) -> Hashable:
        window = ind.window if ind is not None else "year_to_date"
        start, end = period.window(window)
        described = getattr(ind, part, "") if ind is not None else ""
        # The same count over the same dates is one quantity; where two figures for it differ
        # (a provisional quarter beside a final year) each period keeps its own.
        candidates = [
            *([("figure", described, start, end)] if described else []),
            ("figure", indicator, part, start, end),
        ]
        free = [k for k in candidates if self.values.get(k, count) == count]
        key = free[0] if free else ("figure", indicator, part, period.label)
        self.add(key, count)
        if window != "snapshot":  # a stock on a day does not add up over days
            self._windows[key] = _Window(
                described or f"{indicator} {part}", start, end, period.kind
            )
        return key

    def _relate_periods(self) -> None:
        """A flow over a year is the sum of its quarters (and a quarter of its months) where
        the report has them all and they add up."""
        windows = self._windows
        # each window's candidate pieces are those of its quantity and the smaller kind only
        # (a report holds about a thousand windows: every pair was compared before)
        alike: dict[tuple[str, str], list[tuple[Hashable, _Window]]] = {}
        for k, w in windows.items():
            alike.setdefault((w.quantity, w.kind), []).append((k, w))
        for key, whole in windows.items():
            for kind in ("quarter", "month"):
                pieces = {
                    w.start: k
                    for k, w in alike.get((whole.quantity, kind), ())
                    if whole.start <= w.start <= w.end <= whole.end and k != key
                }
                tiling = _tile(whole.start, whole.end, pieces, windows)
                if len(tiling) > 1 and self.values[key] == sum(self.values[k] for k in tiling):
                    self.relate(key, tiling)

    def figure_key(self, indicator: str, period: str, part: str) -> Hashable | None:
        return self.figures.get((indicator, period), {}).get(part)

    def figure_hidden(self, indicator: str, period: str) -> bool:
        """A figure is hidden when any count it rests on is."""
        return any(self.is_hidden(k) for k in self.figures.get((indicator, period), {}).values())

    def mask(self, outturns: pd.DataFrame) -> pd.DataFrame:
        """Outturns with ``hidden`` and the hidden figures blanked (value, numerator and
        denominator), before anything judges or drafts from them."""
        out = outturns.copy()
        out["hidden"] = [
            self.figure_hidden(i, parse_period(p).label)
            for i, p in zip(out["indicator"], out["period"], strict=True)
        ]
        cols = [c for c in ("value", "numerator", "denominator") if c in out]
        out[cols] = out[cols].astype("float64")
        out.loc[out["hidden"], cols] = float("nan")
        return out

    # -- the records' tables -----------------------------------------------------------------
    def add_caseloads(self, table: pd.DataFrame, case_types: CaseTypes) -> None:
        """A caseload table (case type x team) and its totals, for ``case_types``."""
        if case_types is not None:  # matched without regard to case: systems spell them apart
            wanted = {c.lower() for c in case_types}
            table = table.loc[[c for c in table.index if c.lower() in wanted]]
        table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
        view = CaseloadView(table, case_types)
        if not table.empty:
            for (kind, team), key in view.keys().items():
                self.add(key, view.totals.loc[kind, team])
            for key, parts in view.sums():
                self.relate(key, parts)
        self.caseloads[case_types] = view

    def add_events(self, event: Event, counts: pd.Series) -> None:
        """Events in the year to date by team, with their total."""
        view = EventView(event, counts)
        for team, key in view.keys().items():
            self.add(key, counts.sum() if team == TOTAL else counts[team])
        self.relate(view.key(TOTAL), [view.key(t) for t in counts.index])
        self.events[event] = view

    def add_records(
        self, warnings: Sequence[tuple[str, int, str]], file_notes: Sequence[str] = ()
    ) -> None:
        """The data-quality note's record counts, one per rule (none for a rule whose
        warnings are about whole files: ``file_notes``)."""
        for rule, count, _ in warnings:
            if rule not in file_notes:
                self.records[rule] = self.add(("records", rule), count)

    def link_records_to_figures(self, period: Period) -> None:
        """The same count in a table and an indicator is one quantity (when equal)."""
        for view in self.caseloads.values():
            if view.table.empty:
                continue
            for kind in view.table.index:
                for indicator, part in CASE_TYPE_FIGURES.get(kind.lower(), ()):
                    key = self.figure_key(indicator, period.label, part)
                    if key is not None:
                        self.link(view.key(kind, TOTAL), key)
        for event, view in self.events.items():
            for indicator, part in EVENT_FIGURES.get(event, ()):
                key = self.figure_key(indicator, period.label, part)
                if key is not None:
                    self.link(view.key(TOTAL), key)

    def caseload_view(self, case_types: Sequence[str] | None) -> CaseloadView | None:
        """The caseload table for ``case_types`` (None when the records have no teams)."""
        wanted = _case_types(case_types)
        if wanted not in _declared(self.views.caseloads) and self.caseloads:
            raise ParameterError(
                f"caseloads for {', '.join(wanted) if wanted else 'all case types'} are not in "
                f"this report's disclosure pass: declare them in {__name__}.REPORT_VIEWS"
            )
        return self.caseloads.get(wanted)

    def event_view(self, event: Event) -> EventView | None:
        return self.events.get(event)


@dataclass
class CaseloadView:
    """One caseload table's keys: cells (case type, team), case type totals, team totals
    and the grand total (``Total`` in the row or column)."""

    table: pd.DataFrame
    case_types: CaseTypes

    @cached_property
    def totals(self) -> pd.DataFrame:
        """The table with its totals, made once (read for every cell's key and count)."""
        return disclosure.with_totals(self.table)

    def key(self, kind: str, team: str) -> Hashable:
        # A case type's total is the same count in every view; team totals depend on the view.
        if team == TOTAL and kind != TOTAL:
            return ("caseload", kind, TOTAL)
        if kind == TOTAL:
            return ("caseload", TOTAL, team, self.case_types)
        return ("caseload", kind, team)

    def keys(self) -> dict[tuple[str, str], Hashable]:
        t = self.totals
        return {(k, team): self.key(k, team) for k in t.index for team in t.columns}

    def sums(self) -> list[tuple[Hashable, list[Hashable]]]:
        t = self.totals
        kinds = [k for k in t.index if k != TOTAL]
        teams = [c for c in t.columns if c != TOTAL]
        out = [(self.key(k, TOTAL), [self.key(k, c) for c in teams]) for k in t.index]
        out += [(self.key(TOTAL, c), [self.key(k, c) for k in kinds]) for c in teams]
        out.append((self.key(TOTAL, TOTAL), [self.key(k, TOTAL) for k in kinds]))
        return out


@dataclass
class EventView:
    """One events-by-team table's keys."""

    event: Event
    counts: pd.Series

    def key(self, team: str) -> Hashable:
        return ("events", *self.event, team)

    def keys(self) -> dict[str, Hashable]:
        return {t: self.key(t) for t in [*self.counts.index, TOTAL]}


# --- building a report's ledger ----------------------------------------------------------------
def report_ledger(
    report: str,
    audience: str,
    outturns: pd.DataFrame,
    catalogue: Catalogue,
    records: Any,
    period: Period,
) -> ReportLedger:
    """Everything ``report`` publishes for one authority, linked; solved on first reading.

    ``records`` is a :class:`~safeguarding.summary.AuthoritySummary` (or None)."""
    views = REPORT_VIEWS.get(report, ReportViews())
    ledger = ReportLedger(audience, views)
    ledger.add_figures(outturns, catalogue)
    if records is not None:
        if records.caseloads is not None:
            # every report type's tables, not only this one's: a reader holds all the
            # authority's public reports, so one that showed a count another hides (or the
            # sums of another's tables) would give it away
            everyone = [c for v in REPORT_VIEWS.values() for c in v.caseloads]
            for case_types in _declared([*views.caseloads, *everyone]):
                ledger.add_caseloads(records.caseloads, case_types)
        for event, counts in records.events.items():
            ledger.add_events(event, counts)
        ledger.add_records(records.warnings, getattr(records, "file_notes", ()))
        from .framework import add_to_ledger  # the National Framework report's tables

        add_to_ledger(ledger, records, period)
    ledger.link_records_to_figures(period)
    return ledger


def figures_ledger(outturns: pd.DataFrame, catalogue: Catalogue, audience: str) -> ReportLedger:
    """A ledger of figures alone (no record tables)."""
    ledger = ReportLedger(audience, ReportViews(caseloads=()))
    ledger.add_figures(outturns, catalogue)
    return ledger


def _case_types(case_types: Sequence[str] | None) -> CaseTypes:
    return None if not case_types else tuple(sorted({c.lower() for c in case_types}))


def _declared(case_type_sets: Iterable[CaseTypes]) -> list[CaseTypes]:
    return list(dict.fromkeys(_case_types(c) for c in case_type_sets))


def _indicator(catalogue: Catalogue, name: str) -> Any:
    if name in catalogue:
        return catalogue[name]
    return None  # an outturn for an indicator the catalogue lacks: counted under its id


def _number(value: Any) -> int | None:
    return None if is_missing(value) or pd.isna(value) else int(round(float(value)))


def _tile(
    start: dt.date, end: dt.date, pieces: Mapping[dt.date, Hashable], windows: Mapping
) -> list[Hashable]:
    """Pieces (by start date) laid end to end from ``start`` to exactly ``end``, else []."""
    out, day = [], start
    while day <= end:
        key = pieces.get(day)
        if key is None:
            return []
        out.append(key)
        day = windows[key].end + dt.timedelta(days=1)
    return out if day == end + dt.timedelta(days=1) else []
