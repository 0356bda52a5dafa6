"""An indicator's section: what it measures, its key figures, chart and commentary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import charts
from ..catalogue import Indicator
from ..markup import Block, Fragment, Heading, Para, Raw, esc
from ..narrative import spc_sentence
from .scorecard import status_cell
from .text import indicator_name, is_missing, lower_first, slug


def indicator_sections(r: QuarterlyReport, theme: str) -> SectionGroup:
    return SectionGroup([r.indicator_section(i.id) for i in r.indicators_for(theme)])


def indicator_section(
    r: QuarterlyReport, indicator_id: str, chart: str = "trend"
) -> IndicatorSection:
    """What the indicator measures and why, its polarity, chart and commentary."""
    ind = r.catalogue[indicator_id]
    if chart == "spc":
        return monthly_section(r, ind)
    return IndicatorSection(section_intro(r, ind), r.trend_chart(ind), commentary(r, ind))


def monthly_section(r: QuarterlyReport, ind: Indicator) -> IndicatorSection:
    """The month-by-month SPC view of an indicator whose quarterly section comes first: a
    line on what is charted, the chart, and the SPC conclusion in one sentence (nothing the
    quarterly section already said)."""
    from .trends import spc_result

    title = f"{indicator_name(ind)}: month by month"
    counted = "at each month's end" if ind.window == "snapshot" else "in each month"
    intro = Fragment(
        [
            Heading(3, title, f"indicator-{slug(ind.id)}-monthly"),
            Para(
                f"The figure {counted} against its mean and process limits (statistical "
                "process control, as NHS England's *Making Data Count* reads it)."
            ),
        ]
    )
    labels, values, result = spc_result(r, ind)
    if result is None:
        text = (
            "Too few months can be shown to chart this indicator month by month; the "
            "quarterly figures are above."
        )
        return IndicatorSection(intro, r.trend_chart(ind), Fragment([Para(esc(text))]))
    chart = r.spc_chart(ind)
    words = Fragment([Para(esc(spc_sentence(result, ind)), ("drafted",))])
    return IndicatorSection(intro, chart, words)


def section_intro(r: QuarterlyReport, ind: Indicator) -> Fragment:
    title = indicator_name(ind)
    ident = f"indicator-{slug(ind.id)}"
    blocks: list[Block] = [Heading(3, title, ident)]
    measure = esc(ind.title) + "."
    if ind.numerator and ind.denominator:
        measure += (
            f" Counted: {lower_first(esc(ind.numerator))}, out of "
            f"{lower_first(esc(ind.denominator))}."
        )
    blocks.append(Para(f"**What it measures.** {measure}"))
    if ind.why:
        blocks.append(Para(f"**Why it matters.** {esc(ind.why)}"))
    blocks.append(Para(f"*{esc(ind.polarity_sentence())}*", ("polarity",)))
    blocks.append(Para(key_figures(r, ind), ("key-figures",)))
    for note in r.source_notes(ind):
        blocks.append(Para(f"*Note: {esc(note)}.*", ("source-note",)))
    return Fragment(blocks)


def key_figures(r: QuarterlyReport, ind: Indicator) -> str:
    """The quarter's figure with the time it covers, its 12-month equivalent for a part
    year's count or rate, the target, England's figure and the status."""
    words = esc(ind.window_words(r.period))
    parts = [f"**{esc(r.period.label)}**, {words}: {r.cell(ind, r.period)}"]
    fig = r.figure(ind.id, r.period)
    if fig and fig.known and ind.is_percentage and fig.denominator:
        parts[-1] += f" ({int(fig.numerator):,} of {int(fig.denominator):,})"
    row = r.assessed(ind.id)
    annual = None if row is None else row.get("value_annual")
    if fig and fig.known and ind.annual_factor(r.period) != 1.0 and not is_missing(annual):
        parts.append(f"**Over a year at that pace:** {esc(ind.format(annual))}")
    target = r.target_text(ind, r.period.financial_year)
    if target != "N/A":
        parts.append(f"**Target {r.period.fy_label}:** {target}")
    if row and not is_missing(row.get("england_value")) and ind.unit != "count":
        parts.append(
            f"**England {esc(row.get('comparator_year') or '')}:** "
            f"{esc(ind.format(row['england_value']))}"
        )
    parts.append(f"**Status:** {status_cell(r, ind)}")
    return " · ".join(parts)


def commentary(r: QuarterlyReport, ind: Indicator) -> Fragment:
    draft = drafted(r, ind)
    text, mode = ("", "replace")
    if r.inputs.commentary is not None:
        text, mode = r.inputs.commentary(ind.id)
    blocks: list[Block] = []
    if text and mode == "replace":
        blocks += [Para("**Commentary**", ("commentary-label",)), Raw(text)]
    else:
        blocks += [
            Para("**Commentary drafted from the figures**", ("commentary-label",)),
            Para(esc(draft), ("drafted",)),
        ]
        if text:
            blocks += [Para("**Service commentary**", ("commentary-label",)), Raw(text)]
    return Fragment(blocks)


def drafted(r: QuarterlyReport, ind: Indicator) -> str:
    fig = r.figure(ind.id, r.period)
    if fig is not None and fig.hidden:
        return (
            f"The figure for {r.period.label} is not published because it rests on "
            "between one and five children; comparisons with earlier figures are withheld "
            "for the same reason."
        )
    row = r.assessed(ind.id)
    if row is None:
        return (
            f"No figure can be given for {ind.window_words(r.period)}: "
            f"{r.not_computable_reason(ind)}."
        )
    return str(row.get("narrative") or "") or (
        f"The figure for {r.period.label} is {ind.format(row['value'])}."
    )


@dataclass
class IndicatorSection:
    """An indicator's section: introduction, chart and commentary as separate outputs."""

    intro: Fragment
    chart: charts.Chart | Fragment  # a note and small table where a chart shows nothing
    commentary: Fragment

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.intro, self.chart, self.commentary)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # Outside IPython's display (e.g. a plain repr): the text parts with the chart inline.
        return {
            "text/markdown": self.intro.markdown
            + ("" if isinstance(self.chart, charts.Chart) else "\n" + self.chart.markdown)
            + "\n"
            + self.commentary.markdown,
            "text/html": self.intro.html
            + (self.chart.svg if isinstance(self.chart, charts.Chart) else self.chart.html)
            + self.commentary.html,
        }


@dataclass
class SectionGroup:
    """Several indicator sections displayed in turn."""

    sections: list[IndicatorSection]

    def _ipython_display_(self) -> None:
        for section in self.sections:
            section._ipython_display_()
