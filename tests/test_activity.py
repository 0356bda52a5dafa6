"""Activity tables from the canonical teams table."""

from __future__ import annotations

import warnings

import pandas as pd
from safeguarding import activity


def _teams() -> pd.DataFrame:
    rows = [
        ("A", "North", "Child in need", "2024-01-01", None),
        ("B", "North", "Child protection plan", "2024-01-01", "2024-09-30"),  # ends that day
        ("C", "South", "Child in need", "2024-05-01", None),
        ("C", "South", "Child in need", "2024-06-01", None),  # a duplicate allocation
        ("D", "South", "Looked after", "2024-10-01", None),  # starts after the date
    ]
    frame = pd.DataFrame(rows, columns=["child_id", "team", "case_type", "start_date", "end_date"])
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def test_caseloads_count_children_open_at_the_date():
    table = activity.caseloads(_teams(), "2024-09-30")
    assert table.loc["Child in need", "North"] == 1 and table.loc["Child in need", "South"] == 1
    assert "Child protection plan" not in table.index  # ended on the day
    assert int(table.to_numpy().sum()) == 2


def test_events_by_team_uses_the_allocation_on_the_event_date():
    events = pd.DataFrame(
        {
            "child_id": ["A", "C", "C", "Z"],
            "start_date": pd.to_datetime(["2024-04-02", "2024-04-15", "2024-07-01", "2024-07-01"]),
        }
    )
    counts = activity.events_by_team(events, "start_date", _teams(), "2024-04-01", "2024-09-30")
    assert counts.to_dict() == {"North": 1, "Not allocated": 2, "South": 1}


def test_events_with_no_allocation_in_the_window_are_all_not_allocated():
    # no allocation is open in May 2024 for these children: every event is "Not allocated"
    # (the team lookup is empty then, and filling it must not trip pandas' dtype warnings)
    events = pd.DataFrame(
        {"child_id": ["D", "Z"], "start_date": pd.to_datetime(["2024-05-02", "2024-05-03"])}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = activity.events_by_team(events, "start_date", _teams(), "2024-05-01", "2024-05-31")
    assert counts.to_dict() == {"Not allocated": 2}
