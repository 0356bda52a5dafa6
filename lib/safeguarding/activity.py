"""Activity tables: grouped counts of children and events by team and case type.

Reads the optional canonical ``teams`` table (the team and case type each child's case sits
with, from a date until a date). A case is open on a date when it started on or before it and
had not ended by it (an end date on the day itself means it had ended), as for
"looked after at period end".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

UNALLOCATED = "Not allocated"


def _date(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def open_on(teams: pd.DataFrame, date: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """The allocations open on ``date``."""
    day = _date(date)
    started = teams["start_date"] <= day
    not_ended = teams["end_date"].isna() | (teams["end_date"] > day)
    return teams[started & not_ended]


def caseloads(teams: pd.DataFrame, date: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """Children by case type (rows) and team (columns) on ``date``; each child counted once
    per team and case type. Rows and columns are sorted by name for stable output."""
    current = open_on(teams, date).drop_duplicates(["child_id", "team", "case_type"])
    table = pd.crosstab(current["case_type"], current["team"])
    table = table.sort_index().sort_index(axis=1)
    table.index.name, table.columns.name = "Case type", "Team"
    return table.astype("int64")


def team_totals(
    teams: pd.DataFrame, date: dt.date | str | pd.Timestamp, case_type: str | None = None
) -> pd.Series:
    """Children per team on ``date`` (optionally of one case type), sorted by team."""
    current = open_on(teams, date)
    if case_type is not None:
        current = current[current["case_type"] == case_type]
    counts = current.drop_duplicates(["child_id", "team"]).groupby("team").size()
    return counts.sort_index().astype("int64").rename_axis("Team")


def events_by_team(
    events: pd.DataFrame,
    date_column: str,
    teams: pd.DataFrame,
    start: dt.date | str | pd.Timestamp,
    end: dt.date | str | pd.Timestamp,
) -> pd.Series:
    """Events dated from ``start`` to ``end`` (inclusive) by the team holding the child's case
    on the event's date (the most recent allocation open then: the latest start, the last
    team by name among allocations starting that day); others are "Not allocated"."""
    return Allocations(teams, start, end).events_by_team(events, date_column)


class Allocations:
    """The allocations open on some day of a window, ready to place many tables' events
    (:func:`events_by_team` for each without sorting the allocations again)."""

    def __init__(
        self,
        teams: pd.DataFrame,
        start: dt.date | str | pd.Timestamp,
        end: dt.date | str | pd.Timestamp,
    ) -> None:
        self.lo, self.hi = _date(start), _date(end)
        alloc = teams[["child_id", "team", "start_date", "end_date"]]
        # only allocations open on some day of the window can hold one of its events (and one
        # without a team names none)
        alloc = alloc[
            (alloc["start_date"] <= self.hi)
            & (alloc["end_date"].isna() | (alloc["end_date"] > self.lo))
            & alloc["team"].notna()
        ]
        self.children = pd.Index(alloc["child_id"]).unique()
        alloc = alloc.assign(_child=self.children.get_indexer(alloc["child_id"]))
        # each child's allocations together, in the order "most recent" reads them: the last
        # one open on an event's date holds it
        alloc = alloc.sort_values(["_child", "start_date", "team"], kind="stable")
        self.child = alloc["_child"].to_numpy()
        self.starts = alloc["start_date"].to_numpy()
        self.ends = alloc["end_date"].to_numpy()
        self.teams = alloc["team"].to_numpy(dtype=object)

    def events_by_team(self, events: pd.DataFrame, date_column: str) -> pd.Series:
        """``events`` dated in the window by the team holding the case on each one's date."""
        when = events[date_column]
        inside = ((when >= self.lo) & (when <= self.hi)).to_numpy(dtype=bool, na_value=False)
        labels = np.full(int(inside.sum()), UNALLOCATED, dtype=object)
        if len(self.child) and len(labels):
            chosen = _latest_open(
                self.children.get_indexer(events["child_id"].to_numpy()[inside]),
                when.to_numpy()[inside],
                self.child,
                self.starts,
                self.ends,
                len(self.children),
            )
            held = chosen >= 0
            labels[held] = self.teams[chosen[held]]
        counts = pd.Series(labels, dtype=object).value_counts().sort_index()
        return counts.astype("int64").rename_axis("Team").rename("count")


def _latest_open(
    event_child: np.ndarray,
    when: np.ndarray,
    alloc_child: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    n_children: int,
) -> np.ndarray:
    """For each event (its child's code, -1 for none, and date), the position of the last
    allocation of its child (``alloc_child`` sorted, each child's in reading order) open on
    its date, or -1. Every (event, allocation of its child) pair at once, as a merge would."""
    sizes = np.bincount(alloc_child, minlength=n_children)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    known = event_child >= 0
    per_event = np.where(known, sizes[np.where(known, event_child, 0)], 0)
    event = np.repeat(np.arange(len(event_child)), per_event)
    # the k-th pair of an event is its child's k-th allocation
    offset = np.arange(len(event)) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    position = first[event_child[event]] + offset
    day = when[event]
    open_ = (starts[position] <= day) & (np.isnat(ends[position]) | (ends[position] > day))
    event, position = event[open_], position[open_]
    chosen = np.full(len(event_child), -1, dtype=np.intp)
    last = np.append(event[1:] != event[:-1], True) if len(event) else np.zeros(0, bool)
    chosen[event[last]] = position[last]
    return chosen
