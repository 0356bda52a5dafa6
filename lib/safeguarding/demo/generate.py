"""The demo's record-level data: every canonical table for every demo authority."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..periods import Period, period_range
from ..schema import TABLES
from . import cin, looked_after, realism
from .authorities import DemoAuthority, make_authorities
from .dates import NAT, add_years, day
from .early_help import early_help
from .rates import children, population_by_ethnicity

DEFAULT_YEARS: tuple[str, str] = ("2008-09", "2024-25")
DEFAULT_SEED = 20241
CIN_HISTORY_YEARS = 3  # simulated before the first year, so plans open at its start exist
KEPT_HISTORY_YEARS = 1  # kept in the tables, for 12-month look-backs in the first year
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"


def default_years() -> list[Period]:
    return period_range(*DEFAULT_YEARS)


def generate(
    n_authorities: int = 5,
    years: Sequence[Period] | None = None,
    seed: int = DEFAULT_SEED,
    sizes: Sequence[int] | None = None,
    jobs: int = 1,
) -> DataSet:
    """Record-level demo data for ``n_authorities`` fictional authorities over ``years``.

    The same arguments always give the same tables, whatever ``jobs`` (worker processes; each
    authority has its own random stream). ``sizes`` sets the first authorities' child
    populations (children aged 0-17); by default the demo's five run from 12,000 to 90,000
    and further authorities are drawn like England's.
    """
    authorities = make_authorities(n_authorities, seed, sizes)[:n_authorities]
    return generate_for(authorities, years or default_years(), seed, jobs)


def generate_for(
    authorities: list[DemoAuthority], years: Sequence[Period], seed: int, jobs: int = 1
) -> DataSet:
    """:func:`generate` for given authorities."""
    years = sorted({Period(p.year) for p in years})
    parts = map_authorities(partial(authority_dataset, years=years, seed=seed), authorities, jobs)
    # each part already has the canonical dtypes, so stacking keeps them: no second coercion
    # (seconds over a synthetic England's millions of string cells). Parts are dropped table
    # by table, so memory peaks at one copy of the data plus one table, not two copies.
    data = DataSet()
    for name in TABLES:
        if all(name in p.tables for p in parts):  # tables only other sources hold: absent
            data.tables[name] = pd.concat([p.tables.pop(name) for p in parts], ignore_index=True)
    return data


def authority_dataset(auth: DemoAuthority, years: Sequence[Period], seed: int) -> DataSet:
    """One authority's canonical tables (``authority`` column included, canonical dtypes)."""
    data = DataSet()
    for name, frame in authority_tables(auth, years, seed).items():
        data.set(name, frame.assign(authority=auth.code))
    return data


T = TypeVar("T")


def map_authorities(
    func: Callable[[DemoAuthority], T], authorities: Sequence[DemoAuthority], jobs: int = 1
) -> list[T]:
    """``[func(a) for a in authorities]``, in ``jobs`` worker processes when above 1.

    Results come back in the authorities' order. Workers start from a fork server (or a
    fresh interpreter), never a fork of this process: the caller may hold threads (Jupyter,
    Dask) that a plain fork would copy mid-flight. As with any such pool, a script calling
    this with ``jobs > 1`` needs the ``if __name__ == "__main__":`` guard.
    """
    jobs = min(jobs, len(authorities))
    if jobs <= 1:
        return [func(a) for a in authorities]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    # largest first, so that a big authority does not start last and leave a core idle
    order = sorted(range(len(authorities)), key=lambda i: -authorities[i].children)
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {i: pool.submit(func, authorities[i]) for i in order}
        return [futures[i].result() for i in range(len(authorities))]


def authority_tables(
    auth: DemoAuthority, years: Sequence[Period], seed: int
) -> dict[str, pd.DataFrame]:
    """Every canonical table for one authority (without the ``authority`` column)."""
    rng = np.random.default_rng([seed, auth.index, 1])
    first, last = years[0], years[-1]
    extract = day(last.end)
    keep_from = day(first.start) - np.timedelta64(365 * KEPT_HISTORY_YEARS, "D")
    cin_start = np.datetime64(f"{first.year - CIN_HISTORY_YEARS}-04-01")
    kids, generations = cin.simulate(rng, auth, cin_start, extract)
    tables = cin.tables(rng, auth, kids, generations, extract, keep_from, first_child=0)
    spells = looked_after.simulate(rng, auth, first.year, extract)
    la = looked_after.tables(rng, auth, spells, [p.year for p in years], extract, keep_from,
                             first_child=len(kids))  # fmt: skip
    child_table = pd.concat([tables.pop("children"), la.pop("children")], ignore_index=True)
    child_table["upn"] = fake_upns(rng, auth.code, len(child_table))
    tables.update(la)
    tables["children"] = child_table
    _realism(tables, auth, pd.Timestamp(extract))
    tables["population"] = population(rng, auth, first.year - 1, last.year + 1)
    tables["population_ethnicity"] = population_by_ethnicity(auth, tables["population"])
    tables["teams"] = teams(rng, auth, tables, extract)
    return tables


def _realism(tables: dict[str, pd.DataFrame], auth: DemoAuthority, extract: pd.Timestamp) -> None:
    """Records that keep the returns' validation rules, and the newer returns' tables
    (:mod:`.realism`; no random draws, so the simulation's streams are unchanged)."""
    dob = tables["children"].set_index("child_id")["dob"]
    dob = dob[~dob.index.duplicated()]
    eps = realism.tidy_episodes(tables["la_episodes"], area=auth.index, dob=dob, extract=extract)
    tables["la_episodes"] = eps
    tables["care_leavers"] = realism.care_leavers(tables["care_leavers"], eps)
    tables["cin_plans"] = realism.cin_plans(
        tables["referrals"], tables["assessments"], tables["cp_plans"], tables["section47"]
    )
    tables["sw_episodes"] = realism.sw_episodes(eps, extract)
    tables["dolo"] = realism.dolo(eps, dob, extract)
    tables["pre_proceedings"] = realism.pre_proceedings(
        tables["cp_plans"], tables["referrals"], extract
    )
    tables["early_help"] = early_help(tables["referrals"], extract)


def fake_upns(rng: np.random.Generator, code: str, n: int) -> np.ndarray:
    """Unique pupil numbers in the real shape (check letter, LA code, school, year, serial),
    with a valid check letter; made up, so they belong to no pupil."""
    body = int(code[-3:]) * 10**9 + rng.integers(0, 10**9, n, dtype="int64")
    digits = body[:, None] // 10 ** np.arange(11, -1, -1) % 10
    check = (digits * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.array(list(_UPN_CHECK))[check]
    return np.char.add(letters, np.char.zfill(body.astype(str), 12)).astype(object)


def population(
    rng: np.random.Generator, auth: DemoAuthority, first: int, last: int
) -> pd.DataFrame:
    """Children aged 0-17 by calendar year (mid-year estimates, slightly noisy)."""
    years = np.arange(first, last + 1)
    value = children(auth, years) * (1 + rng.normal(0, 0.003, len(years)))
    return pd.DataFrame({"year": years, "population": np.round(value).astype("int64")})


def teams(
    rng: np.random.Generator,
    auth: DemoAuthority,
    tables: dict[str, pd.DataFrame],
    extract: np.datetime64,
) -> pd.DataFrame:
    """Which team holds each child's case and as what, for the activity tables.

    Assessment teams hold a case from referral to the assessment's authorisation,
    safeguarding teams hold children in need and on plans, Children in Care the looked-after
    children, Disabled Children the short breaks and Leaving Care the care leavers to 21.
    """
    kids = pd.Index(tables["children"]["child_id"])
    district = rng.integers(0, len(auth.districts), len(kids))

    def segment(child, team, case_type, start, end, by_district=True) -> pd.DataFrame:
        child = np.asarray(child, dtype=object)
        if by_district:  # area teams are named after their district
            names = np.array([f"{team} {d}" for d in auth.districts], dtype=object)
            team = names[district[kids.get_indexer(child)]]
        return pd.DataFrame({
            "child_id": child, "team": team, "case_type": case_type,
            "start_date": np.asarray(start, dtype="datetime64[D]"),
            "end_date": np.asarray(end, dtype="datetime64[D]"),
        })  # fmt: skip

    refs = tables["referrals"].set_index("referral_id")
    done = tables["assessments"][["referral_id", "authorised_date"]]
    assessed = pd.DataFrame({
        "end": done.groupby("referral_id")["authorised_date"].max(),
        "pending": done["authorised_date"].isna().groupby(done["referral_id"]).any(),
    })  # fmt: skip
    assessed = assessed.join(refs[["child_id", "referral_date", "closure_date"]])
    assessed.loc[assessed["pending"], "end"] = pd.NaT
    conference = set(tables["section47"].dropna(subset=["icpc_date"])["referral_id"])
    in_need = assessed[~assessed.index.isin(conference) & assessed["end"].notna()]
    in_need = in_need[
        in_need["closure_date"].isna()
        | (in_need["closure_date"] > in_need["end"] + pd.Timedelta(days=14))
    ]
    plans = tables["cp_plans"]
    eps = tables["la_episodes"]
    spells = eps.assign(open=eps["episode_end"].isna()).groupby("child_id").agg(
        start=("episode_start", "min"), end=("episode_end", "max"), open=("open", "any"),
        status=("legal_status", "first"),
    )  # fmt: skip
    spells.loc[spells["open"], "end"] = pd.NaT
    short = spells["status"].isin(["V3", "V4"])
    leavers = tables["care_leavers"].drop_duplicates("child_id").set_index("child_id")
    left = spells.loc[spells.index.isin(leavers.index) & spells["end"].notna()]
    until = add_years(leavers.loc[left.index, "dob"].to_numpy("datetime64[D]"), 21)
    parts = [
        segment(assessed["child_id"], "Assessment", "Assessment", assessed["referral_date"],
                assessed["end"]),
        segment(in_need["child_id"], "Safeguarding", "Child in Need", in_need["end"],
                in_need["closure_date"]),
        segment(plans["child_id"], "Safeguarding", "Child Protection Plan", plans["start_date"],
                plans["end_date"]),
        segment(spells.index[~short], "Children in Care", "Looked After",
                spells.loc[~short, "start"], spells.loc[~short, "end"], by_district=False),
        segment(spells.index[short], "Disabled Children", "Short Breaks",
                spells.loc[short, "start"], spells.loc[short, "end"], by_district=False),
        segment(left.index, "Leaving Care", "Care Leaver", left["end"],
                np.where(until > extract, NAT, until), by_district=False),
    ]  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("start_date", kind="stable").reset_index(drop=True)
