"""Dates as day arrays (``datetime64[D]``) and the array helpers the rules share: calendar
months and anniversaries, working days (England's bank holidays), windows, and positions in
sorted arrays. No pandas objects per record: each helper works on whole columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..periods import bank_holidays

Days = np.ndarray  # datetime64[D]; NaT compares False with everything


def _d(value: pd.Timestamp | Any) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value).date(), "D")


def _days(series: pd.Series) -> Days:
    return pd.to_datetime(pd.Series(series)).to_numpy("datetime64[D]")


def _plus_months(days: Days, months: int) -> Days:
    """Calendar months later (31 Jan + 1 month = 28/29 Feb), NaT staying NaT.

    Records' dates span a few decades, so each distinct day of that span is converted once
    and every record looks its day up (the calendar conversion is the costly part).
    """
    days = np.asarray(days, dtype="datetime64[D]")
    known = ~np.isnat(days)
    out = np.full(days.shape, np.datetime64("NaT", "D"))
    if not known.any():
        return out
    ints = days[known].astype(np.int64)
    low, high = int(ints.min()), int(ints.max())
    if high - low < 400_000:  # about eleven centuries: a small table
        calendar = np.arange(low, high + 1).astype("datetime64[D]")
        out[known] = _months_later(calendar, months)[ints - low]
    else:
        out[known] = _months_later(days[known], months)
    return out


def _months_later(days: Days, months: int) -> Days:
    """The day of the month kept, or the target month's last day when it is shorter
    (``pd.DateOffset``'s rule, in numpy's calendar arithmetic)."""
    month = days.astype("datetime64[M]")
    target = month + np.timedelta64(int(months), "M")
    first = target.astype("datetime64[D]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    return first + np.minimum(days - month.astype("datetime64[D]"), last - first)


def _anniversary(days: Days, years: int) -> Days:
    """The ``years``-th anniversary; a 29 February start's is 28 February in common years."""
    return _plus_months(days, 12 * int(years))


def _within_working_days(begin: Days, end: Days, days: int) -> np.ndarray:
    """:func:`periods.within_working_days` on day arrays: ``end`` no later than the
    ``days``-th working day after ``begin``; False where either is missing."""
    begin = np.asarray(begin, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    valid = ~np.isnat(begin) & ~np.isnat(end)
    one = np.timedelta64(1, "D")
    out = np.zeros(len(begin), dtype=bool)
    out[valid] = _busday_count(begin[valid] + one, end[valid] + one) <= days
    return out


def _busday_count(begin: Days, end: Days) -> np.ndarray:
    """``np.busday_count(begin, end, holidays=bank_holidays())`` for days without NaT.

    The working days before each day of the records' span are counted once (a cumulative
    sum over the calendar), so each pair is two look-ups, not a walk over its weeks: the
    count of ``begin``..``end`` (end excluded), or, as numpy counts when ``end`` is earlier,
    minus that of the day after ``end``..``begin`` (begin included).
    """
    if len(begin) == 0:
        return np.zeros(0, dtype=np.int64)
    b, e = begin.astype(np.int64), end.astype(np.int64)
    low, high = min(int(b.min()), int(e.min())), max(int(b.max()), int(e.max()))
    if high - low >= 400_000:  # absurd dates: leave them to numpy
        return np.busday_count(begin, end, holidays=bank_holidays())
    calendar = np.arange(low, high + 1).astype("datetime64[D]")
    before = np.zeros(len(calendar) + 1, dtype=np.int64)
    np.cumsum(np.is_busday(calendar, holidays=bank_holidays()), out=before[1:])
    return np.where(
        e >= b, before[e - low] - before[b - low], before[e + 1 - low] - before[b + 1 - low]
    )


def _between(days: Days, start: np.datetime64, end: np.datetime64) -> np.ndarray:
    return (days >= start) & (days <= end)


def _open_at(begin: Days, finish: Days, date: np.datetime64) -> np.ndarray:
    """Started on or before ``date`` and not ended by it (no end, or an end after it)."""
    return (begin <= date) & (np.isnat(finish) | (finish > date))


def add_working_days_series(start: pd.Series, days: int) -> pd.Series:
    """Vectorised :func:`periods.add_working_days`: the ``days``-th working day after each start.

    Rolls a weekend/holiday start back first, so its next working day is day 1 — the same
    count :func:`periods.within_working_days` makes (tested to agree).
    """
    start = pd.to_datetime(pd.Series(start))
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[us]")
    valid = start.notna()
    if valid.any():
        shifted = np.busday_offset(
            start[valid].to_numpy("datetime64[D]"),
            int(days),
            roll="backward",
            holidays=bank_holidays(),
        )
        out[valid] = shifted.astype("datetime64[us]")
    return out


def _day_order(days: Days) -> np.ndarray:
    """``np.argsort(days, kind="stable")`` of days without NaT, in linear time.

    Records' dates span decades, not centuries: as 16-bit offsets from the first day they
    sort by radix (numpy's stable sort of small integers), several times faster than a
    comparison sort of millions of dates, with the same stable order.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    if len(days) == 0:
        return np.empty(0, dtype=np.int64)
    ints = days.view(np.int64)
    low = ints.min()
    if int(ints.max()) - int(low) < 2**16:
        return np.argsort((ints - low).astype(np.uint16), kind="stable")
    return np.argsort(ints, kind="stable")


def _group_day_order(group: np.ndarray, days: Days) -> np.ndarray:
    """``np.lexsort((days, group))`` (by group, then day; ties in row order) for
    non-negative groups and days without NaT: one stable sort of a combined integer key
    rather than lexsort's two passes."""
    days = np.asarray(days, dtype="datetime64[D]")
    if len(days) == 0:
        return np.empty(0, dtype=np.int64)
    ints = days.view(np.int64)
    low = int(ints.min())
    span = int(ints.max()) - low + 1
    group = np.asarray(group, dtype=np.int64)
    if group.min() < 0 or int(group.max()) >= 2**62 // span:
        return np.lexsort((days, group))
    combined = group * span  # in place from here: national temporaries are large
    combined += ints
    combined -= low
    return _stable_argsort(combined)


def _stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` of integers, by numpy's vectorised sort of the
    values made distinct by their row (``value * rows + row``: equal values then keep row
    order, which is what stable means), several times faster than its stable (merge) sort of
    millions of keys; that sort when the combined keys would not fit in 63 bits."""
    values = np.asarray(values)
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    low, high = int(values.min()), int(values.max())
    if (high - low + 1) * n >= 2**62:
        return np.argsort(values, kind="stable")
    key = values.astype(np.int64) - low  # a new array: the caller's values are left alone
    key *= n
    key += np.arange(n)
    key.sort()
    return np.remainder(key, n, out=key)


def _find(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Position of each needle's first occurrence in ``haystack`` (-1 when absent or -1)."""
    if len(haystack) == 0:
        return np.full(len(needles), -1, dtype=np.int64)
    order = _stable_argsort(haystack)
    ordered = haystack[order]
    pos = np.minimum(np.searchsorted(ordered, needles), len(ordered) - 1)
    found = (ordered[pos] == needles) & (needles >= 0)
    return np.where(found, order[pos], -1)


def _member(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """``np.isin(values, of)`` for integer keys, by a lookup table over their range (linear,
    no sort)."""
    if len(values) == 0 or len(of) == 0:
        return np.zeros(len(values), dtype=bool)
    return np.isin(values, of, kind="table")


def _starts(values: np.ndarray) -> np.ndarray:
    """True where a sorted array's value differs from the one before (the first is True)."""
    out = np.ones(len(values), dtype=bool)
    out[1:] = values[1:] != values[:-1]
    return out


def _last_per_group(group: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``idx`` (sorted by group, then date) keeping the last row of each group."""
    if len(idx) == 0:
        return idx
    g = group[idx]
    last = np.ones(len(g), dtype=bool)
    last[:-1] = g[1:] != g[:-1]
    return idx[last]
