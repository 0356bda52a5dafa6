"""The charts of an indicator section: quarterly trends and monthly SPC.

A chart shows only what can be shown: a series whose figures are mostly suppressed, or all
zero, is given as a note and a small table instead (:func:`not_charted`), and a caption or
alt text names only the lines drawn. A part year's count or rate set beside annual
comparators or targets is drawn on a 12-month basis (each quarter's figure x 4), and the
axis and caption say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import charts, disclosure
from ..catalogue import Indicator
from ..markup import Fragment, Para, Table, esc
from ..periods import Period

SPC_BASELINE = 12  # months that fix the first phase's mean and limits (the guidance's minimum)


def _against(
    name: str, ind: Indicator, targets: list, england: list | None, neighbours: list | None
) -> str:
    """The end of a trend chart's caption: what the authority is drawn against (only what
    the chart shows: no England or neighbours line without their figures, no target where
    none is set)."""
    drawn = [
        label
        for label, series in (("England", england), ("statistical neighbours", neighbours))
        if series and any(v is not None for v in series)
    ]
    if ind.polarity == "band" and ind.band:
        drawn.append("the target band")
    elif any(t is not None for t in targets):
        drawn.append("target")
    if not drawn:
        return f", {name}"
    listed = drawn[0] if len(drawn) == 1 else f"{', '.join(drawn[:-1])} and {drawn[-1]}"
    return f": {name} against {listed}"


def _window_caption(ind: Indicator, annualised: bool, monthly: bool = False) -> str:
    """How each point of a chart is counted, in a caption's words."""
    unit = "month" if monthly else "quarter"
    if annualised:
        return f"each {unit}'s figure on a 12-month basis"
    return {
        "snapshot": f"at each {unit}'s end",
        "year_to_date": f"year to date at each {unit}" if not monthly else "in each month",
        "in_period": f"in each {unit}",
        "rolling_12_months": f"the 12 months to each {unit}'s end",
    }.get(ind.window, "")


def trend_periods(r: QuarterlyReport, count: int = 8) -> list[Period]:
    return [r.period.shift(-i) for i in range(count - 1, -1, -1)]


def not_charted(
    r: QuarterlyReport,
    ind: Indicator,
    periods: list[Period],
    hidden: int,
    zero: bool,
    known: int | None = None,
) -> Fragment | None:
    """A note and a small table in place of a chart that would show nothing: most figures
    suppressed, or every figure zero; a note alone when no quarter has a figure (``known``
    0). None when the chart can be drawn."""
    labels = [p.short_label for p in periods]
    if known == 0 and hidden == 0:
        why = (f"Not charted: no figure could be worked out for any quarter from {labels[0]} "
               f"to {labels[-1]}.")  # fmt: skip
        return Fragment([Para(esc(why), ("chart-note",))])
    if hidden * 2 >= len(periods):
        why = (
            f"Not charted: {hidden} of the {len(periods)} quarters' figures rest on between one "
            f"and five children and are not published ({disclosure.SUPPRESSED}), so a chart "
            "would show almost nothing."
        )
    elif zero:
        why = f"Not charted: the figure was zero in every quarter from {labels[0]} to {labels[-1]}."
    else:
        return None
    cells = [r.cell(ind, p) for p in periods]
    table = Table(
        f"{esc(ind.label)} ({esc(_window_caption(ind, False))}), {labels[0]} to {labels[-1]}",
        ["", *labels],
        [[esc(r.meta.authority_name), *cells]],
        align="l" + "r" * len(labels),
        widths=(20, *([10] * len(labels))),
    )
    return Fragment([Para(esc(why), ("chart-note",)), table])


def trend_chart(r: QuarterlyReport, ind: Indicator | str) -> charts.Chart | Fragment:
    """The last eight quarters against England, neighbours and target (band shaded), or a
    note and table where a chart would show nothing."""
    ind = r.catalogue[ind] if isinstance(ind, str) else ind
    periods = r.trend_periods()
    labels = [p.short_label for p in periods]
    # Counts are not comparable across authorities of different sizes: rates are.
    comparable = ind.unit != "count"
    targets = []
    for p in periods:
        t = r.target(ind, p)
        targets.append(None if t is None or t.target is None else t.target)
    annualised = ind.scales_with_time and (comparable or any(t is not None for t in targets))
    values, hidden = [], []
    for p, lab in zip(periods, labels, strict=True):
        fig = r.figure(ind.id, p)
        factor = ind.annual_factor(p) if annualised else 1.0
        values.append(fig.value * factor if fig and fig.known else None)
        if fig and fig.hidden:
            hidden.append(lab)
    known = [v for v in values if v is not None]
    note = not_charted(r, ind, periods, len(hidden), bool(known) and not any(known), len(known))
    if note is not None:
        return note

    def comparator(kind: str) -> list[float | None]:
        out = []
        for p in periods:
            comp = r.comparator(kind, ind, p)
            out.append(None if comp is None or comp.value is None else comp.value)
        return out

    england = comparator("england") if comparable else None
    neighbours = comparator("neighbours") if comparable else None
    caption = (
        f"{ind.label}, {_window_caption(ind, annualised)}, {labels[0]} to {labels[-1]}"
        + _against(r.meta.authority_name, ind, targets, england, neighbours)
    )
    if annualised:
        caption += " (a quarter's figure x 4, to set beside annual figures)"
    return charts.trend_chart(
        ind,
        labels,
        values,
        england=england,
        neighbours=neighbours,
        target=targets,
        own_label=r.meta.authority_name,
        suppressed=hidden,
        caption=caption,
        ylabel=charts.axis_label(ind, annualised=annualised),
        counted=_window_caption(ind, annualised),
    )


def spc_result(r: QuarterlyReport, ind: Indicator, months: int = 24):
    """The monthly labels, values and SPC result (None when too few months can be shown)."""
    from .. import spc

    last = Period(r.period.year, month=3 * r.period.quarter)
    periods = [last.shift(-i) for i in range(months - 1, -1, -1)]
    values, hidden = [], 0
    for p in periods:
        fig = r.figure(ind.id, p)
        values.append(fig.value if fig and fig.known else None)
        hidden += bool(fig and fig.hidden)
    labels = [p.short_label for p in periods]
    series = pd.Series(values, index=labels, dtype="float64")
    if series.notna().sum() < 2 or hidden * 2 >= months:
        return labels, values, None
    t = r.target(ind, r.period)
    target = None if t is None else t.target
    result = spc.spc(
        series, ind.polarity, target, baseline=SPC_BASELINE, recalculate=True
    )
    return labels, values, result


def spc_caption(ind: Indicator, labels: list[str], result) -> str:
    """The caption: what is counted, the baseline and any recalculation, and the latest
    month's variation (and assurance) in Making Data Count's words."""
    first, end = result.baselines[0]
    text = (
        f"{ind.label}, {_window_caption(ind, False, monthly=True)}, {labels[0]} to "
        f"{labels[-1]} (SPC chart; mean and limits from {first} to {end}"
    )
    if result.breaks:
        text += ", recalculated from " + " and ".join(str(b.label) for b in result.breaks)
    text += f"). Latest month: {result.variation_words.lower()}"
    if result.assurance_words:
        text += f"; {result.assurance_words.lower()}"
    return text + "."


def spc_chart(
    r: QuarterlyReport, ind: Indicator | str, months: int = 24
) -> charts.Chart | Fragment:
    """Monthly figures with the SPC mean, limits and special-cause points (the quarterly
    trend where too few months can be shown)."""
    ind = r.catalogue[ind] if isinstance(ind, str) else ind
    labels, values, result = spc_result(r, ind, months)
    if result is None:
        return r.trend_chart(ind)
    return charts.spc_chart(
        ind,
        labels,
        values,
        result,
        caption=spc_caption(ind, labels, result),
        ylabel=charts.axis_label(ind, monthly=True),
    )
