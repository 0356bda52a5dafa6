"""Activity tables: caseloads by team and case type, events by team (from the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import disclosure
from ..markup import Block, Fragment, Heading, Para, Table, esc
from .ledger import TOTAL
from .text import slug


def caseloads(r: QuarterlyReport, case_types: Sequence[str] | None = None) -> Fragment:
    """Children by case type and team at the quarter's end, with totals (and c), then the
    cases per team with each team's share: both read from the report's ledger."""
    blocks: list[Block] = [Heading(3, "Caseloads by team and case type", "caseloads")]
    view = None if r.records is None else r.ledger.caseload_view(case_types)
    if view is None:
        blocks.append(Para("No team allocations were supplied for this authority."))
        return Fragment(blocks)
    if view.table.empty:
        blocks.append(Para("No cases of these types were open at the end of the quarter."))
        return Fragment(blocks)
    keys = view.totals.map(lambda _: None)
    for (kind, team), key in view.keys().items():
        keys.loc[kind, team] = key
    shown = keys.map(r.ledger.text)
    first = "Case type"
    if view.table.shape[1] > max(6, view.table.shape[0]):  # many teams: one per row fits a page
        shown, first = shown.T, "Team"
    columns = [first, *[esc(c) for c in shown.columns]]
    rows = [[esc(i), *[str(v) for v in shown.loc[i]]] for i in shown.index]
    rows[-1] = [f"**{c}**" for c in rows[-1]]
    notes = [esc(disclosure.NOTE)] if r.meta.audience == "public" else []
    on = f"{r.period.end:%d %B %Y}"
    blocks.append(Table(f"Children by case type and team on {on}", columns, rows, notes=notes))
    grand = view.key(TOTAL, TOTAL)
    share_rows = [
        [
            esc(team),
            r.ledger.text(view.key(TOTAL, team)),
            r.ledger.share(view.key(TOTAL, team), grand),
        ]
        for team in keys.columns
    ]
    share_rows[-1] = [f"**{c}**" for c in share_rows[-1]]
    blocks.append(
        Table(
            f"Cases per team on {on}, with each team's share",
            ["Team", "Cases", "Share"],
            share_rows,
        )
    )
    return Fragment(blocks)


def activity_by_team(r: QuarterlyReport, table: str, date_column: str, title: str) -> Fragment:
    """Events in the financial year to date by team (e.g. assessments, conferences)."""
    from ..summary import ACTIVITY_EVENTS

    if (table, date_column) not in ACTIVITY_EVENTS:
        raise ValueError(
            f"no events by team for {table}.{date_column}; the dated events are: "
            + ", ".join(f"{t}.{c}" for t, c in ACTIVITY_EVENTS)
        )
    blocks: list[Block] = [Heading(3, esc(title), f"activity-{slug(table)}")]
    view = None if r.records is None else r.ledger.event_view((table, date_column))
    if view is None:
        blocks.append(Para("No team allocations were supplied for this authority."))
        return Fragment(blocks)
    start, end = r.period.window("year_to_date")
    total = view.key(TOTAL)
    rows = [
        [esc(team), r.ledger.text(key), r.ledger.share(key, total)]
        for team, key in view.keys().items()
    ]
    rows[-1] = [f"**{c}**" for c in rows[-1]]
    caption = f"{esc(title)}, {start:%d %B %Y} to {end:%d %B %Y}, by team"
    blocks.append(Table(caption, ["Team", "Number", "Share"], rows))
    return Fragment(blocks)
