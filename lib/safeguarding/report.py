"""What report notebooks display: front sheet, scorecards, indicator sections, activity tables,
data-quality note, conclusion and provenance.

A notebook stays thin::

    r = report.QuarterlyReport.build(authority, quarter, report="quarterly_scorecard",
                                     committee=committee, audience=audience, ...)
    r.metadata()                 # once: the renderer's title, header and document metadata
    r.front_sheet()
    r.scorecard("child_protection")
    r.indicator_section("NI65")

Every object has ``_repr_mimebundle_`` giving ``text/markdown`` (pandoc Markdown, what
:mod:`safeguarding.render` turns into HTML, PDF and Word) and ``text/html`` (what JupyterLab
shows). An indicator section displays several outputs in turn (text, chart, commentary) so
that its chart reaches the renderer as an SVG output with its alt text.

Disclosure control is applied once, to the figures, before anything is judged or drafted:
for a ``public`` report a hidden figure is absent from tables, charts and drafted text alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, charts, disclosure
from .catalogue import Catalogue, Indicator, format_value
from .catalogue import catalogue as builtin_catalogue
from .manifest import git_commit
from .markup import (
    Block,
    DefList,
    Div,
    Fragment,
    Heading,
    ItemList,
    Para,
    Raw,
    Table,
    esc,
    span,
    sup,
)
from .periods import Period, parse_period
from .summary import AuthoritySummary, records_summary

META_MIME = "application/vnd.safeguarding.meta+json"
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "none": "No target"}
VS_TARGET_WORDS = {
    "met": "target met",
    "near": "close to target",
    "missed": "target missed",
    "within_band": "within band",
    "below_band": "below band",
    "above_band": "above band",
    "no_target": "",
}
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
}
IMPLICATION_TITLES = {
    "financial": "Financial implications",
    "legal": "Legal implications",
    "equalities": "Equalities implications",
    "risk": "Risk management",
    "consultation": "Consultation",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def indicator_code(ind: Indicator) -> str:
    """``NI 65`` for national indicators (as papers write them), else empty: the other ids
    (``REREFERRAL_12M``) are for files, not readers."""
    return re.sub(r"^NI(\d)", r"NI \1", ind.id) if re.match(r"NI\d", ind.id) else ""


def indicator_name(ind: Indicator) -> str:
    code = indicator_code(ind)
    return f"{esc(ind.label)} ({code})" if code else esc(ind.label)


def cell_value(ind: Indicator, value: float | None) -> str:
    """A figure for a table cell. Rates drop "per 10,000": the row's label says it, and
    repeating it in every cell only makes the table wrap."""
    if value is None:
        return "n/a"
    unit = "count" if ind.unit == "rate_per_10000" else ind.unit
    return esc(format_value(value, unit, ind.decimals))


def _lower_first(text: str) -> str:
    """Lower-case the first letter only (keeps "ONS", "CP" and names intact)."""
    return text[:1].lower() + text[1:]


def slug(text: str) -> str:
    """An id for a heading: lower case letters, digits and hyphens."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def rag_span(rag: str | None, words: str = "") -> str:
    """The status cell: a classed span (colour in HTML and PDF) holding the status in words."""
    rag = rag if rag in RAG_WORDS else "none"
    text = RAG_WORDS[rag] + (f": {words}" if words else "")
    return span(esc(text), "rag", f"rag-{rag}")


# --- report metadata and front sheet ---------------------------------------------------------
@dataclass
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ReportMeta:
    """Everything a front sheet and the renderer's running header need."""

    title: str
    authority: str
    authority_name: str
    quarter: str
    report: str
    committee: str  # the committee's name
    meeting_date: dt.date | None
    report_of: str
    contact: Contact
    classification: str
    audience: str = "public"
    wards_affected: str = "All wards"
    decision_type: str = "For information"
    purpose: str = ""
    recommendations: Sequence[str] = ()
    implications: dict[str, str] = field(default_factory=dict)
    run_time: str = ""

    @property
    def period(self) -> Period:
        return parse_period(self.quarter)

    @property
    def meeting_date_text(self) -> str:
        if not self.meeting_date:
            return "To be confirmed"
        return f"{self.meeting_date.day} {self.meeting_date:%B %Y}"

    @property
    def subtitle(self) -> str:
        p = self.period
        months = f"{p.start:%B} to {p.end:%B %Y}"
        return f"{self.authority_name}: quarter {p.quarter} {p.fy_label} ({months})"

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "authority": self.authority,
            "authority_name": self.authority_name,
            "quarter": self.period.label,
            "report": self.report,
            "committee": self.committee,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else "",
            "meeting_date_text": self.meeting_date_text,
            "classification": self.classification,
            "audience": self.audience,
            "lang": "en-GB",
            "run_time": self.run_time,
        }


@dataclass
class MetaOutput:
    """The report's metadata, displayed once per notebook for the renderer."""

    meta: dict[str, Any]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        text = f"{self.meta['title']} - {self.meta['committee']}, {self.meta['meeting_date_text']}"
        return {META_MIME: self.meta, "text/plain": text}


def front_sheet(meta: ReportMeta) -> Fragment:
    """The committee front sheet: who, when, what for, and the standard implications."""
    c = meta.contact
    contact = ", ".join(esc(x) for x in (c.name, c.role) if x)
    if c.phone:
        contact += f"; telephone {esc(c.phone)}"
    if c.email:
        contact += f"; e-mail [{esc(c.email)}](mailto:{c.email})"
    classification = esc(meta.classification)
    if meta.audience == "restricted":
        classification += (
            " (restricted audience: every figure is shown, including counts of one to five "
            "children; not for publication)"
        )
    else:
        classification += " (published: counts of one to five children are shown as c)"
    details = DefList(
        [
            ("Report to", esc(meta.committee)),
            ("Meeting date", esc(meta.meeting_date_text)),
            ("Report of", esc(meta.report_of)),
            ("Contact officer", contact),
            ("Report title", esc(meta.title)),
            ("Authority", f"{esc(meta.authority_name)} ({esc(meta.authority)})"),
            ("Period", esc(meta.period.long_label)),
            ("Classification", classification),
            ("Wards affected", esc(meta.wards_affected or "N/A")),
            ("Decision type", esc(meta.decision_type or "N/A")),
        ]
    )
    blocks: list[Block] = [Div(("front-sheet",), [details], ident="front-sheet")]
    if meta.audience == "restricted":
        blocks.append(
            Para(
                "**Restricted.** This version shows every figure, including small numbers "
                "that could identify children. Do not publish it.",
                ("restricted-notice",),
            )
        )
    blocks += [
        Heading(2, "Purpose of the report", "purpose"),
        Para(esc(meta.purpose or "N/A")),
        Heading(2, "Recommendations", "recommendations"),
        ItemList([esc(r) for r in meta.recommendations] or ["N/A"], ordered=True),
        Heading(2, "Implications", "implications"),
        Div(
            ("implications",),
            [
                DefList(
                    [
                        (title, esc(meta.implications.get(key) or "N/A"))
                        for key, title in IMPLICATION_TITLES.items()
                    ]
                )
            ],
        ),
    ]
    return Fragment(blocks, part="front-sheet")


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
        return not self.hidden and not _missing(self.value)


def mask_outturns(outturns: pd.DataFrame, catalogue: Catalogue, audience: str) -> pd.DataFrame:
    """Outturns with the figures a ``public`` report may not show blanked, plus ``hidden``.

    Blanking happens before assessment and drafting, so nothing downstream can state them.
    """
    out = outturns.copy()
    units = out["indicator"].map(lambda i: catalogue[i].unit if i in catalogue else "percent")
    num = out["numerator"] if "numerator" in out else pd.Series(None, index=out.index)
    den = out["denominator"] if "denominator" in out else pd.Series(None, index=out.index)
    out["hidden"] = [
        disclosure.hide_figure(
            None if _missing(v) else float(v),
            u,
            None if _missing(n) else float(n),
            None if _missing(d) else float(d),
            audience,
        )
        for v, u, n, d in zip(out["value"], units, num, den, strict=True)
    ]
    cols = [c for c in ("value", "numerator", "denominator") if c in out]
    out[cols] = out[cols].astype("float64")
    out.loc[out["hidden"], cols] = float("nan")
    return out


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


def _against(name: str, comparable: bool, ind: Indicator, targets: list) -> str:
    """The end of a trend chart's caption: what the authority is drawn against (only what
    the chart shows: no target where none is set)."""
    drawn = ["England", "statistical neighbours"] if comparable else []
    if ind.polarity == "band" and ind.band:
        drawn.append("the target band")
    elif any(t is not None for t in targets):
        drawn.append("target")
    if not drawn:
        return f", {name}"
    listed = drawn[0] if len(drawn) == 1 else f"{', '.join(drawn[:-1])} and {drawn[-1]}"
    return f": {name} against {listed}"


class QuarterlyReport:
    """A quarter's report for one authority: the objects a notebook displays."""

    def __init__(self, meta: ReportMeta, inputs: ReportInputs):
        disclosure.check_audience(meta.audience)
        self.meta = meta
        self.inputs = inputs
        self.catalogue = inputs.catalogue or builtin_catalogue()
        if inputs.targets is not None:  # checked once; fills default tolerances
            from .targets import as_targets

            checked = as_targets(inputs.targets, self.catalogue)
            # only this authority's rows: every figure looks its target up (a national file
            # has thousands of rows)
            inputs.targets = checked[checked["authority"] == meta.authority]
        self.period = meta.period
        own = inputs.outturns[inputs.outturns["authority"].astype(str) == meta.authority]
        self.figures = mask_outturns(own, self.catalogue, meta.audience)
        self.records = _records(inputs.data, meta.authority, self.period)
        self._index = {(r["indicator"], r["period"]): r for r in self.figures.to_dict("records")}

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
            None if _missing(rec["value"]) else float(rec["value"]),
            None if _missing(rec.get("numerator")) else float(rec["numerator"]),
            None if _missing(rec.get("denominator")) else float(rec["denominator"]),
            str(rec.get("status") or "") == "provisional",
            bool(rec["hidden"]),
        )

    def cell(self, indicator: Indicator, period: Period | str) -> str:
        """A figure as a table cell: formatted, ``c`` when hidden, ``n/a`` when missing."""
        fig = self.figure(indicator.id, period)
        if fig is None or (not fig.hidden and _missing(fig.value)):
            return "n/a"
        if fig.hidden:
            return disclosure.SUPPRESSED
        return cell_value(indicator, fig.value) + (sup("p") if fig.provisional else "")

    @cached_property
    def assessment(self) -> pd.DataFrame:
        """The assessment of this quarter's figures (safeguarding.assessment), masked first."""
        from . import assessment

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

    def assessed(self, indicator: str) -> dict[str, Any] | None:
        hit = self.assessment[self.assessment["indicator"] == indicator]
        return None if hit.empty else hit.iloc[0].to_dict()

    def target(self, indicator: Indicator, year: Period) -> Any:
        from .targets import target_for

        return target_for(self.inputs.targets, self.meta.authority, indicator, year)

    def _target_text(self, indicator: Indicator, year: Period) -> str:
        t = self.target(indicator, year)
        if t is None:
            return "N/A"
        if t.band and t.target is None:
            return f"{esc(indicator.format(t.band[0]))} to {esc(indicator.format(t.band[1]))}"
        return "N/A" if t.target is None else esc(indicator.format(t.target))

    def _comparator(self, kind: str, indicator: Indicator, period: Period) -> Any:
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
        themes = list(self.themes if themes is None else themes)
        rows = self.assessment[
            self.assessment["indicator"].map(lambda i: self.catalogue[i].theme in themes)
        ]
        judged = rows[rows["rag"].isin(["green", "amber", "red"])]
        counts = {k: int((judged["rag"] == k).sum()) for k in ("green", "amber", "red")}
        text = (
            f"Of the {len(rows)} indicators with a figure for {esc(self.period.long_label)}, "
            f"{len(judged)} {'has' if len(judged) == 1 else 'have'} a target or band: "
            f"{counts['green']} green (on target), "
            f"{counts['amber']} amber (close to target) and {counts['red']} red (off target)."
        )
        blocks: list[Block] = [Heading(2, "Summary", "summary"), Para(text)]
        reds = [self.catalogue[i].label for i in judged[judged["rag"] == "red"]["indicator"]]
        if reds:
            blocks.append(Para("Off target this quarter: " + esc("; ".join(reds)) + "."))
        return Fragment(blocks)

    def scorecard(self, theme: str, title: str | None = None, heading: bool = True) -> Fragment:
        """The theme's scorecard table, in the layout committees know (see BRIEF).

        ``heading=False`` when a markdown cell above already gives the section its heading.
        """
        from .catalogue import THEMES

        indicators = self.indicators_for(theme)
        name = title or THEMES.get(theme, theme)
        blocks: list[Block] = [Heading(2, esc(name), f"scorecard-{slug(theme)}")] if heading else []
        if not indicators:
            blocks.append(Para("No figures are available for this theme this quarter."))
            return Fragment(blocks)
        blocks.append(self._scorecard_table(theme, name, indicators))
        return Fragment(blocks)

    def _scorecard_table(self, theme: str, heading: str, indicators: list[Indicator]) -> Table:
        this_year = self.period.financial_year
        last_year = this_year.shift(-1)
        ly, ty = last_year.fy_label, this_year.fy_label
        columns = [
            "Indicator",
            f"England {ly}",
            f"Neighbours {ly}",
            f"Target {ly}",
            f"Actual {ly}",
            f"Target {ty}",
            "Q1",
            "Q2",
            "Q3",
            "Q4",
            "Status",
        ]
        notes: list[str] = []
        rows = []
        older: set[str] = set()
        for ind in indicators:
            row = [self._indicator_label(ind, notes)]
            for kind in ("england", "neighbours"):
                comp = self._comparator(kind, ind, last_year)
                value = None if comp is None else comp.value
                if comp is not None and comp.period != last_year.label and value is not None:
                    older.add(comp.period)
                    row.append(cell_value(ind, value) + sup(comp.period))
                else:
                    row.append(cell_value(ind, value))
            row += [
                self._target_text(ind, last_year),
                self.cell(ind, last_year),
                self._target_text(ind, this_year),
            ]
            for q in this_year.quarters():
                row.append(self.cell(ind, q) if q <= self.period else "")
            row.append(self._status_cell(ind))
            rows.append(row)
        if any("^p^" in c for r in rows for c in r):
            notes.append(f"{sup('p')} Provisional figure: it may change when the data are final.")
        if any(c == disclosure.SUPPRESSED for r in rows for c in r):
            notes.append(esc(disclosure.NOTE))
        if older:
            notes.append(
                "Where a comparator is marked with a year, the latest published figure is for "
                "that year."
            )
        notes.append(
            f"England and neighbours: the latest published figures ({ly}); neighbours are the "
            f"{self.inputs.neighbour_average} of the statistical neighbours' figures. Q1 to Q4: "
            f"{ty} to date. Status: {esc(self.period.label)} against the {ty} target."
        )
        caption = f"{esc(heading)}: scorecard for {esc(self.period.label)}"
        return Table(
            caption,
            columns,
            rows,
            align="lrrrrrrrrrl",
            widths=(22, 8, 10, 8, 8, 8, 6, 6, 6, 6, 12),
            notes=notes,
        )

    def _indicator_label(self, ind: Indicator, notes: list[str]) -> str:
        label = esc(ind.label)
        shown = [self.period.financial_year.shift(-1), *self.period.quarters()]
        change = ind.changed_definition_note(shown)
        if change:
            mark = str(sum(1 for n in notes if n[:1] == "^") + 1)
            notes.append(f"{sup(mark)} {esc(ind.label)}: {esc(change)}")
            label += sup(mark)
        code = indicator_code(ind)
        return f"{label} ({code})" if code else label

    def _status_cell(self, ind: Indicator) -> str:
        fig = self.figure(ind.id, self.period)
        if fig is not None and fig.hidden:
            return rag_span("none", "figure not published")
        row = self.assessed(ind.id)
        if row is None:
            return rag_span("none")
        return rag_span(row["rag"], VS_TARGET_WORDS.get(row["vs_target"], ""))

    def indicator_sections(self, theme: str) -> SectionGroup:
        return SectionGroup([self.indicator_section(i.id) for i in self.indicators_for(theme)])

    def indicator_section(self, indicator_id: str, chart: str = "trend") -> IndicatorSection:
        """What the indicator measures and why, its polarity, chart and commentary."""
        ind = self.catalogue[indicator_id]
        intro = self._section_intro(ind, monthly=chart == "spc")
        picture = self.spc_chart(ind) if chart == "spc" else self.trend_chart(ind)
        return IndicatorSection(intro, picture, self._commentary(ind))

    def _section_intro(self, ind: Indicator, monthly: bool = False) -> Fragment:
        title = indicator_name(ind)
        ident = f"indicator-{slug(ind.id)}"
        if monthly:
            title, ident = f"{title}: month by month", f"{ident}-monthly"
        blocks: list[Block] = [Heading(3, title, ident)]
        measure = esc(ind.title) + "."
        if ind.numerator and ind.denominator:
            measure += (
                f" Counted: {_lower_first(esc(ind.numerator))}, out of "
                f"{_lower_first(esc(ind.denominator))}."
            )
        blocks.append(Para(f"**What it measures.** {measure}"))
        if ind.why:
            blocks.append(Para(f"**Why it matters.** {esc(ind.why)}"))
        blocks.append(Para(f"*{esc(ind.polarity_sentence())}*", ("polarity",)))
        blocks.append(Para(self._key_figures(ind), ("key-figures",)))
        return Fragment(blocks)

    def _key_figures(self, ind: Indicator) -> str:
        parts = [f"**{esc(self.period.label)}:** {self.cell(ind, self.period)}"]
        fig = self.figure(ind.id, self.period)
        if fig and fig.known and ind.is_percentage and fig.denominator:
            parts[-1] += f" ({int(fig.numerator):,} of {int(fig.denominator):,})"
        target = self._target_text(ind, self.period.financial_year)
        if target != "N/A":
            parts.append(f"**Target {self.period.fy_label}:** {target}")
        row = self.assessed(ind.id)
        if row and not _missing(row.get("england_value")) and ind.unit != "count":
            parts.append(
                f"**England {esc(row.get('comparator_year') or '')}:** "
                f"{esc(ind.format(row['england_value']))}"
            )
        parts.append(f"**Status:** {self._status_cell(ind)}")
        return " · ".join(parts)

    def _commentary(self, ind: Indicator) -> Fragment:
        drafted = self._drafted(ind)
        text, mode = ("", "replace")
        if self.inputs.commentary is not None:
            text, mode = self.inputs.commentary(ind.id)
        blocks: list[Block] = []
        if text and mode == "replace":
            blocks += [Para("**Commentary**", ("commentary-label",)), Raw(text)]
        else:
            blocks += [
                Para("**Commentary drafted from the figures**", ("commentary-label",)),
                Para(esc(drafted), ("drafted",)),
            ]
            if text:
                blocks += [Para("**Service commentary**", ("commentary-label",)), Raw(text)]
        return Fragment(blocks)

    def _drafted(self, ind: Indicator) -> str:
        fig = self.figure(ind.id, self.period)
        if fig is not None and fig.hidden:
            return (
                f"The figure for {self.period.label} is not published because it rests on "
                "between one and five children; comparisons with earlier figures are withheld "
                "for the same reason."
            )
        row = self.assessed(ind.id)
        if row is None:
            return f"No figure is available for {self.period.label}."
        return str(row.get("narrative") or "") or (
            f"The figure for {self.period.label} is {ind.format(row['value'])}."
        )

    # -- charts ------------------------------------------------------------------------------------
    def trend_periods(self, count: int = 8) -> list[Period]:
        return [self.period.shift(-i) for i in range(count - 1, -1, -1)]

    def trend_chart(self, ind: Indicator | str) -> charts.Chart:
        """The last eight quarters against England, neighbours and target (band shaded)."""
        ind = self.catalogue[ind] if isinstance(ind, str) else ind
        periods = self.trend_periods()
        labels = [p.short_label for p in periods]
        values, hidden = [], []
        for p, lab in zip(periods, labels, strict=True):
            fig = self.figure(ind.id, p)
            values.append(fig.value if fig and fig.known else None)
            if fig and fig.hidden:
                hidden.append(lab)

        def comparator(kind: str) -> list[float | None]:
            out = []
            for p in periods:
                comp = self._comparator(kind, ind, p)
                out.append(None if comp is None or comp.value is None else comp.value)
            return out

        targets = []
        for p in periods:
            t = self.target(ind, p)
            targets.append(None if t is None or t.target is None else t.target)
        # Counts are not comparable across authorities of different sizes: rates are.
        comparable = ind.unit != "count"
        return charts.trend_chart(
            ind,
            labels,
            values,
            england=comparator("england") if comparable else None,
            neighbours=comparator("neighbours") if comparable else None,
            target=targets,
            own_label=self.meta.authority_name,
            suppressed=hidden,
            caption=f"{ind.label} by quarter, {labels[0]} to {labels[-1]}"
            + _against(self.meta.authority_name, comparable, ind, targets),
        )

    def spc_chart(self, ind: Indicator | str, months: int = 24) -> charts.Chart:
        """Monthly figures with the SPC mean, limits and special-cause points."""
        from . import spc

        ind = self.catalogue[ind] if isinstance(ind, str) else ind
        last = Period(self.period.year, month=3 * self.period.quarter)
        periods = [last.shift(-i) for i in range(months - 1, -1, -1)]
        values = []
        for p in periods:
            fig = self.figure(ind.id, p)
            values.append(fig.value if fig and fig.known else None)
        labels = [p.short_label for p in periods]
        series = pd.Series(values, index=labels, dtype="float64")
        if series.notna().sum() < 2:
            return self.trend_chart(ind)
        t = self.target(ind, self.period)
        result = spc.spc(series, ind.polarity, None if t is None else t.target)
        return charts.spc_chart(ind, labels, values, result)

    # -- activity, data quality, conclusion, provenance -------------------------------------------
    def caseloads(self, case_types: Sequence[str] | None = None) -> Fragment:
        """Children by case type and team at the quarter's end, with totals (and c)."""
        blocks: list[Block] = [Heading(3, "Caseloads by team and case type", "caseloads")]
        table = None if self.records is None else self.records.caseloads
        if table is None:
            blocks.append(Para("No team allocations were supplied for this authority."))
            return Fragment(blocks)
        if case_types:  # matched without regard to case: systems spell them differently
            wanted = {c.lower() for c in case_types}
            table = table.loc[[c for c in table.index if c.lower() in wanted]]
        table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
        if table.empty:
            blocks.append(Para("No cases of these types were open at the end of the quarter."))
            return Fragment(blocks)
        per_team = table.sum(axis=0)
        first = "Case type"
        if table.shape[1] > max(6, table.shape[0]):  # many teams: one per row fits a page
            table, first = table.T, "Team"
        shown = disclosure.display_table(table, self.meta.audience)
        columns = [first, *[esc(c) for c in shown.columns]]
        rows = [[esc(i), *[str(v) for v in shown.loc[i]]] for i in shown.index]
        rows[-1] = [f"**{c}**" for c in rows[-1]]
        notes = [esc(disclosure.NOTE)] if self.meta.audience == "public" else []
        blocks.append(
            Table(
                f"Children by case type and team on {self.period.end:%d %B %Y}",
                columns,
                rows,
                notes=notes,
            )
        )
        totals = disclosure.display_shares(per_team, self.meta.audience)
        share_rows = [[esc(t), r["count"], r["share"]] for t, r in totals.iterrows()]
        share_rows[-1] = [f"**{c}**" for c in share_rows[-1]]
        blocks.append(
            Table(
                f"Cases per team on {self.period.end:%d %B %Y}, with each team's share",
                ["Team", "Cases", "Share"],
                share_rows,
            )
        )
        return Fragment(blocks)

    def activity_by_team(self, table: str, date_column: str, title: str) -> Fragment:
        """Events in the financial year to date by team (e.g. assessments, conferences)."""
        from .summary import ACTIVITY_EVENTS

        if (table, date_column) not in ACTIVITY_EVENTS:
            raise ValueError(
                f"no events by team for {table}.{date_column}; the dated events are: "
                + ", ".join(f"{t}.{c}" for t, c in ACTIVITY_EVENTS)
            )
        blocks: list[Block] = [Heading(3, esc(title), f"activity-{slug(table)}")]
        counts = None if self.records is None else self.records.events.get((table, date_column))
        if counts is None:
            blocks.append(Para("No team allocations were supplied for this authority."))
            return Fragment(blocks)
        start, end = self.period.window("year_to_date")
        shares = disclosure.display_shares(counts, self.meta.audience)
        rows = [[esc(t), r["count"], r["share"]] for t, r in shares.iterrows()]
        rows[-1] = [f"**{c}**" for c in rows[-1]]
        caption = f"{esc(title)}, {start:%d %B %Y} to {end:%d %B %Y}, by team"
        blocks.append(Table(caption, ["Team", "Number", "Share"], rows))
        return Fragment(blocks)

    def data_quality(self) -> Fragment:
        """What the loaders warned about, in a sentence per rule."""
        blocks: list[Block] = [Heading(2, "Data quality", "data-quality")]
        warnings = [] if self.records is None else self.records.warnings
        if not warnings:
            blocks.append(
                Para(
                    "The loaders found no data-quality problems in this authority's "
                    "records for the period."
                )
            )
            return Fragment(blocks)
        rows = [
            [esc(rule), self._record_count(count), esc(message)]
            for rule, count, message in warnings
        ]
        blocks.append(
            Table(
                "Data-quality warnings by rule",
                ["Rule", "Records", "Example"],
                rows,
                align="lrl",
                widths=(20, 8, 50),
            )
        )
        return Fragment(blocks)

    def _record_count(self, n: int) -> str:
        """A count of records: small ones are about a few children, so a range in public."""
        return "fewer than 6" if disclosure.hide_count(n, self.meta.audience) else f"{n:,}"

    def conclusion(self, text: str = "") -> Fragment:
        """The analyst's conclusion (argument, then the inputs' text, then a plain default)."""
        text = text or self.inputs.conclusion
        blocks: list[Block] = [Heading(2, "Conclusion", "conclusion")]
        if text:
            blocks.append(Raw(text))
        else:
            c = self.rag_counts()
            blocks.append(
                Para(
                    f"This report sets out {esc(self.meta.authority_name)}'s performance for "
                    f"{esc(self.period.long_label)} against its targets, England and its "
                    f"statistical neighbours: {c['green']} green, {c['amber']} amber and "
                    f"{c['red']} red. "
                    "Members are asked to note it and the actions described in the commentary."
                )
            )
        return Fragment(blocks)

    def provenance(self) -> Fragment:
        """Where the figures came from: inputs and checksums, extract dates, code, run time."""
        blocks: list[Block] = [Heading(2, "About this report", "provenance")]
        run = self.meta.run_time or "not recorded"
        blocks.append(
            Para(
                f"Produced by safeguarding-reports {esc(__version__)} "
                f"(code {esc(code_version())}) at {esc(run)} for the {esc(self.meta.audience)} "
                "audience. The same inputs rebuild this report exactly; per-file checksums "
                "are in the quarter's manifest."
            )
        )
        rows = provenance_rows(self.records)
        rows += [[esc(label), "", f"`{digest}`"] for label, digest in self.inputs.extra_sources]
        if rows:
            blocks.append(
                Table(
                    "Inputs",
                    ["Input", "Extract dates", "SHA-256"],
                    rows,
                    align="lll",
                    widths=(28, 18, 54),
                )
            )
        return Fragment(blocks)


@dataclass
class IndicatorSection:
    """An indicator's section: introduction, chart and commentary as separate outputs."""

    intro: Fragment
    chart: charts.Chart
    commentary: Fragment

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.intro, self.chart, self.commentary)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # Outside IPython's display (e.g. a plain repr): the text parts with the chart inline.
        return {
            "text/markdown": self.intro.markdown + "\n" + self.commentary.markdown,
            "text/html": self.intro.html + self.chart.svg + self.commentary.html,
        }


@dataclass
class SectionGroup:
    """Several indicator sections displayed in turn."""

    sections: list[IndicatorSection]

    def _ipython_display_(self) -> None:
        for section in self.sections:
            section._ipython_display_()


def _records(data: Any, authority: str, period: Period) -> AuthoritySummary | None:
    """What the report shows from the records: the summary given, or a data set's summary."""
    if data is None or isinstance(data, AuthoritySummary):
        return data
    return records_summary(data, authority, period)


def code_version() -> str:
    """The library's git commit, shortened (``+dirty`` if the tree has uncommitted changes),
    else 'unknown'."""
    commit = git_commit()
    if not commit:
        return "unknown"
    sha, plus, state = commit.partition("+")
    return sha[:12] + plus + state


def provenance_rows(records: AuthoritySummary | None) -> list[list[str]]:
    """One row per kind of input: extract dates, file count and a combined SHA-256."""
    if records is None:
        return []
    groups: dict[str, list[Any]] = {}
    for s in records.sources:
        groups.setdefault(s.kind, []).append(s)
    rows = []
    for kind, sources in sorted(groups.items()):
        dates = sorted(s.extract_date for s in sources if s.extract_date)
        when = (
            "" if not dates else dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
        )
        if len(sources) == 1:
            digest = sources[0].sha256
        else:  # a checksum of the sorted per-file checksums: one line that still pins every file
            digest = hashlib.sha256("".join(sorted(s.sha256 for s in sources)).encode()).hexdigest()
        files = "one file" if len(sources) == 1 else f"{len(sources)} files"
        rows.append([f"{esc(kind.replace('_', ' '))} ({files})", esc(when), f"`{digest}`"])
    return rows


# --- construction from the project ------------------------------------------------------------


def _meta_from_project(
    project: Any,
    authority: str,
    quarter: Period,
    report: str,
    committee: str,
    audience: str,
    run_time: str,
) -> ReportMeta:
    auth = project.authority(authority)
    sheet = project.front_sheet(report)
    com = auth.committee(committee or sheet.committee)
    officer = com.contact
    implications = {k: getattr(sheet.implications, k) for k in IMPLICATION_TITLES}
    return ReportMeta(
        title=sheet.title,
        authority=authority,
        authority_name=auth.name,
        quarter=quarter.label,
        report=report,
        committee=com.name,
        meeting_date=com.meeting_date,
        report_of=com.report_of,
        contact=Contact(officer.name, officer.role, officer.phone, officer.email),
        classification=sheet.classification_for(audience),
        audience=audience,
        wards_affected=sheet.wards_affected,
        decision_type=sheet.decision_type,
        purpose=sheet.purpose,
        recommendations=list(sheet.recommendations),
        implications=implications,
        run_time=run_time,
    )


def build_report(
    cls: type[QuarterlyReport],
    authority: str,
    quarter: str,
    report: str,
    committee: str,
    audience: str,
    project_dir: str | Path,
    data_dir: str | Path,
    run_time: str,
) -> QuarterlyReport:
    """Read the project's parameters and the authority's summary (cached, else built from
    its records), and build."""
    from . import params
    from .dataset import sha256_file
    from .summary import summary_for

    disclosure.check_audience(audience)
    authority = str(authority)
    period = parse_period(quarter)
    project = params.load_project(project_dir or None)
    meta = _meta_from_project(project, authority, period, report, committee, audience, run_time)
    folder = Path(data_dir) if data_dir else project.data_dir
    if not folder.is_absolute():
        folder = project.root / folder
    if not folder.is_dir():
        ensure_demo(folder)
    summary = summary_for(project, folder, authority, period)
    cat = project.catalogue()
    outturns = summary.report_outturns(report, cat)
    comp_file = Path(project.settings.comparators_file or folder / "comparators.csv")
    comparators = comparators_for(project, comp_file, cat) if comp_file.is_file() else None
    years = [period.financial_year, period.financial_year.shift(-1)]
    targets = project.targets(years)
    extra = [(project.rel(f), sha256_file(f)) for f in project.files_read(authority, period)]
    inputs = ReportInputs(
        outturns=outturns,
        targets=targets if len(targets) else None,
        comparators=comparators,
        catalogue=cat,
        commentary=lambda ind: project.commentary(authority, period, ind),
        data=summary,
        neighbour_average=project.settings.neighbour_average,
        extra_sources=extra,
    )
    return cls(meta, inputs)


def comparators_for(project: Any, path: Path, catalogue: Catalogue) -> Any:
    """The comparators file read and checked once, then from the project's cache while the
    file, the library, the local indicators and the neighbour average are unchanged (every
    report reads the same file; checking it costs about 0.3 s)."""
    from . import cache
    from .comparators import Comparators

    average = project.settings.neighbour_average
    key = {
        **cache.library_key(project.settings.indicators_file),
        "file": cache.file_stamps([path], path.parent),
        "path": str(path),
        "neighbour_average": average,
    }
    name = hashlib.sha256(f"{path.resolve()}\0{average}".encode()).hexdigest()[:16]
    where = project.root / cache.CACHE_DIR / "comparators" / f"{name}.pickle"
    comparators = cache.load(where, key)
    if comparators is None:
        comparators = Comparators.from_csv(path, catalogue, neighbour_average=average)
        cache.save(where, key, comparators)
    return comparators


def ensure_demo(folder: Path) -> None:
    """Generate the bundled demo data where the settings expect it (first use only)."""
    try:
        from .demo import write_demo
    except ImportError:
        raise FileNotFoundError(
            f"the data folder {folder} does not exist (and the demo generator is not available)"
        ) from None
    write_demo(folder)
