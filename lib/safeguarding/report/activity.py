"""Activity tables: caseloads by team and case type, events by team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import disclosure
from ..markup import Block, Fragment, Heading, Para, Table, esc
from .text import slug


def caseloads(r: QuarterlyReport, case_types: Sequence[str] | None = None) -> Fragment:
    """Children by case type and team at the quarter's end, with totals (and c)."""
    blocks: list[Block] = [Heading(3, "Caseloads by team and case type", "caseloads")]
    table = None if r.records is None else r.records.caseloads
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
    # One orientation for every authority: a team per row (authorities have from two teams
    # to dozens; case types are few, so they fit across the page as columns).
    table, first = table.T, "Team"
    shown = disclosure.display_table(table, r.meta.audience)
    columns = [first, *[esc(c) for c in shown.columns]]
    rows = [[esc(i), *[str(v) for v in shown.loc[i]]] for i in shown.index]
    rows[-1] = [f"**{c}**" for c in rows[-1]]
    notes = [esc(disclosure.NOTE)] if r.meta.audience == "public" else []
    blocks.append(
        Table(
            f"Children by case type and team on {r.period.end:%d %B %Y}",
            columns,
            rows,
            notes=notes,
        )
    )
    totals = disclosure.display_shares(per_team, r.meta.audience)
    share_rows = [[esc(t), r["count"], r["share"]] for t, r in totals.iterrows()]
    share_rows[-1] = [f"**{c}**" for c in share_rows[-1]]
    blocks.append(
        Table(
            f"Cases per team on {r.period.end:%d %B %Y}, with each team's share",
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
    counts = None if r.records is None else r.records.events.get((table, date_column))
    if counts is None:
        blocks.append(Para("No team allocations were supplied for this authority."))
        return Fragment(blocks)
    start, end = r.period.window("year_to_date")
    shares = disclosure.display_shares(counts, r.meta.audience)
    rows = [[esc(t), r["count"], r["share"]] for t, r in shares.iterrows()]
    rows[-1] = [f"**{c}**" for c in rows[-1]]
    caption = f"{esc(title)}, {start:%d %B %Y} to {end:%d %B %Y}, by team"
    blocks.append(Table(caption, ["Team", "Number", "Share"], rows))
    return Fragment(blocks)
