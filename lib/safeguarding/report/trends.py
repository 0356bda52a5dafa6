"""The charts of an indicator section: quarterly trends and monthly SPC."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import charts
from ..catalogue import Indicator
from ..periods import Period


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


def trend_periods(r: QuarterlyReport, count: int = 8) -> list[Period]:
    return [r.period.shift(-i) for i in range(count - 1, -1, -1)]


def trend_chart(r: QuarterlyReport, ind: Indicator | str) -> charts.Chart:
    """The last eight quarters against England, neighbours and target (band shaded)."""
    ind = r.catalogue[ind] if isinstance(ind, str) else ind
    periods = r.trend_periods()
    labels = [p.short_label for p in periods]
    values, hidden = [], []
    for p, lab in zip(periods, labels, strict=True):
        fig = r.figure(ind.id, p)
        values.append(fig.value if fig and fig.known else None)
        if fig and fig.hidden:
            hidden.append(lab)

    def comparator(kind: str) -> list[float | None]:
        out = []
        for p in periods:
            comp = r.comparator(kind, ind, p)
            out.append(None if comp is None or comp.value is None else comp.value)
        return out

    targets = []
    for p in periods:
        t = r.target(ind, p)
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
        own_label=r.meta.authority_name,
        suppressed=hidden,
        caption=f"{ind.label} by quarter, {labels[0]} to {labels[-1]}"
        + _against(r.meta.authority_name, comparable, ind, targets),
    )


def spc_chart(r: QuarterlyReport, ind: Indicator | str, months: int = 24) -> charts.Chart:
    """Monthly figures with the SPC mean, limits and special-cause points."""
    from .. import spc

    ind = r.catalogue[ind] if isinstance(ind, str) else ind
    last = Period(r.period.year, month=3 * r.period.quarter)
    periods = [last.shift(-i) for i in range(months - 1, -1, -1)]
    values = []
    for p in periods:
        fig = r.figure(ind.id, p)
        values.append(fig.value if fig and fig.known else None)
    labels = [p.short_label for p in periods]
    series = pd.Series(values, index=labels, dtype="float64")
    if series.notna().sum() < 2:
        return r.trend_chart(ind)
    t = r.target(ind, r.period)
    result = spc.spc(series, ind.polarity, None if t is None else t.target)
    return charts.spc_chart(ind, labels, values, result)
