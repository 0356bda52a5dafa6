"""Activity tables: grouped counts of children and events by team and case type.

Reads the optional canonical ``teams`` table (the team and case type each child's case sits
with, from a date until a date). A case is open on a date when it started on or before it and
had not ended by it (an end date on the day itself means it had ended), as for
"looked after at period end".
"""

from __future__ import annotations

import datetime as dt

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
    on the event's date (the most recent allocation open then); others are "Not allocated"."""
    lo, hi = _date(start), _date(end)
    dated = events[(events[date_column] >= lo) & (events[date_column] <= hi)]
    # renamed: the event's date column may share a name with the allocation's (start_date)
    dated = dated[["child_id", date_column]].rename(columns={date_column: "_when"})
    dated = dated.reset_index(drop=True)
    dated["_row"] = range(len(dated))
    alloc = teams[["child_id", "team", "start_date", "end_date"]]
    # only allocations open on some day of the window can hold one of its events; dropping the
    # others first keeps the merge to about a year of allocations, not the whole history
    alloc = alloc[
        (alloc["start_date"] <= hi) & (alloc["end_date"].isna() | (alloc["end_date"] > lo))
    ]
    merged = dated.merge(alloc, on="child_id", how="left")
    live = (merged["start_date"] <= merged["_when"]) & (
        merged["end_date"].isna() | (merged["end_date"] > merged["_when"])
    )
    merged = merged[live].sort_values(["_row", "start_date", "team"])
    team_of = merged.groupby("_row")["team"].last()
    # object first: with no allocation found the lookup is all NaN, a float column
    labels = dated["_row"].map(team_of).astype(object).fillna(UNALLOCATED)
    counts = labels.value_counts().sort_index()
    return counts.astype("int64").rename_axis("Team").rename("count")
