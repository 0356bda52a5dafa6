"""The report's model: one authority's figures after disclosure control, their assessment,
targets and comparators, and the objects a notebook displays (each drawn by its own module)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from .. import charts, disclosure
from ..catalogue import THEMES, Catalogue, Indicator
from ..catalogue import catalogue as builtin_catalogue
from ..markup import Fragment, esc, sup
from ..periods import Period, parse_period
from ..summary import AuthoritySummary, records_summary
from . import activity, closing, ledger, scorecard, sections, trends
from .build import build_report
from .meta import MetaOutput, ReportMeta, front_sheet
from .sections import IndicatorSection, SectionGroup
from .text import VS_TARGET_WORDS, cell_value, is_missing

THEME_ORDER = (
    "front_door",
    "assessments",
    "child_protection",
    "looked_after",
    "care_leavers",
    "local",
)
# The themes each report covers (others cover every theme): its RAG summary counts only these.
REPORT_THEMES = {
    "child_protection": ("child_protection",),
    "looked_after": ("looked_after", "care_leavers"),
    "national_framework": tuple(t for t in THEMES if t != "local"),  # every measure, regrouped
}


# Why a figure is not computable, and the words a scorecard cell has room for
NO_FIGURE = "no figure for the quarter in the data"
NO_CASES = "no cases in the period to count"
NO_RECORDS = "the records it needs were not supplied"
SHORT_REASONS = {NO_FIGURE: "no figure", NO_CASES: "no cases", NO_RECORDS: "no records"}


# --- figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One published figure after disclosure control (``hidden``: shown as c)."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    provisional: bool = False
    hidden: bool = False

    @property
    def known(self) -> bool:
        return not self.hidden and not is_missing(self.value)


def mask_outturns(outturns: pd.DataFrame, catalogue: Catalogue, audience: str) -> pd.DataFrame:
    """Outturns with the figures a ``public`` report may not show blanked, plus ``hidden``
    (the figures' own disclosure pass; a report's pass also covers its tables, see
    :mod:`.ledger`).

    Blanking happens before assessment and drafting, so nothing downstream can state them.
    """
    return ledger.figures_ledger(outturns, catalogue, audience).mask(outturns)


# --- the report ------------------------------------------------------------------------------
@dataclass
class ReportInputs:
    """What a report is built from: figures for the authority, targets, comparators and text."""

    outturns: pd.DataFrame  # authority,indicator,period,value[,numerator,denominator,status]
    targets: pd.DataFrame | None = None
    comparators: Any = None  # safeguarding.comparators.Comparators
    catalogue: Catalogue | None = None
    commentary: Callable[[str], tuple[str, str]] | None = None  # indicator -> (text, mode)
    # teams, sources and warnings: a safeguarding.summary.AuthoritySummary, or a DataSet
    # (summarised for the authority when the report is made)
    data: Any = None
    neighbour_average: str = "mean"
    conclusion: str = ""
    extra_sources: Sequence[tuple[str, str]] = ()  # (label, sha256) e.g. params files


class QuarterlyReport:
    """A quarter's report for one authority: the objects a notebook displays."""

    def __init__(self, meta: ReportMeta, inputs: ReportInputs):
        disclosure.check_audience(meta.audience)
        self.meta = meta
        self.inputs = inputs
        self.catalogue = inputs.catalogue or builtin_catalogue()
        if inputs.targets is not None:  # checked once; fills default tolerances
            from ..targets import as_targets

            checked = as_targets(inputs.targets, self.catalogue)
            # only this authority's rows: every figure looks its target up (a national file
            # has thousands of rows)
            inputs.targets = checked[checked["authority"] == meta.authority]
        self.period = meta.period
        own = inputs.outturns[inputs.outturns["authority"].astype(str) == meta.authority]
        self.records = _records(inputs.data, meta.authority, self.period)
        check_records_cover(self.records, meta.authority, self.period)
        # one disclosure pass over every count the report publishes; all parts read from it
        self.ledger = ledger.report_ledger(
            meta.report, meta.audience, own, self.catalogue, self.records, self.period
        )
        self.figures = self.ledger.mask(own)
        self._index = {(r["indicator"], r["period"]): r for r in self.figures.to_dict("records")}
        self._targets: dict[tuple[str, str], Any] = {}
        self._target_rows: Any = None  # targets.TargetRows, made at the first lookup

    # -- construction from the project ---------------------------------------------------------
    @classmethod
    def build(
        cls,
        authority: str,
        quarter: str,
        report: str = "quarterly_scorecard",
        committee: str = "",
        audience: str = "public",
        project_dir: str | Path = "",
        data_dir: str | Path = "",
        run_time: str = "",
    ) -> QuarterlyReport:
        """Everything from the project's parameters and data (the notebooks' one call)."""
        return build_report(
            cls, authority, quarter, report, committee, audience, project_dir, data_dir, run_time
        )

    # -- lookups ---------------------------------------------------------------------------------
    def figure(self, indicator: str, period: Period | str) -> Figure | None:
        rec = self._index.get((indicator, parse_period(period).label))
        if rec is None:
            return None
        return Figure(
            None if is_missing(rec["value"]) else float(rec["value"]),
            None if is_missing(rec.get("numerator")) else float(rec["numerator"]),
            None if is_missing(rec.get("denominator")) else float(rec["denominator"]),
            str(rec.get("status") or "") == "provisional",
            bool(rec["hidden"]),
        )

    def cell(self, indicator: Indicator, period: Period | str) -> str:
        """A figure as a table cell: formatted, ``c`` when hidden, ``n/a`` when missing."""
        fig = self.figure(indicator.id, period)
        if fig is None or (not fig.hidden and is_missing(fig.value)):
            return "n/a"
        if fig.hidden:
            return disclosure.SUPPRESSED
        return cell_value(indicator, fig.value) + (sup("p") if fig.provisional else "")

    @cached_property
    def assessment(self) -> pd.DataFrame:
        """The assessment of this quarter's figures (safeguarding.assessment), masked first."""
        from .. import assessment

        outturns = self.figures.drop(columns=["hidden"])
        outturns = outturns[outturns["value"].notna()]
        kwargs = dict(
            targets=self.inputs.targets,
            comparators=self.inputs.comparators,
            catalogue=self.catalogue,
            authorities=[self.meta.authority],
            neighbour_average=self.inputs.neighbour_average,
        )
        try:
            return assessment.assess(outturns, self.period, **kwargs)
        except ImportError:  # the narrative module is not installed: judge without drafting
            return assessment.assess(outturns, self.period, narrative=False, **kwargs)

    def status(self, ind: Indicator, short: bool = False) -> tuple[str, str]:
        """``(status, words)`` for the quarter's figure: ``green``/``amber``/``red`` against
        a target or band, ``none`` (no target), ``suppressed`` (a figure withheld for
        disclosure control), ``unavailable`` (not computable, with the reason); a
        provisional figure says so in words. ``short``: the few words a table cell holds."""
        fig = self.figure(ind.id, self.period)
        has_target = self.target(ind, self.period.financial_year) is not None
        if fig is not None and fig.hidden:
            # withheld whether or not a target is set ("No target: not published" would say
            # the missing target is why); without one, the words say so
            if short:
                return "suppressed", "" if has_target else "no target"
            words = "figure not published (one to five children)"
            return "suppressed", words if has_target else f"{words}; no target set"
        row = self.assessed(ind.id)
        if fig is None or is_missing(fig.value) or row is None:
            reason = self.not_computable_reason(ind)
            return "unavailable", SHORT_REASONS.get(reason, "data incomplete") if short else reason
        rag = row["rag"] if row["rag"] in ("green", "amber", "red") else "none"
        words = VS_TARGET_WORDS.get(row["vs_target"], "")
        if fig.provisional:
            words = f"{words}, provisional" if words else "provisional"
        return rag, words

    def has_commentary(self) -> bool:
        """Whether the analyst wrote commentary for any indicator this report covers."""
        if self.inputs.commentary is None:
            return False
        return any(
            (self.inputs.commentary(ind.id)[0] or "").strip()
            for theme in self.themes
            for ind in self.indicators_for(theme)
        )

    def not_computable_reason(self, ind: Indicator) -> str:
        """Why the quarter has no figure for ``ind``, in a few words."""
        fig = self.figure(ind.id, self.period)
        if fig is not None and fig.denominator == 0:
            return NO_CASES
        # the indicator engine's own reason (an absent column, a window the returns miss)
        for line in getattr(self.records, "not_computable", None) or []:
            head, _, reason = line.partition(": not computable: ")
            if reason and head.startswith(f"{ind.id} for ") and self.period.label in head:
                return reason
        return NO_FIGURE if fig is None else NO_RECORDS

    def source_notes(self, ind: Indicator) -> list[str]:
        """What the loaders said about where ``ind``'s figures come from (Annex A's own count
        of earlier referrals, for instance), for a note beside the figure."""
        from ..loaders.annex_a import FIGURE_NOTES

        wanted = FIGURE_NOTES.get(ind.id, ())
        warnings = getattr(self.records, "warnings", None) or []
        return [message for rule, _, message in warnings if rule in wanted]

    def assessed(self, indicator: str) -> dict[str, Any] | None:
        """The assessment's (first) row for ``indicator``, or None (a copy: callers may
        change it)."""
        row = self._assessed.get(indicator)
        return None if row is None else dict(row)

    @cached_property
    def _assessed(self) -> dict[str, dict[str, Any]]:
        # each indicator's row taken once: sections, scorecards and the status ask for it
        # again and again, and filtering the frame each time was a tenth of a rerun
        first = (~self.assessment["indicator"].duplicated()).to_numpy()
        rows = (self.assessment.iloc[i].to_dict() for i in first.nonzero()[0])
        return {row["indicator"]: row for row in rows}

    def target(self, indicator: Indicator, year: Period) -> Any:
        """The target for ``year``'s financial year, looked up once per indicator and year
        (charts, sections and scorecards ask for it again and again; each lookup filters
        the targets' frame)."""
        from ..targets import target_for, target_rows

        key = (indicator.id, parse_period(year).financial_year.label)
        if key not in self._targets:
            if self._target_rows is None:
                self._target_rows = target_rows(self.inputs.targets)
            self._targets[key] = target_for(self._target_rows, self.meta.authority, indicator, year)
        return self._targets[key]

    def target_text(self, indicator: Indicator, year: Period) -> str:
        t = self.target(indicator, year)
        if t is None:
            return "N/A"
        if t.band and t.target is None:
            return f"{esc(indicator.format(t.band[0]))} to {esc(indicator.format(t.band[1]))}"
        return "N/A" if t.target is None else esc(indicator.format(t.target))

    def comparator(self, kind: str, indicator: Indicator, period: Period) -> Any:
        comps = self.inputs.comparators
        if comps is None:
            return None
        if kind == "england":
            return comps.england(indicator.id, period)
        return comps.neighbours_of(self.meta.authority, indicator.id, period)

    def indicators_for(self, theme: str) -> list[Indicator]:
        """The theme's indicators that apply this year and have a figure or a target."""
        year = self.period.financial_year
        out = []
        for ind in self.catalogue.by_theme(theme):
            if not ind.applies_to(self.period):
                continue
            periods = [*self.period.quarters(), year.shift(-1)]
            if any(self.figure(ind.id, p) is not None for p in periods):
                out.append(ind)
        return out

    # -- displayed objects ---------------------------------------------------------------------
    def metadata(self) -> MetaOutput:
        data = self.meta.as_json()
        data["rag_summary"] = self.rag_counts()
        return MetaOutput(data)

    def front_sheet(self) -> Fragment:
        return front_sheet(self.meta)

    @property
    def themes(self) -> tuple[str, ...]:
        """The themes this report covers."""
        return REPORT_THEMES.get(self.meta.report, THEME_ORDER)

    def rag_counts(self) -> dict[str, int]:
        """Green, amber, red and unjudged indicators among this report's themes."""
        counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
        ours = (
            self.assessment[
                self.assessment["indicator"].map(lambda i: self.catalogue[i].theme in self.themes)
            ]
            if len(self.assessment)
            else self.assessment
        )
        for rag in ours["rag"] if len(ours) else []:
            counts[rag if rag in counts else "none"] += 1
        return counts

    def summary(self, themes: Iterable[str] | None = None) -> Fragment:
        """A short overview: how many indicators are green, amber and red this quarter."""
        return scorecard.summary(self, themes)

    def scorecard(self, theme: str, title: str | None = None, heading: bool = True) -> Fragment:
        """The theme's scorecard table, in the layout committees know (see BRIEF).

        ``heading=False`` when a markdown cell above already gives the section its heading.
        """
        return scorecard.scorecard(self, theme, title, heading)

    def indicator_sections(self, theme: str) -> SectionGroup:
        return sections.indicator_sections(self, theme)

    def indicator_section(self, indicator_id: str, chart: str = "trend") -> IndicatorSection:
        """What the indicator measures and why, its polarity, chart and commentary."""
        return sections.indicator_section(self, indicator_id, chart)

    def trend_periods(self, count: int = 8) -> list[Period]:
        return trends.trend_periods(self, count)

    def trend_chart(self, ind: Indicator | str) -> charts.Chart:
        """The last eight quarters against England, neighbours and target (band shaded)."""
        return trends.trend_chart(self, ind)

    def spc_chart(self, ind: Indicator | str, months: int = 24) -> charts.Chart:
        """Monthly figures with the SPC mean, limits and special-cause points."""
        return trends.spc_chart(self, ind, months)

    def caseloads(self, case_types: Sequence[str] | None = None) -> Fragment:
        """Children by case type and team at the quarter's end, with totals (and c)."""
        return activity.caseloads(self, case_types)

    def activity_by_team(self, table: str, date_column: str, title: str) -> Fragment:
        """Events in the financial year to date by team (e.g. assessments, conferences)."""
        return activity.activity_by_team(self, table, date_column, title)

    def data_quality(self) -> Fragment:
        """What the loaders warned about, in a sentence per rule."""
        return closing.data_quality(self)

    def conclusion(self, text: str = "") -> Fragment:
        """The analyst's conclusion (argument, then the inputs' text, then a plain default)."""
        return closing.conclusion(self, text)

    def provenance(self) -> Fragment:
        """Where the figures came from: inputs and checksums, extract dates, code, run time."""
        return closing.provenance(self)


def check_records_cover(records: AuthoritySummary | None, authority: str, period: Period) -> None:
    """No report without data (see :func:`safeguarding.summary.check_covers`)."""
    from ..summary import check_covers

    check_covers(None if records is None else records.records_span, authority, period)


def _records(data: Any, authority: str, period: Period) -> AuthoritySummary | None:
    """What the report shows from the records: the summary given, or a data set's summary."""
    if data is None or isinstance(data, AuthoritySummary):
        return data
    return records_summary(data, authority, period)
