"""The RAG summary and the theme scorecards (the committee layout of the brief)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import disclosure
from ..catalogue import Indicator
from ..markup import Block, Fragment, Heading, Para, Table, esc, sup
from .text import RAG_WORDS, STATUS_MEANINGS, cell_value, indicator_code, rag_span, slug


def summary(r: QuarterlyReport, themes: Iterable[str] | None = None) -> Fragment:
    """A short overview: how many indicators are green, amber and red this quarter."""
    themes = list(r.themes if themes is None else themes)
    rows = r.assessment[r.assessment["indicator"].map(lambda i: r.catalogue[i].theme in themes)]
    judged = rows[rows["rag"].isin(["green", "amber", "red"])]
    counts = {k: int((judged["rag"] == k).sum()) for k in ("green", "amber", "red")}
    text = (
        f"Of the {len(rows)} indicators with a figure for {esc(r.period.label)} (to "
        f"{r.period.end.day} {r.period.end:%B %Y}), "
        f"{len(judged)} {'has' if len(judged) == 1 else 'have'} a target or band: "
        f"{counts['green']} green (on target), "
        f"{counts['amber']} amber (close to target) and {counts['red']} red (off target)."
    )
    blocks: list[Block] = [Heading(2, "Summary", "summary"), Para(text)]
    reds = [r.catalogue[i].label for i in judged[judged["rag"] == "red"]["indicator"]]
    if reds:
        blocks.append(Para("Off target this quarter: " + esc("; ".join(reds)) + "."))
    return Fragment(blocks)


def scorecard(
    r: QuarterlyReport, theme: str, title: str | None = None, heading: bool = True
) -> Fragment:
    """The theme's scorecard table, in the layout committees know (see BRIEF).

    ``heading=False`` when a markdown cell above already gives the section its heading.
    """
    from ..catalogue import THEMES

    indicators = r.indicators_for(theme)
    name = title or THEMES.get(theme, theme)
    blocks: list[Block] = [Heading(2, esc(name), f"scorecard-{slug(theme)}")] if heading else []
    if not indicators:
        blocks.append(Para("No figures are available for this theme this quarter."))
        return Fragment(blocks)
    blocks.append(scorecard_table(r, theme, name, indicators))
    return Fragment(blocks)


def scorecard_table(
    r: QuarterlyReport, theme: str, heading: str, indicators: list[Indicator]
) -> Table:
    this_year = r.period.financial_year
    last_year = this_year.shift(-1)
    ly, ty = last_year.fy_label, this_year.fy_label
    columns = [
        "Indicator",
        "Counted",
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
    windows: set[str] = set()
    statuses: set[str] = set()
    counts_shown = False
    for ind in indicators:
        row = [indicator_label(r, ind, notes), esc(counted(ind))]
        windows.add(ind.window)
        for kind in ("england", "neighbours"):
            comp = r.comparator(kind, ind, last_year)
            value = None if comp is None else comp.value
            if ind.unit == "count":  # not comparable across authorities of different sizes
                counts_shown = counts_shown or value is not None
                row.append("–")
                continue
            if comp is not None and comp.period != last_year.label and value is not None:
                older.add(comp.period)
                row.append(cell_value(ind, value) + sup(comp.period))
            else:
                row.append(cell_value(ind, value))
        row += [
            r.target_text(ind, last_year),
            r.cell(ind, last_year),
            r.target_text(ind, this_year),
        ]
        for q in this_year.quarters():
            row.append(r.cell(ind, q) if q <= r.period else "")
        statuses.add(r.status(ind)[0])
        row.append(status_cell(r, ind, short=True))
        rows.append(row)
    if any("^p^" in c for r in rows for c in r):
        notes.append(f"{sup('p')} Provisional figure: it may change when the data are final.")
    if any(c == disclosure.SUPPRESSED for r in rows for c in r):
        notes.append(esc(disclosure.NOTE))
    if counts_shown:
        notes.append(
            "–: counts are not compared with England or neighbours, whose sizes differ; the "
            "rate per 10,000 children is."
        )
    if older:
        notes.append(
            "Where a comparator is marked with a year, the latest published figure is for "
            "that year."
        )
    notes.append(
        f"England and neighbours: the latest published figures ({ly}); neighbours are the "
        f"{r.inputs.neighbour_average} of the statistical neighbours' figures. "
        + window_note(r, windows)
        + f" Status: {esc(r.period.label)} against the {ty} target; "
        + "; ".join(
            f"{RAG_WORDS[s]}: {STATUS_MEANINGS[s]}" for s in RAG_WORDS if s in statuses
        )
        + "."
    )
    caption = f"{esc(heading)}: scorecard for {esc(r.period.label)}"
    return Table(
        caption,
        columns,
        rows,
        align="llrrrrrrrrrl",
        widths=(19, 9, 7, 9, 7, 7, 7, 6, 6, 6, 6, 11),
        notes=notes,
    )


def indicator_label(r: QuarterlyReport, ind: Indicator, notes: list[str]) -> str:
    label = esc(ind.label)
    shown = [r.period.financial_year.shift(-1), *r.period.quarters()]
    change = ind.changed_definition_note(shown)
    if change:
        mark = str(sum(1 for n in notes if n[:1] == "^") + 1)
        notes.append(f"{sup(mark)} {esc(ind.label)}: {esc(change)}")
        label += sup(mark)
    code = indicator_code(ind)
    return f"{label} ({code})" if code else label


COUNTED = {
    "snapshot": "At quarter end",
    "year_to_date": "Year to date",
    "in_period": "In the quarter",
    "rolling_12_months": "Rolling 12 months",
}


def counted(ind: Indicator) -> str:
    """The scorecard's "Counted" cell: the window each quarter's figure covers."""
    return COUNTED.get(ind.window, ind.window_name)


def window_note(r: QuarterlyReport, windows: set[str]) -> str:
    """What the Q1 to Q4 columns count, for each window the table holds."""
    q = r.period.financial_year.quarters()[1]
    parts = {
        "year_to_date": f"year to date: Q2 counts April to {q.end:%B %Y}, Q4 the whole year",
        "in_period": f"in the quarter: Q2 counts {q.start:%B} to {q.end:%B %Y} alone",
        "snapshot": f"at quarter end: Q2 is the figure on {q.end.day} {q.end:%B %Y}",
        "rolling_12_months": "rolling 12 months: the 12 months to each quarter's end",
    }
    listed = [parts[w] for w in parts if w in windows]
    return ("Q1 to Q4, " + "; ".join(listed) + ".") if listed else ""


def status_cell(r: QuarterlyReport, ind: Indicator, short: bool = False) -> str:
    """The status in colour and words (``short``: as a table cell holds it)."""
    rag, words = r.status(ind, short=short)
    return rag_span(rag, words)
