"""Financial years, quarters and months; reporting windows; working days.

English local-authority reporting runs on financial years (April to March). A period is
written in the canonical spellings ``2011-12`` (the year), ``2011-12 Q2`` (July to
September 2011) or ``2011-12 M04`` (July 2011, the fourth month of the year); the parser
also accepts ``2011/12``, ``Q2 2011-12``, ``Q2 2011/12`` and ``Jul 2011``.

Working days exclude weekends and England & Wales bank holidays, one-off ones included.
"Within N working days" means the end date is no later than the N-th working day after the
start date, the start day itself being day 0.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from .exceptions import ParameterError, PeriodError

Window = Literal["in_period", "year_to_date", "rolling_12_months", "snapshot"]
WINDOWS: tuple[str, ...] = ("in_period", "year_to_date", "rolling_12_months", "snapshot")

ACCEPTED_FORMS = (
    "'2011-12' or '2011/12' (financial year April 2011 to March 2012); "
    "'2011-12 Q2', '2011/12 Q2', 'Q2 2011-12' or 'Q2 2011/12' (a quarter: Q1 is April-June); "
    "'2011-12 M04' or 'Jul 2011' (a month)"
)


@dataclass(frozen=True, order=True)
class Period:
    """A financial year, quarter or month.

    ``year`` is the calendar year the financial year starts in (2011 for 2011-12);
    ``quarter`` is 1-4 for a quarter, ``month`` is 1-12 (position in the financial year,
    April = 1) for a month; both are 0 for a whole year.
    """

    year: int
    quarter: int = 0
    month: int = 0

    # --- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """Parse any accepted spelling; raise :class:`PeriodError` naming the accepted forms."""
        return parse_period(text)

    # --- kinds and labels ---------------------------------------------------------------
    @property
    def kind(self) -> Literal["year", "quarter", "month"]:
        if self.month:
            return "month"
        return "quarter" if self.quarter else "year"

    @property
    def fy_label(self) -> str:
        """The financial year, e.g. ``2011-12``."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """The canonical spelling."""
        if self.month:
            return f"{self.fy_label} M{self.month:02d}"
        if self.quarter:
            return f"{self.fy_label} Q{self.quarter}"
        return self.fy_label

    def __str__(self) -> str:
        return self.label

    @property
    def short_label(self) -> str:
        """A label for chart axes: ``Q2 11-12``, ``Jul 11`` or ``2011-12``."""
        if self.month:
            return self.start.strftime("%b %y")
        if self.quarter:
            return f"Q{self.quarter} {self.year % 100:02d}-{(self.year + 1) % 100:02d}"
        return self.fy_label

    @property
    def long_label(self) -> str:
        """Words for prose: ``quarter 2 of 2011-12 (July to September 2011)``."""
        if self.month:
            return self.start.strftime("%B %Y")
        if self.quarter:
            return (
                f"quarter {self.quarter} of {self.fy_label} ({self.start:%B} to {self.end:%B %Y})"
            )
        return f"{self.fy_label} (April {self.year} to March {self.year + 1})"

    # --- dates --------------------------------------------------------------------------
    @property
    def start(self) -> dt.date:
        if self.month:
            return _month_start(self.year, self.month)
        if self.quarter:
            return _month_start(self.year, 3 * self.quarter - 2)
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        if self.month:
            last = self.month
        elif self.quarter:
            last = 3 * self.quarter
        else:
            last = 12
        first = _month_start(self.year, last)
        return dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])

    def window(self, kind: Window) -> tuple[dt.date, dt.date]:
        """The inclusive date range a figure for this period covers under ``kind``.

        ``snapshot`` returns ``(end, end)``: a stock counted on the period's last day.
        """
        if kind == "in_period":
            return self.start, self.end
        if kind == "year_to_date":
            return dt.date(self.year, 4, 1), self.end
        if kind == "rolling_12_months":
            end = self.end
            return add_years(end, -1) + dt.timedelta(days=1), end
        if kind == "snapshot":
            return self.end, self.end
        raise ParameterError(f"unknown window {kind!r}; expected one of {', '.join(WINDOWS)}")

    # --- navigation ---------------------------------------------------------------------
    @property
    def financial_year(self) -> Period:
        return Period(self.year)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods of the same kind later (negative: earlier)."""
        if self.month:
            index = self.year * 12 + self.month - 1 + steps
            return Period(index // 12, month=index % 12 + 1)
        if self.quarter:
            index = self.year * 4 + self.quarter - 1 + steps
            return Period(index // 4, quarter=index % 4 + 1)
        return Period(self.year + steps)

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def previous_year_end(self) -> Period:
        """The last complete financial year before this period's year."""
        return Period(self.year - 1)

    @property
    def same_period_last_year(self) -> Period:
        return Period(self.year - 1, self.quarter, self.month)

    def quarters(self) -> list[Period]:
        """The four quarters of this period's financial year."""
        return [Period(self.year, q) for q in range(1, 5)]

    def months(self) -> list[Period]:
        """The months this period spans."""
        if self.month:
            return [self]
        first, last = (3 * self.quarter - 2, 3 * self.quarter) if self.quarter else (1, 12)
        return [Period(self.year, month=m) for m in range(first, last + 1)]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def _month_start(fy_start_year: int, fy_month: int) -> dt.date:
    """Calendar date of the first day of the ``fy_month``-th month (April = 1)."""
    calendar_month = (fy_month + 2) % 12 + 1
    year = fy_start_year if fy_month <= 9 else fy_start_year + 1
    return dt.date(year, calendar_month, 1)


_FY = r"(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{2}|\d{4})"
_PATTERNS = [
    re.compile(rf"^{_FY}$"),
    re.compile(rf"^{_FY}\s+Q(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(rf"^Q(?P<q>[1-4])\s+{_FY}$", re.IGNORECASE),
    re.compile(rf"^{_FY}\s+M(?P<m>0?[1-9]|1[0-2])$", re.IGNORECASE),
]
_MONTH_NAME = re.compile(r"^(?P<name>[A-Za-z]{3,9})\s+(?P<cy>\d{4})$")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})


def parse_period(text: str | Period) -> Period:
    """Parse a period in any accepted spelling.

    >>> parse_period("Q2 2011/12").label
    '2011-12 Q2'
    """
    if isinstance(text, Period):
        return text
    return _parse_text(str(text).strip())


@functools.lru_cache(maxsize=4096)
def _parse_text(raw: str) -> Period:
    """parse_period for a stripped string; cached because files repeat a few spellings."""
    for pattern in _PATTERNS:
        match = pattern.match(raw)
        if not match:
            continue
        y1 = int(match["y1"])
        y2 = match["y2"]
        expected = f"{(y1 + 1) % 100:02d}" if len(y2) == 2 else str(y1 + 1)
        if y2 != expected:
            raise PeriodError(
                f"period {raw!r}: a financial year runs from one year into the next "
                f"(did you mean '{y1}-{(y1 + 1) % 100:02d}'?). Accepted forms: {ACCEPTED_FORMS}"
            )
        groups = match.groupdict()
        return Period(
            y1,
            quarter=int(groups["q"]) if groups.get("q") else 0,
            month=int(groups["m"]) if groups.get("m") else 0,
        )
    match = _MONTH_NAME.match(raw)
    if match and match["name"].lower() in _MONTHS:
        calendar_month = _MONTHS[match["name"].lower()]
        calendar_year = int(match["cy"])
        fy_year = calendar_year if calendar_month >= 4 else calendar_year - 1
        return Period(fy_year, month=(calendar_month - 4) % 12 + 1)
    raise PeriodError(f"period {raw!r} is not recognised. Accepted forms: {ACCEPTED_FORMS}")


def period_range(first: str | Period, last: str | Period) -> list[Period]:
    """Every period of ``first``'s kind from ``first`` to ``last`` inclusive."""
    a, b = parse_period(first), parse_period(last)
    if a.kind != b.kind:
        raise PeriodError(f"a range needs two periods of one kind, not {a.kind} and {b.kind}")
    if b < a:
        raise PeriodError(f"range {a}..{b} runs backwards")
    out = [a]
    while out[-1] != b:
        out.append(out[-1].shift(1))
    return out


def parse_year_range(text: str) -> list[Period]:
    """Parse ``2008-09..2024-25`` (or a single year) into financial years."""
    if ".." in text:
        first, last = text.split("..", 1)
        return period_range(first, last)
    return [parse_period(text)]


# --- dates --------------------------------------------------------------------------------


def add_years(date: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    target = date.year + years
    if date.month == 2 and date.day == 29 and not calendar.isleap(target):
        return dt.date(target, 2, 28)
    return date.replace(year=target)


def add_years_series(dates: pd.Series, years: int) -> pd.Series:
    """Vectorised :func:`add_years` for a datetime64 series (NaT stays NaT)."""
    d = pd.to_datetime(dates)
    year = d.dt.year + years
    month = d.dt.month
    day = d.dt.day
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    day = day.where(~((month == 2) & (day == 29) & ~leap), 28)
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(parts.dropna().astype(int)).reindex(d.index)


def add_months_series(dates: pd.Series, months: int) -> pd.Series:
    """Vectorised calendar-month addition; the 31st rolls back to the month's last day."""
    return pd.to_datetime(dates) + pd.DateOffset(months=months)


def lasted_years(start: pd.Series, end: pd.Series, years: int = 2) -> pd.Series:
    """True where ``end`` is on or after the ``years``-th anniversary of ``start``."""
    return pd.to_datetime(end) >= add_years_series(start, years)


# --- working days -------------------------------------------------------------------------

_CALENDAR_YEARS = range(1990, 2061)


@lru_cache(maxsize=1)
def bank_holidays() -> np.ndarray:
    """England & Wales bank holidays, one-off ones included, as ``datetime64[D]``."""
    import holidays

    # ``holidays`` keeps the one-off days (2022-09-19, 2023-05-08) in its UK calendar.
    days = holidays.country_holidays("GB", subdiv="ENG", years=_CALENDAR_YEARS)
    return np.array(sorted(days.keys()), dtype="datetime64[D]")


def is_working_day(date: dt.date) -> bool:
    """A weekday that is not an England & Wales bank holiday."""
    return bool(np.is_busday(np.datetime64(date, "D"), holidays=bank_holidays()))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself is day 0)."""
    # roll backward first so that a weekend start counts its next working day as day 1
    result = np.busday_offset(
        np.datetime64(start, "D"), days, roll="backward", holidays=bank_holidays()
    )
    return result.astype(dt.date)


def working_days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days after ``start`` up to and including ``end`` (NaN where either is missing).

    Vectorised over whole columns; the value is what "within N working days" compares to N.
    """
    start = pd.to_datetime(pd.Series(start))
    end = pd.to_datetime(pd.Series(end))
    valid = start.notna() & end.notna()
    out = pd.Series(np.nan, index=start.index, dtype="float64")
    if valid.any():
        s = start[valid].to_numpy("datetime64[D]") + np.timedelta64(1, "D")
        e = end[valid].to_numpy("datetime64[D]") + np.timedelta64(1, "D")
        out[valid] = np.busday_count(s, e, holidays=bank_holidays())
    return out


def within_working_days(start: pd.Series, end: pd.Series, days: int | pd.Series) -> pd.Series:
    """True where ``end`` is no later than the ``days``-th working day after ``start``.

    Missing dates give ``False``; callers decide whether such rows belong in a denominator.
    """
    counted = working_days_between(start, end)
    return (counted <= days).fillna(False).astype(bool)
