"""One history from the statutory returns for closed years and in-year extracts (Annex A).

A council reporting on the year in progress has its returns up to the last 31 March and,
for the months since, Ofsted's Annex A lists. :func:`merge_in_year` joins them:

- sources are ranked by date: the returns (as of the end of the last financial year their
  records reach) first, then each extract by its extract date; where two hold the same record
  (the same child and start date: a referral, assessment, enquiry, plan, review, contact or
  adoption decision), the later source's record is kept and, when a value both give differs,
  one ``source_conflict`` warning names the record's table, the columns that differ and the
  two sources. Records that point at a dropped record's id (an assessment's referral, a
  review's plan) follow the one kept;
- looked-after episodes: Annex A holds only each period of care with its current placement,
  the returns every episode. A period of care the returns already hold keeps the returns'
  episodes; the extract's end (the child ceased to be looked after since) closes the returns'
  open last episode, and an end that differs from the returns' is a conflict the extract wins.
  Periods of care starting after the returns' end are added from the extract;
- the returns' coverage is recorded (from the earliest record to the end of their last
  financial year), so that with the extracts' windows the history is complete exactly where
  some source covers it: a period falling between them is not computable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..dataset import Coverage, DataSet
from ..periods import Period
from ..schema import TABLES, coerce_dtypes
from ..validation import Issue

# table -> the columns that identify one real event across sources
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "children": ("child_id",),
    "referrals": ("child_id", "referral_date"),
    "assessments": ("child_id", "start_date"),
    "section47": ("child_id", "_s47_date"),
    "cp_plans": ("child_id", "start_date"),
    "cp_reviews": ("child_id", "review_date"),
    "contacts": ("child_id", "contact_date"),
    "early_help": ("child_id", "start_date"),
    "adoptions": ("child_id", "decision_date"),
    "care_leavers": ("child_id", "collection_year"),
    "cin_plans": ("child_id", "start_date"),
    "pre_proceedings": ("child_id", "start_date"),
    "sw_episodes": ("child_id", "start_date"),
    "dolo": ("child_id", "start_date"),
    "la_reviews": ("child_id", "review_date"),
}
# id column -> the tables that refer to it
ID_LINKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "referral_id": ("referrals", ("assessments", "section47", "cin_plans", "pre_proceedings")),
    "plan_id": ("cp_plans", ("cp_reviews",)),
}
EARLIEST = dt.date(1900, 1, 1)


def returns_end(data: DataSet, authority: str) -> dt.date | None:
    """The end of the last financial year the authority's records reach (their dates of
    events, not of birth), or None when there are none."""
    latest = None
    for name, frame in data.tables.items():
        if name == "population" or not len(frame):
            continue
        own = frame[frame["authority"] == authority]
        for col in TABLES[name].date_columns:
            if col == "dob":
                continue
            top = own[col].max()
            if pd.notna(top) and (latest is None or top > latest):
                latest = top
    if latest is None:
        return None
    return Period(latest.year if latest.month >= 4 else latest.year - 1).end


def merge_in_year(history: DataSet, extracts: Iterable[DataSet]) -> DataSet:
    """``history`` (the returns, any authorities) joined with in-year ``extracts`` (each one
    authority's Annex A), later sources winning where they overlap (see the module)."""
    extracts = sorted(extracts, key=_extract_date)
    if not extracts:
        return history
    coverage = list(history.coverage)
    for code in history.authorities:
        end = returns_end(history, code)
        if end is not None and not any(c.authority == code for c in history.coverage):
            tables = tuple(n for n in history.tables if n != "population")
            coverage.append(Coverage(code, tables, EARLIEST, end, "the returns", "the returns"))
    # an extract older than the returns it joins (last year's Q2 workbook left in the settings
    # once that year's returns are in) ranks below them: the later source wins either way
    older = [e for e in extracts if _older_than_returns(e, history)]
    parts = [*older, history, *[e for e in extracts if not any(e is o for o in older)]]
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame] = {}
    names = sorted({n for p in parts for n in p.tables})
    for name in names:
        frames = []
        for rank, part in enumerate(parts):
            if name in part.tables:
                frame = part.tables[name].copy()
                frame["_rank"] = rank - len(older)  # the returns are rank 0
                frame["_file"] = _label(part, part is history)
                frames.append(frame)
        tables[name] = pd.concat(frames, ignore_index=True)
    remaps: dict[str, dict[tuple[str, str], str]] = {}
    for name, key in NATURAL_KEYS.items():
        if name in tables:
            as_at = _as_at_columns(extracts, name)
            tables[name], remap = _resolve(name, tables[name], key, issues, as_at)
            remaps[name] = remap
    for column, (owner, dependants) in ID_LINKS.items():
        mapping = remaps.get(owner, {})
        for dep in dependants:
            if mapping and dep in tables:
                frame = tables[dep]
                pairs = list(zip(frame["authority"], frame[column], strict=True))
                frame[column] = [mapping.get(p, p[1]) for p in pairs]
    if "la_episodes" in tables:
        tables["la_episodes"] = _episodes(tables["la_episodes"], issues)
    out = DataSet(
        issues=[i for p in parts for i in _issues(p, history, any(p is o for o in older))]
        + issues,
        sources=[s for p in parts for s in p.sources],
        coverage=coverage + [c for p in extracts for c in p.coverage],
    )
    for name, frame in tables.items():
        out.tables[name] = coerce_dtypes(frame.drop(columns=["_rank", "_file"]), name)
    return out


def _extract_date(data: DataSet) -> str:
    dates = [s.extract_date for s in data.sources if s.kind == "annex_a" and s.extract_date]
    return max(dates) if dates else ""


def _issues(part: DataSet, history: DataSet, older: bool) -> list[Issue]:
    """A part's issues; an extract older than the returns says so, and no longer claims to
    feed the re-referrals with its own count (the returns' records are kept)."""
    if not older:
        return list(part.issues)
    kept = [i for i in part.issues if i.rule != "annex_a_rereferrals"]
    source = next(s for s in part.sources if s.kind == "annex_a")
    end = returns_end(history, str(source.authority))
    kept.append(
        Issue(
            "warning",
            source.path,
            "annex_a_older_than_returns",
            f"this Annex A extract ({source.extract_date}) is older than the returns, which "
            f"reach {end.isoformat() if end else 'later'}: where both hold a record the "
            "returns' is kept; the extract adds only what the returns do not hold",
            authority=str(source.authority),
        )
    )
    return kept


def _older_than_returns(extract: DataSet, history: DataSet) -> bool:
    """True when the extract's date falls before the end of the last financial year the
    returns reach for its authority."""
    made = _extract_date(extract)
    codes = {s.authority for s in extract.sources if s.kind == "annex_a"}
    ends = [returns_end(history, code) for code in codes if code]
    return bool(made) and any(end is not None and dt.date.fromisoformat(made) < end for end in ends)


def _label(part: DataSet, returns: bool) -> str:
    if returns:
        return "the returns"
    files = [s.path for s in part.sources if s.kind == "annex_a"]
    return files[0] if files else "an in-year extract"


def _as_at_columns(extracts: Sequence[DataSet], table: str) -> list[str]:
    """The columns of ``table`` some extract gives as they stood on its date (Annex A list 7's
    last statutory visit): no other source records them."""
    prefix = f"{table}."
    held = {k for e in extracts for c in e.coverage for k in c.as_at}
    return sorted(k[len(prefix) :] for k in held if k.startswith(prefix))


def _resolve(
    name: str,
    frame: pd.DataFrame,
    key: tuple[str, ...],
    issues: list[Issue],
    as_at: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """Where sources overlap (the same natural key in an earlier and a later source), keep
    the later source's rows; warn where a value both give differs. Rows repeating a key
    within one source are that source's to explain, and are kept. A value an extract gives
    as at its date (``as_at``) stays on the record kept where its source leaves it blank:
    later returns, which never record it, do not make a plan's last visit unknown (the
    extract's date still says it is known, so it would count as no visit)."""
    if name == "section47":
        frame["_s47_date"] = frame["s47_start_date"].fillna(frame["icpc_date"])
    full = ["authority", *key]
    complete = frame[full].notna().all(axis=1)
    latest = frame[complete].groupby(full, sort=False)["_rank"].transform("max")
    older = pd.Series(False, index=frame.index)
    older.loc[latest.index] = frame.loc[latest.index, "_rank"] < latest
    remap: dict[tuple[str, str], str] = {}
    if older.any():
        own_id = {"referrals": "referral_id", "cp_plans": "plan_id"}.get(name)
        values = [
            c
            for c in TABLES[name].column_names
            if c not in full and not c.endswith("_id") and c != "collection_year"
        ]
        newest = frame[complete & ~older].drop_duplicates(full).set_index(full)
        for _, other in frame[older].iterrows():
            kept = newest.loc[tuple(other[c] for c in full)]
            differ = [
                c
                for c in values
                if pd.notna(kept[c])
                and pd.notna(other[c])
                and _same(c, kept[c]) != _same(c, other[c])
            ]
            if differ:
                issues.append(_conflict(name, kept, other, differ))
            if own_id:
                remap[(other["authority"], other[own_id])] = kept[own_id]
        _keep_as_at(frame, full, older, complete, as_at)
        frame = frame[~older]
    return frame.drop(columns=["_s47_date"], errors="ignore"), remap


def _keep_as_at(
    frame: pd.DataFrame,
    full: list[str],
    older: pd.Series,
    complete: pd.Series,
    as_at: Sequence[str],
) -> None:
    """Fill the kept rows' blank ``as_at`` values from the latest dropped row of the same
    record that gives one."""
    columns = [c for c in as_at if c in frame.columns]
    if not columns:
        return
    dropped = frame[older].sort_values("_rank", kind="stable")
    latest = dropped.groupby(full, sort=False)[columns].last()  # last non-blank per record
    kept = frame.index[complete & ~older]
    keys = pd.MultiIndex.from_frame(frame.loc[kept, full])
    for column in columns:
        blank = frame.loc[kept, column].isna().to_numpy()
        if blank.any():
            found = latest[column].reindex(keys[blank])
            frame.loc[kept[blank], column] = found.to_numpy()


# codes that say the same thing in different years' returns (Sex 1/2 until 2023-24, M/F since)
EQUIVALENT: dict[str, dict[str, str]] = {"sex": {"1": "M", "2": "F", "0": "U", "9": "U"}}


def _same(column: str, value: object) -> object:
    """A value as compared between sources (equivalent codes made one)."""
    return EQUIVALENT.get(column, {}).get(str(value), value)


def _conflict(name: str, kept: pd.Series, other: pd.Series, columns: list[str]) -> Issue:
    authority = kept["authority"] if "authority" in kept else other["authority"]
    return Issue(
        "warning",
        str(kept["_file"]),
        "source_conflict",
        f"the same {name} record (child and date) differs in {', '.join(columns)} between "
        f"{other['_file']} and {kept['_file']}, the later source, whose values are kept",
        column=", ".join(columns),
        authority=str(authority),
    )


def _episodes(frame: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
    """Returns' episodes for periods of care they hold; the extract's for the rest."""
    base = frame[frame["_rank"] == 0]
    later = frame[frame["_rank"] > 0].sort_values("_rank", kind="stable")
    earlier = frame[frame["_rank"] < 0]
    if base.empty:
        return frame
    # an extract older than the returns adds only the children the returns do not hold
    held_children = set(zip(base["authority"], base["child_id"], strict=True))
    keys = zip(earlier["authority"], earlier["child_id"], strict=True)
    earlier = earlier[[k not in held_children for k in keys]]
    if later.empty:
        return pd.concat([base, earlier], ignore_index=True) if len(earlier) else base
    base = pd.concat([base, earlier], ignore_index=True) if len(earlier) else base.copy()
    added = []
    for _, row in later.iterrows():
        mine = base[(base["authority"] == row["authority"]) & (base["child_id"] == row["child_id"])]
        last_end = mine["episode_end"].max() if len(mine) else pd.NaT
        open_ = mine[mine["episode_end"].isna()]
        held = len(mine) and (
            (mine["episode_start"] == row["episode_start"]).any()
            or (len(open_) and row["episode_start"] <= open_["episode_start"].max())
        )
        if not held:
            if pd.isna(last_end) or row["episode_start"] > last_end or not len(mine):
                added.append(row)
            continue
        latest = mine["episode_start"].idxmax()
        end = base.at[latest, "episode_end"]
        if pd.isna(end) and pd.notna(row["episode_end"]):
            base.loc[latest, ["episode_end", "reason_end"]] = [
                row["episode_end"],
                row["reason_end"],
            ]
        elif pd.notna(end) and end != row["episode_end"]:
            issues.append(_conflict("la_episodes", row, base.loc[latest], ["episode_end"]))
            base.loc[latest, ["episode_end", "reason_end"]] = [
                row["episode_end"],
                row["reason_end"],
            ]
    if added:
        base = pd.concat([base, pd.DataFrame(added)], ignore_index=True)
    return base


def read_authority(folder: Path, authority: str, workbooks: Sequence[Any] = ()) -> DataSet:
    """One authority's records as the batch reads them: its folder in the data directory
    (``read_data_dir``) joined with its Annex A workbooks (``params.AnnexAEntry``: file,
    extract date, months), or the workbooks alone (with the directory's population) when the
    directory has no folder for it."""
    from .. import loaders  # looked up at call time: tests count the loads
    from .annex_a import load_annex_a
    from .canonical import authority_folders
    from .population import load_population

    if not workbooks:
        return loaders.read_data_dir(folder, authorities=[authority])
    if authority in authority_folders(folder):
        history = loaders.read_data_dir(folder, authorities=[authority])
    else:
        population = Path(folder) / "population.csv"
        history = (
            load_population(population, authorities=[authority])
            if population.is_file()
            else DataSet()
        )
    extracts = [load_annex_a(w.file, authority, w.extract_date, months=w.months) for w in workbooks]
    return merge_in_year(history, extracts)
