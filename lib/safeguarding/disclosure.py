"""Disclosure control for published reports, following DfE's practice for children's social care.

Rules (the ``public`` audience; ``restricted`` reports show every figure):

* a count from 1 to 5 is shown as ``c`` (0 is shown: it reveals nothing about a child);
* a percentage or rate whose numerator or denominator is a count from 1 to 5 is shown as ``c``,
  so that the count cannot be recovered by multiplying back;
* secondary suppression in tables with totals: wherever a row or column (its cells and its
  total) would have exactly one hidden cell, the next smallest cell is hidden too, repeated
  until no hidden figure is the difference of shown ones; a total that is itself 1 to 5 is
  hidden; a share (per cent of total) of a hidden count is hidden.

The same masked figures feed tables, charts and the drafted text, so a figure hidden in one is
never stated in another.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

from .exceptions import ParameterError

SMALL = range(1, 6)
SUPPRESSED = "c"
AUDIENCES = ("public", "restricted")
TOTAL = "Total"
NOTE = (
    "c: figure not shown because it rests on between one and five children, or could be "
    "worked out from other figures in the table (disclosure control for published reports)."
)


def check_audience(audience: str) -> str:
    """Return ``audience`` when it is known, else raise naming the accepted values."""
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    return audience


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_small(count: float | None) -> bool:
    """True for a count of 1 to 5 children (the DfE threshold)."""
    return not _missing(count) and 1 <= float(count) <= 5


def hide_count(count: float | None, audience: str) -> bool:
    """Whether a count must be shown as ``c`` for this audience."""
    return check_audience(audience) == "public" and is_small(count)


def hide_ratio(numerator: float | None, denominator: float | None, audience: str) -> bool:
    """Whether a percentage or rate is shown as ``c``: its numerator or denominator is small."""
    if check_audience(audience) != "public":
        return False
    return is_small(numerator) or is_small(denominator)


def hide_figure(
    value: float | None,
    unit: str,
    numerator: float | None,
    denominator: float | None,
    audience: str,
) -> bool:
    """Whether an indicator's figure is hidden: a small count, or a ratio built on one."""
    if unit == "count":
        return hide_count(value if _missing(numerator) else numerator, audience)
    return hide_ratio(numerator, denominator, audience)


def _secondary(cells: pd.DataFrame, hidden: pd.DataFrame) -> bool:
    """One pass of secondary suppression over rows and columns; True when anything changed.

    ``cells`` includes the total row and column; each line is ``parts + total``.
    """
    changed = False
    for axis in (0, 1):
        lines = cells.index if axis == 0 else cells.columns
        for key in lines:
            values = cells.loc[key] if axis == 0 else cells[key]
            flags = hidden.loc[key] if axis == 0 else hidden[key]
            if TOTAL not in values.index or int(flags.sum()) != 1:
                continue
            parts = [k for k in values.index if k != TOTAL and not flags[k]]
            nonzero = [k for k in parts if values[k] > 0]
            if nonzero:
                pick = min(nonzero, key=lambda k: (values[k], str(k)))
            elif not flags[TOTAL]:
                pick = TOTAL
            else:
                continue  # the only hidden cell is the total and every part is zero: no risk
            if axis == 0:
                hidden.loc[key, pick] = True
            else:
                hidden.loc[pick, key] = True
            changed = True
    return changed


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` with a ``Total`` column and a ``Total`` row."""
    table = counts.copy()
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    return table.astype("int64")


def suppression_mask(table: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Which cells of a table with a total row and/or column are hidden for ``audience``."""
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    if check_audience(audience) != "public":
        return hidden
    hidden[:] = table.map(is_small).to_numpy()
    if not hidden.to_numpy().any():
        return hidden
    # Each pass can expose a new line with a single hidden cell: repeat until stable.
    for _ in range(table.size):
        if not _secondary(table, hidden):
            break
    return hidden


def display_table(counts: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Counts with totals as text for publication: ``c`` where hidden, thousands separated."""
    table = with_totals(counts)
    hidden = suppression_mask(table, audience)
    shown = table.map(lambda v: f"{int(v):,}")
    return shown.mask(hidden, SUPPRESSED)


def display_shares(counts: pd.Series, audience: str) -> pd.DataFrame:
    """One column of counts with its total and each count's share of the total.

    Returns columns ``count`` and ``share`` (text), with a ``Total`` row.
    """
    table = counts.to_frame("count").astype("int64")
    table.loc[TOTAL] = table["count"].sum()
    hidden = suppression_mask(table, audience)["count"]
    total = int(table.loc[TOTAL, "count"])
    out = pd.DataFrame(index=table.index)
    out["count"] = [
        SUPPRESSED if hidden[k] else f"{int(table.loc[k, 'count']):,}" for k in table.index
    ]
    out["share"] = [
        SUPPRESSED
        if hidden[k]
        else ("n/a" if total == 0 else f"{100 * table.loc[k, 'count'] / total:.1f}%")
        for k in table.index
    ]
    return out


_COUNT_WORDS = re.compile(
    r"(?<![\d.,])([1-5])(?![\d.,%])\s+(?:child|children|plans?|cases?|referrals?|young people|"
    r"care leavers?|reviews?|assessments?|conferences?)\b",
    re.IGNORECASE,
)


def small_counts_in_text(text: str) -> list[str]:
    """Phrases stating a count of 1 to 5 ("3 children"), for checking published text."""
    return [m.group(0) for m in _COUNT_WORDS.finditer(text)]


def small_cells(cells: Iterable[str]) -> list[str]:
    """Table cells that are a bare count from 1 to 5."""
    return [c for c in cells if re.fullmatch(r"\s*[1-5]\s*", c or "")]
