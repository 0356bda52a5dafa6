"""Outturns: the figures an assessment judges, from a council's CSV or from ``indicators``.

The Outturns CSV has the columns ``authority,indicator,period,value`` and, optionally,
``numerator,denominator,status,note``. ``status`` is ``final`` (the default when blank) or
``provisional``. Periods are spelt as :mod:`safeguarding.periods` accepts and come out in the
canonical spelling. An empty ``value`` means "not available" (never zero). The frame that
``indicators.compute`` returns has the same columns and goes through the same checks, so
computed figures and a council's own figures follow one path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .catalogue import Catalogue
from .catalogue import catalogue as builtin_catalogue
from .periods import PeriodError, parse_period
from .validation import InputError, Issue, read_csv_text

REQUIRED = ("authority", "indicator", "period", "value")
OPTIONAL = ("numerator", "denominator", "status", "note")
COLUMNS = (*REQUIRED, *OPTIONAL)
STATUSES = ("final", "provisional")


def read_outturns(path: str | Path, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Read and check an Outturns CSV; raise :class:`InputError` listing every problem."""
    path = Path(path)
    raw = read_csv_text(path)
    return validate_outturns(raw, source=str(path), catalogue=catalogue)


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def validate_outturns(
    frame: pd.DataFrame,
    source: str = "<outturns>",
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Check an outturns frame and return it normalised (canonical periods, float values).

    Row numbers in messages are CSV rows: the header is row 1, the first record row 2.
    """
    cat = catalogue or builtin_catalogue()
    issues: list[Issue] = []
    cols = [str(c).strip() for c in frame.columns]
    frame = frame.copy()
    frame.columns = cols
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputError(
            [
                Issue("error", source, "required-column", f"the column {c!r} is missing", column=c)
                for c in missing
            ]
        )
    out = pd.DataFrame(index=frame.index)
    rows = pd.Series(range(2, len(frame) + 2), index=frame.index)

    def bad(i, column: str, value, message: str, rule: str) -> None:
        issues.append(Issue.error_at(source, rule, message, int(rows[i]), column, value))

    out["authority"] = frame["authority"].astype(str).str.strip()
    for i in out.index[out["authority"].isin(["", "nan", "None"])]:
        bad(i, "authority", "", "the authority code is required", "required-value")

    out["indicator"] = frame["indicator"].astype(str).str.strip()
    known = out["indicator"].isin(cat.ids)
    for i in out.index[~known]:
        bad(
            i,
            "indicator",
            out.at[i, "indicator"],
            "unknown indicator (not in the catalogue or the local indicator file)",
            "known-indicator",
        )

    labels = {}
    for text in frame["period"].astype(str).unique():
        try:
            labels[text] = parse_period(text.strip()).label
        except PeriodError as exc:
            labels[text] = exc
    periods = frame["period"].astype(str).map(labels)
    for i in periods.index[periods.map(lambda v: isinstance(v, PeriodError))]:
        bad(i, "period", frame.at[i, "period"], str(periods[i]), "period-spelling")
    out["period"] = periods.where(periods.map(lambda v: isinstance(v, str)))

    for column in ("value", "numerator", "denominator"):
        if column not in frame.columns:
            out[column] = float("nan")
            continue
        text = frame[column]
        blank = _blank(text)
        number = pd.to_numeric(text.where(~blank), errors="coerce")
        for i in number.index[number.isna() & ~blank]:
            bad(i, column, text[i], "not a number", "numeric")
        out[column] = number.astype("float64")

    both = out["numerator"].notna() & out["denominator"].notna()
    # a mean's numerator is a sum (days from entering care to adoption, summed over the
    # children), which may well exceed the children counted
    units = {i: cat[i].unit for i in out["indicator"][known].unique()}
    share = out["indicator"].map(units).fillna("percent") != "days"
    for i in out.index[both & share & (out["numerator"] > out["denominator"])]:
        bad(
            i,
            "numerator",
            frame.at[i, "numerator"],
            "the numerator exceeds the denominator",
            "numerator-le-denominator",
        )
    for i in out.index[out["denominator"] < 0]:
        bad(i, "denominator", frame.at[i, "denominator"], "a negative denominator", "non-negative")

    if "status" in frame.columns:
        status = frame["status"].astype(str).str.strip().str.lower()
        status = status.where(~_blank(frame["status"]), "final")
        for i in status.index[~status.isin(STATUSES)]:
            bad(
                i,
                "status",
                frame.at[i, "status"],
                "status must be 'final' or 'provisional'",
                "known-status",
            )
        out["status"] = status
    else:
        out["status"] = "final"
    if "note" in frame.columns:
        out["note"] = frame["note"].fillna("").astype(str).str.strip()
    else:
        out["note"] = ""

    key = ["authority", "indicator", "period"]
    dupes = out.duplicated(key, keep="first") & out["period"].notna()
    for i in out.index[dupes]:
        bad(
            i,
            "period",
            out.at[i, "period"],
            f"a second figure for authority {out.at[i, 'authority']} and indicator "
            f"{out.at[i, 'indicator']} in this period",
            "unique-figure",
        )

    if issues:
        issues.sort(key=lambda issue: issue.row or 0)
        raise InputError(issues)
    return out.reset_index(drop=True)[list(COLUMNS)]


def as_outturns(
    data: pd.DataFrame | str | Path, catalogue: Catalogue | None = None, source: str | None = None
) -> pd.DataFrame:
    """Outturns from a path or a frame (e.g. ``indicators.compute``'s), checked either way."""
    if isinstance(data, (str, Path)):
        return read_outturns(data, catalogue)
    return validate_outturns(data, source=source or "<outturns>", catalogue=catalogue)


def lookup(outturns: pd.DataFrame) -> dict[tuple[str, str, str], dict]:
    """Records keyed by ``(authority, indicator, period)`` for quick access."""
    records = outturns.to_dict("records")
    return {(r["authority"], r["indicator"], r["period"]): r for r in records}
