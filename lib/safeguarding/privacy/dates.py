"""Written dates: every way a report or an input may write a date, read as ISO dates.

A date of birth must be found however it is written (:mod:`.scanner`), and an input's date of
birth is read into the same ISO form (:mod:`.identifiers`); both use :func:`date_matches`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# What may not come just before a match is checked in Python (clear_before): a pattern that
# starts with a lookbehind is tried at every character, one that starts with a digit is not.
_ISO = re.compile(r"(\d{4})([-/.])(\d{2})\2(\d{2})(?![\d/-]|\.\d)")
# day, month, year with one separator used twice: 13/12/2007, 13.12.2007, 13-12-07
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)")
_MONTH_NAMES = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# four digits: "Jan 23 Apr 23" is a chart's axis, not the 23rd of April
_YEAR = r"(\d{4})(?![\d/-]|\.\d)"
# 13 December 2007, 13th Dec 2007, 13-Dec-2007, 13 of December 2007
_DAY_MONTH = re.compile(rf"{_DAY}(?:\s+of)?[\s-]+({_MONTH_NAMES})\.?,?[\s-]+{_YEAR}", re.IGNORECASE)
# December 13, 2007 and Dec 13th 2007
_MONTH_DAY = re.compile(rf"\b(?=[adfjmnos])({_MONTH_NAMES})\.?\s+{_DAY},?\s+{_YEAR}", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def as_iso_date(text: str) -> str | None:
    """An input's date of birth (ISO, or day/month/year with a four-digit year) as ISO."""
    return next((dates[0] for _, _, dates in date_matches(text) if len(dates) == 1), None)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _years(text: str) -> tuple[int, ...]:
    """A written year: ``2007``, or ``07`` read both ways (1907 and 2007)."""
    year = int(text)
    return (year,) if len(text) == 4 else (1900 + year, 2000 + year)


def _candidates(years: tuple[int, ...], month: int, day: int) -> tuple[str, ...]:
    return tuple(d for d in (_iso(y, month, day) for y in years) if d)


def date_matches(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Every written date in ``text``: ``(start, end, ISO dates it may mean)``."""
    found = []
    for m in _ISO.finditer(text):
        if clear_before(text, m.start(), "/.-", digits=True):
            found.append((m.start(), m.end(), _candidates((int(m[1]),), int(m[3]), int(m[4]))))
    for m in _DMY.finditer(text):
        if m[2] == "." and len(m[4]) == 2:
            continue  # 3.11.10 is a version number, not a date
        if clear_before(text, m.start(), "/.-", digits=True):
            found.append((m.start(), m.end(), _candidates(_years(m[4]), int(m[3]), int(m[1]))))
    for m in _DAY_MONTH.finditer(text):
        if clear_before(text, m.start(), "/.-_", digits=True, letters=True):
            month = _MONTHS[m[2][:3].lower()]
            found.append((m.start(), m.end(), _candidates(_years(m[3]), month, int(m[1]))))
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS[m[1][:3].lower()]
        found.append((m.start(), m.end(), _candidates(_years(m[3]), month, int(m[2]))))
    return [f for f in found if f[2]]


def clear_before(
    text: str, start: int, symbols: str, digits: bool = False, letters: bool = False
) -> bool:
    """Whether the character before ``start`` is none of ``symbols`` (digits, letters)."""
    if start == 0:
        return True
    before = text[start - 1]
    if before in symbols or (digits and before.isdigit()):
        return False
    return not (letters and before.isalpha())


def dates_in(text: str) -> set[str]:
    """The ISO dates ``text`` writes, in any of the forms :func:`date_matches` knows."""
    return {iso for _, _, dates in date_matches(text) for iso in dates}


def month_boundaries(first_year: int = 1990, last_year: int = 2060) -> set[str]:
    """First and last days of every month: period boundaries every report prints."""
    days = set()
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            days.add(dt.date(year, month, 1).isoformat())
            last = calendar.monthrange(year, month)[1]
            days.add(dt.date(year, month, last).isoformat())
    return days


MONTH_BOUNDARIES = month_boundaries()  # a set, built once: every scan subtracts it
