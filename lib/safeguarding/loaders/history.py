"""Several years' returns of one kind -> one history.

A council's CIN census for 2021-22 and for 2022-23 both hold the referrals open across
31 March 2022; its SSDA903 returns both hold the episodes open then. Stacking the years would
count those records twice (and the older copy, without the end date the later return
added, would stay open for ever). :func:`merge_returns` keeps one record per natural key
(the table's key in ``schema.TABLES``: child and date for episodes and reviews, the ids the
CIN loader makes from child and start dates), the later return's version winning, with a
``conflicting_record`` warning for each record whose versions differ. The same file given
twice therefore changes nothing: same records, same warnings, one source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..schema import TABLES, coerce_dtypes
from ..validation import Issue

PART = "_part"
# the SSDA903 CSV each canonical table is read from (other inputs name files by table)
FILE_STEMS = {
    "children": ("header",),
    "la_episodes": ("episodes",),
    "la_reviews": ("reviews",),
    "care_leavers": ("oc3",),
}
# records that stay open until ended: the column that ends them
ENDS = {"la_episodes": "episode_end", "cp_plans": "end_date", "referrals": "closure_date"}
START = {"la_episodes": "episode_start", "cp_plans": "start_date", "referrals": "referral_date"}


def _latest(data: DataSet) -> dt.date:
    """When a return ends: its coverage's last day (a return without one sorts first)."""
    return max((c.end for c in data.coverage), default=dt.date.min)


def _label(data: DataSet) -> str:
    labels = [c.label for c in data.coverage if c.label]
    if labels:
        return labels[0]
    return data.sources[0].path if data.sources else "an input"


def _file(data: DataSet, table: str) -> str:
    """The file a part's ``table`` came from (the table's own file in a folder of CSVs)."""
    stems = {table, *FILE_STEMS.get(table, ())}
    for source in data.sources:
        if Path(source.path).stem.lower() in stems:
            return source.path
    return data.sources[0].path if data.sources else "<input>"


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def merge_returns(parts: list[DataSet]) -> DataSet:
    """One history from several returns (any years, any order; see the module docstring)."""
    if len(parts) <= 1:
        return parts[0] if parts else DataSet()
    order = sorted(range(len(parts)), key=lambda i: (_latest(parts[i]), i))
    ordered = [parts[i] for i in order]
    issues: list[Issue] = _unique([i for p in ordered for i in p.issues])
    tables: dict[str, pd.DataFrame] = {}
    for name in sorted({n for p in ordered for n in p.tables}):
        frames = []
        for k, part in enumerate(ordered):
            if name in part.tables:
                frames.append(part.tables[name].assign(**{PART: k}))
        frame = pd.concat(frames, ignore_index=True)
        key = list(TABLES[name].key) or TABLES[name].column_names
        keep, conflicts = _resolve(frame, key, TABLES[name].column_names)
        for row, later, differ, record, authority in conflicts:
            issues.append(
                Issue(
                    "warning",
                    _file(ordered[later], name),
                    "conflicting_record",
                    f"this {name} record is also in {_label(ordered[row])} with other "
                    f"{', '.join(differ)}: the later return's version is kept",
                    column=", ".join(differ),
                    value=record,
                    authority=authority,
                )
            )
        if name in ENDS:
            keep = _close_absent(keep, name, ordered, issues)
        tables[name] = coerce_dtypes(keep.drop(columns=[PART]).reset_index(drop=True), name)
    sources = list({(s.path, s.sha256): s for p in ordered for s in p.sources}.values())
    return DataSet(
        tables,
        issues,
        sources,
        {a for p in ordered for a in p.absent},
        _unique([c for p in ordered for c in p.coverage]),
    )


def _close_absent(
    frame: pd.DataFrame, name: str, ordered: list[DataSet], issues: list[Issue]
) -> pd.DataFrame:
    """A record open in one return but absent from a later return of the same table had
    ended before the later return's year began (a return holds everything open in its
    year): it is ended on that year's first day, with a ``not_in_later_return`` warning. One
    that started inside the later return's year and is absent from it is only warned about."""
    end, start = ENDS[name], START[name]
    firsts = [
        min((c.start for c in part.coverage if name in c.tables), default=None) for part in ordered
    ]
    frame = frame.copy()
    for k, first in enumerate(firsts):
        if first is None:
            continue
        day = pd.Timestamp(first)
        earlier = (frame[PART] < k) & frame[end].isna()
        if not earlier.any():
            continue
        ended = earlier & (frame[start] < day)
        for row in frame.index[earlier]:
            issues.append(
                Issue(
                    "warning",
                    _file(ordered[int(frame.at[row, PART])], name),
                    "not_in_later_return",
                    f"this {name} record is open in {_label(ordered[int(frame.at[row, PART])])} "
                    f"but not in {_label(ordered[k])}, which holds everything open in its year"
                    + (f": taken as ended by {first.isoformat()}" if ended[row] else ""),
                    column=end,
                    value=_key_text(frame, row, TABLES[name].key),
                    authority=_authority(frame, row),
                )
            )
        frame.loc[ended, end] = day
    return frame


def _key_text(frame: pd.DataFrame, row, key) -> str:
    """A record's natural key as text (dates as YYYY-MM-DD), for the finding's value."""
    parts = []
    for column in key:
        if column == "authority":
            continue
        value = frame.at[row, column]
        parts.append(value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value))
    return " ".join(parts)


def _authority(frame: pd.DataFrame, row) -> str | None:
    value = frame.at[row, "authority"] if "authority" in frame else None
    return None if value is None or pd.isna(value) else str(value)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where two missing values are equal (compared as text, which is
    exact for the canonical dtypes: codes, ISO dates, whole numbers, booleans)."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    eq = a.astype(str).to_numpy() == b.astype(str).to_numpy()
    return (eq & ~a_na & ~b_na) | (a_na & b_na)


def _resolve(
    frame: pd.DataFrame, key: list[str], columns: list[str]
) -> tuple[pd.DataFrame, list[tuple[int, int, list[str], str, str | None]]]:
    """Rows kept (the last of each complete key) and, per earlier differing copy, (its part,
    the kept row's part, the columns that differ, the record's key, its authority)."""
    complete = frame[key].notna().all(axis=1)
    dup = frame.duplicated(key, keep="last") & complete
    if not dup.any():
        return frame, []
    groups = frame.groupby(key, sort=False, dropna=False).ngroup()
    last = ~frame.duplicated(key, keep="last")
    last_of = pd.Series(frame.index[last], index=groups[last]).reindex(groups[dup]).to_numpy()
    earlier = frame.index[dup]
    compared = [c for c in columns if c not in key]
    differs = {
        c: ~_same(frame.loc[earlier, c], frame.loc[last_of, c].set_axis(earlier)) for c in compared
    }
    conflicts = []
    for j, row in enumerate(earlier):
        differ = [c for c in compared if differs[c][j]]
        later = int(frame.at[last_of[j], PART])
        part = int(frame.at[row, PART])
        if differ and part != later:
            record = _key_text(frame, row, key)
            authority = frame.at[row, "authority"] if "authority" in frame else None
            conflicts.append(
                (part, later, differ, record, None if pd.isna(authority) else str(authority))
            )
    return frame[~dup], conflicts
