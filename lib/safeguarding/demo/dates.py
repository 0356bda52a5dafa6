"""Vectorised date arithmetic on ``datetime64[D]`` arrays, shared by every table's generator.

``NaT`` marks a date that has not happened (an open plan, an episode still running); every
helper passes it through.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..periods import bank_holidays

Days = np.ndarray  # datetime64[D]
NAT = np.datetime64("NaT", "D")
ONE_DAY = np.timedelta64(1, "D")

# Relative referral volume by calendar month: fewer in August and late December (schools
# closed), more in the autumn term and in March.
MONTH_FACTOR = np.array([1.0, 1.0, 1.05, 0.96, 1.04, 1.04, 1.0, 0.78, 1.02, 1.10, 1.08, 0.92])
# Most referrals and decisions happen on working days.
WEEKEND_FACTOR = 0.25


def day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def days_between(start: Days, end: Days) -> np.ndarray:
    """Whole days from ``start`` to ``end`` as floats (NaN where either is NaT)."""
    out = (end - start).astype("float64")
    out[np.isnat(start) | np.isnat(end)] = np.nan
    return out


def plus_days(start: Days, days: np.ndarray) -> Days:
    """``start`` plus a (float or int) number of days, rounded down."""
    return start + np.floor(np.asarray(days, dtype="float64")).astype("int64").astype(
        "timedelta64[D]"
    )


def add_working_days(start: Days, days: np.ndarray | int) -> Days:
    """The ``days``-th working day after ``start`` (day 0 is ``start``), as
    :func:`safeguarding.periods.add_working_days` counts it, but never before ``start``
    (day 0 of a weekend start is that day, not the Friday before); NaT stays NaT."""
    start = np.asarray(start, dtype="datetime64[D]")
    days = np.broadcast_to(np.asarray(days, dtype="int64"), start.shape)
    out = np.full(start.shape, NAT)
    ok = ~np.isnat(start)
    if ok.any():
        out[ok] = np.busday_offset(start[ok], days[ok], roll="backward", holidays=bank_holidays())
    return np.where(ok, np.maximum(out, start), NAT)


def add_months(start: Days, months: np.ndarray | int) -> Days:
    """Calendar months later; the 31st rolls back to the month's last day (29 February to
    28 February a year on), as the periods module does."""
    start = np.asarray(start, dtype="datetime64[D]")
    month = start.astype("datetime64[M]")
    offset_in_month = start - month.astype("datetime64[D]")
    target = month + np.asarray(months, dtype="int64").astype("timedelta64[M]")
    last = (target + 1).astype("datetime64[D]") - ONE_DAY
    out = np.minimum(target.astype("datetime64[D]") + offset_in_month, last)
    return np.where(np.isnat(start), NAT, out)


def add_years(start: Days, years: np.ndarray | int) -> Days:
    return add_months(start, np.asarray(years, dtype="int64") * 12)


def financial_year(dates: Days) -> np.ndarray:
    """The calendar year each financial year starts in (2011 for 2011-12)."""
    months = dates.astype("datetime64[M]").astype("int64")  # months since 1970-01
    year, month = months // 12 + 1970, months % 12 + 1
    return np.where(month >= 4, year, year - 1)


def daily_events(
    rng: np.random.Generator, start: np.datetime64, end: np.datetime64, per_year: np.ndarray
) -> Days:
    """Dates of a Poisson process from ``start`` to ``end`` with seasonality and few events at
    weekends. ``per_year(fy)`` gives the expected events in each financial year."""
    days = np.arange(start, end + ONE_DAY, dtype="datetime64[D]")
    fy = financial_year(days)
    month = days.astype("datetime64[M]").astype("int64") % 12
    weekend = ~np.is_busday(days)
    weight = MONTH_FACTOR[month] * np.where(weekend, WEEKEND_FACTOR, 1.0)
    # normalise within each financial year so that per_year is the year's expected total
    years, inverse = np.unique(fy, return_inverse=True)
    totals = np.bincount(inverse, weights=weight)
    span = np.bincount(inverse)
    full = np.where(span >= 365, totals, totals * 365.0 / np.maximum(span, 1))
    lam = weight / full[inverse] * np.asarray(per_year(years))[inverse]
    return np.repeat(days, rng.poisson(lam))


def timely_working_days(
    rng: np.random.Generator, limit: np.ndarray | int, p_on_time: np.ndarray | float, size: int
) -> np.ndarray:
    """Working days taken for a task due within ``limit``: on time with ``p_on_time``
    (spread over the timescale, mostly in its second half), otherwise late by a long tail."""
    limit = np.broadcast_to(np.asarray(limit, dtype="int64"), (size,))
    on_time = rng.random(size) < p_on_time
    early = np.ceil(limit * rng.beta(2.6, 1.4, size)).astype("int64")
    late = limit + 1 + rng.geometric(0.09, size) - 1
    return np.where(on_time, np.clip(early, 1, limit), late)


def review_dates(
    rng: np.random.Generator,
    start: Days,
    end: Days,
    first_due: Days,
    second_months: int,
    later_months: int,
    p_late: np.ndarray | float,
) -> tuple[np.ndarray, Days]:
    """Reviews of cases open from ``start`` to ``end`` (NaT: still open at the extract).

    The first is due by ``first_due``, the second ``second_months`` after the first and the
    rest every ``later_months``; each is held before it is due except with ``p_late``. Only
    reviews before ``end`` are kept. Returns (case index, review date).
    """
    n = len(start)
    p_late = np.broadcast_to(np.asarray(p_late, dtype="float64"), (n,))
    horizon = np.where(np.isnat(end), np.datetime64("2200-01-01"), end)
    case, dates = [], []
    alive = np.arange(n)
    due = first_due.copy()
    previous = start.copy()
    k = 0
    while alive.size:
        late = rng.random(alive.size) < p_late[alive]
        # held on a working day in the weeks before it is due, or days to weeks late
        early = due[alive] - rng.integers(0, 25, alive.size).astype("timedelta64[D]")
        overdue = due[alive] + rng.integers(1, 30, alive.size).astype("timedelta64[D]")
        held = np.where(
            late,
            np.busday_offset(overdue, 0, roll="forward", holidays=bank_holidays()),
            np.busday_offset(early, 0, roll="backward", holidays=bank_holidays()),
        )
        held = np.maximum(held, previous[alive] + ONE_DAY)
        keep = held < horizon[alive]
        case.append(alive[keep])
        dates.append(held[keep])
        alive, held = alive[keep], held[keep]
        previous[alive] = held
        due[alive] = add_months(held, second_months if k == 0 else later_months)
        k += 1
    return np.concatenate(case), np.concatenate(dates).astype("datetime64[D]")
