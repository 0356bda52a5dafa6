"""Periods, windows, anniversaries and working days, at their edges (hand-worked)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from safeguarding.indicators.days import add_working_days_series
from safeguarding.periods import (
    ACCEPTED_FORMS,
    Period,
    PeriodError,
    add_working_days,
    add_years,
    add_years_series,
    bank_holidays,
    is_working_day,
    lasted_years,
    parse_period,
    parse_year_range,
    period_range,
    within_working_days,
    working_days_between,
)

D = dt.date


def _s(*dates: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(dates)))


# --- spellings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2011-12", "2011-12"),
        ("2011/12", "2011-12"),
        ("2011-2012", "2011-12"),
        (" 2011-12 ", "2011-12"),
        ("2011-12 Q2", "2011-12 Q2"),
        ("2011/12 Q2", "2011-12 Q2"),
        ("Q2 2011-12", "2011-12 Q2"),
        ("Q2 2011/12", "2011-12 Q2"),
        ("q4 2011-12", "2011-12 Q4"),
        ("2011-12 M04", "2011-12 M04"),
        ("2011-12 m4", "2011-12 M04"),
        ("Jul 2011", "2011-12 M04"),  # July is the 4th month of the financial year
        ("July 2011", "2011-12 M04"),
        ("Jan 2012", "2011-12 M10"),  # January 2012 belongs to 2011-12
        ("Mar 2012", "2011-12 M12"),
        ("Apr 2012", "2012-13 M01"),
        ("1999-00", "1999-00"),  # the century turns: 00 follows 99
    ],
)
def test_accepted_spellings_give_the_canonical_label(text: str, label: str) -> None:
    assert parse_period(text).label == label
    assert Period.parse(text) == parse_period(label)  # the canonical spelling round-trips


@pytest.mark.parametrize(
    "text",
    [
        "2011-13",
        "2011",
        "2011-12 Q5",
        "Q0 2011-12",
        "2011-12Q2",
        "FY 2011-12",
        "",
        "Sept 2011",
        "2011-12 M13",
        "11-12",
        "2011-12 Q2 extra",
    ],
)
def test_rejected_spellings_show_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError) as exc:
        parse_period(text)
    message = str(exc.value)
    assert repr(text.strip()) in message
    assert ACCEPTED_FORMS in message
    assert "'2011-12 Q2'" in message and "'Q2 2011/12'" in message


def test_a_year_that_does_not_follow_on_suggests_the_right_one() -> None:
    with pytest.raises(PeriodError, match=r"did you mean '2011-12'"):
        parse_period("2011-13")


# --- dates and windows ----------------------------------------------------------------------


def test_quarter_dates_follow_the_financial_year() -> None:
    # Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar of the *next* calendar year
    assert (Period(2011, 2).start, Period(2011, 2).end) == (D(2011, 7, 1), D(2011, 9, 30))
    assert (Period(2011, 4).start, Period(2011, 4).end) == (D(2012, 1, 1), D(2012, 3, 31))
    assert (Period(2011).start, Period(2011).end) == (D(2011, 4, 1), D(2012, 3, 31))
    assert Period(2011, month=11).end == D(2012, 2, 29)  # February 2012 is a leap month
    assert Period(2011, 2).long_label == "quarter 2 of 2011-12 (July to September 2011)"
    assert Period(2011, 2).short_label == "Q2 11-12"


@pytest.mark.parametrize(
    ("period", "window", "expected"),
    [
        ("2011-12 Q3", "in_period", (D(2011, 10, 1), D(2011, 12, 31))),
        ("2011-12 Q3", "year_to_date", (D(2011, 4, 1), D(2011, 12, 31))),
        # rolling 12 months: the day after the end's first anniversary back, to the end
        ("2011-12 Q3", "rolling_12_months", (D(2011, 1, 1), D(2011, 12, 31))),
        ("2011-12 Q3", "snapshot", (D(2011, 12, 31), D(2011, 12, 31))),
        ("2011-12", "year_to_date", (D(2011, 4, 1), D(2012, 3, 31))),
        ("2011-12", "rolling_12_months", (D(2011, 4, 1), D(2012, 3, 31))),
        # February 2012 ends on the 29th; a year back is 28 Feb 2011, so the window opens 1 Mar
        ("Feb 2012", "rolling_12_months", (D(2011, 3, 1), D(2012, 2, 29))),
        ("Feb 2012", "year_to_date", (D(2011, 4, 1), D(2012, 2, 29))),
    ],
)
def test_windows(period: str, window: str, expected: tuple[dt.date, dt.date]) -> None:
    assert parse_period(period).window(window) == expected


def test_unknown_window_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown window 'quarter'"):
        Period(2011, 1).window("quarter")  # type: ignore[arg-type]


def test_navigation() -> None:
    q1 = Period(2011, 1)
    assert q1.previous == Period(2010, 4)
    assert Period(2011, 4).shift(1) == Period(2012, 1)
    assert Period(2011, month=12).shift(1) == Period(2012, month=1)
    assert Period(2011, month=1).shift(-1) == Period(2010, month=12)
    assert q1.same_period_last_year == Period(2010, 1)
    assert q1.previous_year_end == Period(2010)
    assert [p.label for p in Period(2011, 3).quarters()][-1] == "2011-12 Q4"
    assert [p.label for p in Period(2011, 2).months()] == [
        "2011-12 M04",
        "2011-12 M05",
        "2011-12 M06",
    ]
    assert Period(2011).contains(Period(2011, 4)) and not Period(2011).contains(Period(2012, 1))
    assert [p.label for p in period_range("2011-12 Q3", "2012-13 Q1")] == [
        "2011-12 Q3",
        "2011-12 Q4",
        "2012-13 Q1",
    ]
    assert [p.label for p in parse_year_range("2009-10..2011-12")] == [
        "2009-10",
        "2010-11",
        "2011-12",
    ]
    with pytest.raises(PeriodError, match="one kind"):
        period_range("2011-12", "2012-13 Q1")
    with pytest.raises(PeriodError, match="backwards"):
        period_range("2012-13", "2011-12")


# --- anniversaries -------------------------------------------------------------------------


def test_add_years_moves_29_february_to_28_february_in_common_years() -> None:
    assert add_years(D(2020, 2, 29), 2) == D(2022, 2, 28)
    assert add_years(D(2020, 2, 29), 4) == D(2024, 2, 29)  # leap to leap keeps the 29th
    assert add_years(D(2011, 3, 1), -1) == D(2010, 3, 1)
    out = add_years_series(_s("2020-02-29", "2011-06-30", None), 2)
    assert list(out[:2]) == [pd.Timestamp("2022-02-28"), pd.Timestamp("2013-06-30")]
    assert pd.isna(out[2])


@pytest.mark.parametrize(
    ("start", "end", "lasted"),
    [
        ("2009-04-01", "2011-04-01", True),  # exactly two years: on the anniversary
        ("2009-04-01", "2011-03-31", False),  # a day short
        ("2020-02-29", "2022-02-28", True),  # leap-day start: anniversary is 28 Feb 2022
        ("2020-02-29", "2022-02-27", False),
        ("2020-02-29", "2024-02-28", True),  # 2 years are long past by then
        ("2010-02-28", "2012-02-28", True),  # a 28 Feb start is unaffected by the leap year
        ("2010-02-28", "2012-02-27", False),
    ],
)
def test_lasted_two_years(start: str, end: str, lasted: bool) -> None:
    assert bool(lasted_years(_s(start), _s(end), 2)[0]) is lasted


def test_lasted_years_with_missing_dates_is_false() -> None:
    assert not lasted_years(_s(None), _s("2012-01-01"))[0]
    assert not lasted_years(_s("2009-01-01"), _s(None))[0]


# --- working days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        "2022-09-19",  # state funeral of Queen Elizabeth II (one-off)
        "2023-05-08",  # coronation of King Charles III (one-off)
        "2011-04-29",  # royal wedding (one-off)
        "2012-06-05",  # diamond jubilee (one-off)
        "2020-05-08",  # early May bank holiday moved to VE day
        "2011-12-27",  # Christmas Day falls on a Sunday: substitute day Tuesday
        "2012-04-06",  # Good Friday
        "2012-04-09",  # Easter Monday
    ],
)
def test_bank_holidays_include_the_one_off_days(day: str) -> None:
    date = dt.date.fromisoformat(day)
    assert np.datetime64(date) in bank_holidays()
    assert not is_working_day(date)


def test_ordinary_days() -> None:
    assert is_working_day(D(2020, 5, 4))  # the usual first Monday of May was worked in 2020
    assert not is_working_day(D(2022, 9, 17))  # a Saturday


@pytest.mark.parametrize(
    ("start", "end", "days", "within"),
    [
        # the start day is day 0: the same day is within any N
        ("2011-11-01", "2011-11-01", 0, True),
        # Tue 1 Nov 2011: day 1 = Wed 2, ... day 7 = Thu 10 Nov
        ("2011-11-01", "2011-11-10", 7, True),
        ("2011-11-01", "2011-11-11", 7, False),
        # Fri 16 Sep 2022: Mon 19 Sep is the state funeral, so day 1 = Tue 20 Sep
        ("2022-09-16", "2022-09-20", 1, True),
        ("2022-09-16", "2022-09-21", 1, False),
        # a weekend start: Sat 17 Sep 2022 -> day 1 is again Tue 20 Sep
        ("2022-09-17", "2022-09-20", 1, True),
        ("2022-09-17", "2022-09-21", 1, False),
        # a start on the bank holiday itself: Mon 19 Sep 2022 -> day 1 = Tue 20 Sep
        ("2022-09-19", "2022-09-20", 1, True),
        # Fri 5 May 2023: Mon 8 May is the coronation holiday; day 1 = Tue 9 May
        ("2023-05-05", "2023-05-09", 1, True),
        ("2023-05-05", "2023-05-10", 1, False),
        # Tue 20 Dec 2011: 21(1) 22(2) 23(3); 24-25 weekend; 26, 27 holidays; 28(4) 29(5)
        # 30(6); 31 Dec-1 Jan weekend; Mon 2 Jan 2012 holiday; Tue 3 Jan = day 7
        ("2011-12-20", "2012-01-03", 7, True),
        ("2011-12-20", "2012-01-04", 7, False),
        # ... and day 10 = Fri 6 Jan 2012
        ("2011-12-20", "2012-01-06", 10, True),
        ("2011-12-20", "2012-01-09", 10, False),
    ],
)
def test_within_working_days(start: str, end: str, days: int, within: bool) -> None:
    assert bool(within_working_days(_s(start), _s(end), days)[0]) is within


def test_working_days_between_counts_days_after_the_start() -> None:
    # Fri 16 Sep 2022 -> Fri 23 Sep: Tue, Wed, Thu, Fri = 4 (Mon 19 is a holiday)
    assert working_days_between(_s("2022-09-16"), _s("2022-09-23"))[0] == 4
    assert pd.isna(working_days_between(_s(None), _s("2022-09-23"))[0])
    assert not within_working_days(_s(None), _s("2022-09-23"), 10)[0]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2022-09-16", 1, "2022-09-20"),
        ("2022-09-17", 1, "2022-09-20"),  # Saturday start
        ("2023-05-05", 1, "2023-05-09"),
        ("2011-12-20", 7, "2012-01-03"),
        ("2011-11-01", 0, "2011-11-01"),
    ],
)
def test_add_working_days_agrees_with_within(start: str, days: int, expected: str) -> None:
    start_date = dt.date.fromisoformat(start)
    assert add_working_days(start_date, days) == dt.date.fromisoformat(expected)
    assert add_working_days_series(_s(start), days)[0] == pd.Timestamp(expected)
    # the N-th working day is within N
    assert within_working_days(_s(start), _s(expected), days)[0]


def test_vectorised_and_scalar_working_day_sums_agree_over_two_years() -> None:
    starts = pd.Series(pd.date_range("2022-01-01", "2023-12-31", freq="D"))
    for days in (1, 7, 10, 20):
        ends = add_working_days_series(starts, days)
        assert within_working_days(starts, ends, days).all()
        # the next working day is one too many (the next calendar day may be a weekend)
        assert not within_working_days(
            starts, add_working_days_series(starts, days + 1), days
        ).any()
        sample = starts.iloc[::37]
        assert [add_working_days(d.date(), days) for d in sample] == [
            d.date() for d in ends.iloc[::37]
        ]
