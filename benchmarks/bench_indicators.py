"""Benchmark: every indicator for N synthetic authorities x years (years and quarters).

    .venv/bin/python benchmarks/bench_indicators.py [--authorities 5 20] [--years 2008-09..2017-18]
                                                    [--builder demo|numpy] [--seed 1]

Prints one line per size: records in, result rows out, seconds and rows per second for
``indicators.compute`` (the data are built first and not timed). Uses the seeded demo
generator (``safeguarding.demo.generate``) when it is importable, else a numpy builder here.
Timings are for reading, never asserted in tests.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute
from safeguarding.periods import Period, parse_year_range


def build_numpy(n_authorities: int, years: list[Period], seed: int) -> DataSet:
    """Plausible-sized records for every canonical table the indicators read (vectorised)."""
    rng = np.random.default_rng(seed)
    first = np.datetime64(f"{years[0].year - 2}-04-01")
    last = np.datetime64(f"{years[-1].year + 1}-03-31")
    span = int((last - first).astype(int))
    tables: dict[str, list[pd.DataFrame]] = {}

    def add(name: str, frame: pd.DataFrame) -> None:
        tables.setdefault(name, []).append(frame)

    def days(n: int) -> np.ndarray:
        return first + rng.integers(0, span, n).astype("timedelta64[D]")

    def after(start: np.ndarray, low: int, high: int) -> np.ndarray:
        return start + rng.integers(low, high, len(start)).astype("timedelta64[D]")

    n_years = len(years) + 2
    for a in range(n_authorities):
        code = str(800 + a)
        size = int(rng.integers(20_000, 120_000))  # children aged 0-17
        n_children = size // 8
        child = np.array([f"{code}-{i}" for i in range(n_children)])
        add(
            "children",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": child,
                    "dob": days(n_children) - np.timedelta64(365 * 9, "D"),
                }
            ),
        )
        n_ref = size * 5 // 100 * n_years  # ~500 referrals per 10,000 children a year
        ref_child = rng.choice(child, n_ref)
        ref_date = days(n_ref)
        ref_id = np.array([f"{code}-R{i}" for i in range(n_ref)])
        add(
            "referrals",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": ref_child,
                    "referral_id": ref_id,
                    "referral_date": ref_date,
                }
            ),
        )
        assessed = rng.random(n_ref) < 0.8
        kind = np.where(ref_date < np.datetime64("2014-04-01"), "initial", "single")
        a_start = after(ref_date[assessed], 0, 5)
        add(
            "assessments",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": ref_child[assessed],
                    "assessment_id": [f"{code}-A{i}" for i in range(assessed.sum())],
                    "referral_id": ref_id[assessed],
                    "assessment_type": kind[assessed],
                    "start_date": a_start,
                    "authorised_date": after(a_start, 1, 60),
                }
            ),
        )
        core = assessed & (rng.random(n_ref) < 0.3) & (ref_date < np.datetime64("2014-04-01"))
        c_start = after(ref_date[core], 10, 20)
        add(
            "assessments",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": ref_child[core],
                    "assessment_id": [f"{code}-C{i}" for i in range(core.sum())],
                    "referral_id": ref_id[core],
                    "assessment_type": "core",
                    "start_date": c_start,
                    "authorised_date": after(c_start, 20, 60),
                }
            ),
        )
        s47 = rng.random(n_ref) < 0.15
        s_start = after(ref_date[s47], 0, 10)
        conf = rng.random(s47.sum()) < 0.6
        add(
            "section47",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": ref_child[s47],
                    "s47_id": [f"{code}-S{i}" for i in range(s47.sum())],
                    "referral_id": ref_id[s47],
                    "s47_start_date": s_start,
                    "icpc_date": np.where(conf, after(s_start, 5, 25), np.datetime64("NaT")),
                }
            ),
        )
        n_plans = int(s47.sum() * 0.5)
        p_child = rng.choice(child, n_plans)
        p_start = days(n_plans)
        p_end = after(p_start, 30, 900)
        p_end = np.where(p_end > last, np.datetime64("NaT"), p_end)
        plan_id = np.array([f"{code}-P{i}" for i in range(n_plans)])
        add(
            "cp_plans",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": p_child,
                    "plan_id": plan_id,
                    "start_date": p_start,
                    "end_date": p_end,
                    "previous_plans": rng.choice([0, 0, 0, 0, 1], n_plans),
                }
            ),
        )
        reviews = np.repeat(np.arange(n_plans), 4)
        offsets = np.tile(np.array([90, 270, 450, 630]), n_plans) + rng.integers(
            -5, 10, 4 * n_plans
        )
        r_date = p_start[reviews] + offsets.astype("timedelta64[D]")
        keep = np.isnat(p_end[reviews]) | (r_date <= p_end[reviews])
        add(
            "cp_reviews",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": p_child[reviews][keep],
                    "plan_id": plan_id[reviews][keep],
                    "review_date": r_date[keep],
                }
            ).drop_duplicates(["plan_id", "review_date"]),
        )
        n_la = size * 6 // 1000  # ~60 per 10,000 looked after over the years
        la_child = rng.choice(child, n_la, replace=False)
        n_eps = rng.integers(1, 6, n_la)
        e_child = np.repeat(la_child, n_eps)
        e_start = np.repeat(days(n_la), n_eps) + np.concatenate(
            [np.sort(rng.integers(0, 900, k)) for k in n_eps]
        ).astype("timedelta64[D]")
        frame = pd.DataFrame({"authority": code, "child_id": e_child, "episode_start": e_start})
        frame = frame.drop_duplicates(["child_id", "episode_start"]).sort_values(
            ["child_id", "episode_start"]
        )
        nxt = frame.groupby("child_id")["episode_start"].shift(-1)
        frame["episode_end"] = nxt
        m = len(frame)
        frame["rne"] = rng.choice(["S", "P", "L", "T", "U"], m)
        frame["legal_status"] = rng.choice(["C2", "C2", "J2", "V2", "V3", "E1"], m)
        frame["placement"] = rng.choice(["U1", "U4", "K2", "A4", "R1"], m)
        add("la_episodes", frame)
        la_rev = np.repeat(la_child, 5)
        add(
            "la_reviews",
            pd.DataFrame(
                {"authority": code, "child_id": la_rev, "review_date": days(len(la_rev))}
            ).drop_duplicates(["child_id", "review_date"]),
        )
        n_cl = n_la // 3
        add(
            "care_leavers",
            pd.DataFrame(
                {
                    "authority": code,
                    "child_id": rng.choice(child, n_cl),
                    "dob": days(n_cl) - np.timedelta64(365 * 19, "D"),
                    "collection_year": rng.choice([p.fy_label for p in years], n_cl),
                    "in_touch": rng.choice(["YES", "NO", "DIED"], n_cl, p=[0.85, 0.14, 0.01]),
                    "activity": rng.choice(["F1", "P2", "G4", "G6", "0"], n_cl),
                    "accommodation": rng.choice(["K1", "B2", "U1", "0"], n_cl),
                }
            ).drop_duplicates(["child_id", "collection_year"]),
        )
        add(
            "population",
            pd.DataFrame({"authority": code, "year": [p.year for p in years], "population": size}),
        )
    data = DataSet()
    for name, frames in tables.items():
        data.set(name, pd.concat(frames, ignore_index=True))
    return data


def build(n_authorities: int, years: list[Period], seed: int, builder: str) -> tuple[DataSet, str]:
    if builder in ("auto", "demo"):
        try:
            from safeguarding.demo import generate
        except ImportError:
            if builder == "demo":
                raise
        else:
            return generate(n_authorities, years, seed), "demo"
    return build_numpy(n_authorities, years, seed), "numpy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, nargs="+", default=[5, 20])
    parser.add_argument("--years", default="2008-09..2017-18")
    parser.add_argument("--builder", choices=("auto", "demo", "numpy"), default="auto")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    years = parse_year_range(args.years)
    periods = [q for y in years for q in (y, *y.quarters())]
    header = (
        f"{'LAs':>4} {'years':>5} {'periods':>7} {'builder':>7} {'records':>10} "
        f"{'build s':>8} {'rows out':>9} {'compute s':>9} {'rows/s':>9} {'records/s':>10}"
    )
    print(header)
    print("-" * len(header))
    for n in args.authorities:
        t0 = time.perf_counter()
        data, used = build(n, years, args.seed, args.builder)
        built = time.perf_counter() - t0
        records = sum(len(f) for f in data.tables.values())
        t0 = time.perf_counter()
        out = compute(data, periods)
        took = time.perf_counter() - t0
        print(
            f"{n:>4} {len(years):>5} {len(periods):>7} {used:>7} {records:>10,} "
            f"{built:>8.1f} {len(out):>9,} {took:>9.2f} {len(out) / took:>9,.0f} "
            f"{records / took:>10,.0f}"
        )


if __name__ == "__main__":
    main()
