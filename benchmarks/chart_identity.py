"""Charts drawn by two copies of the library, byte for byte and in CPU seconds (issue 17).

Collects the arguments of every trend and SPC chart the reports draw (the demo quarter's four
reports for its five authorities, and the national scorecards of the first N authorities of a
data folder), then draws the whole corpus with each library in several orders (as collected,
reversed, shuffled, SPC and trend charts interleaved), with the chart cache bypassed (the
drawing functions are called directly), and compares every SVG with the first library's first
order. Prints each run's median CPU milliseconds per chart.

    .venv/bin/python benchmarks/chart_identity.py --old /tmp/old/lib --data /tmp/nat/data \\
        --project /tmp/me/project --authorities 24
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ["quarterly_scorecard", "child_protection", "looked_after", "national_framework"]


def collect(out: str, data: str, project: str, authorities: int, demo_data: str) -> None:
    from safeguarding import charts
    from safeguarding.report.model import QuarterlyReport

    calls: list = []
    plain = {"trend": charts._draw_trend, "spc": charts._draw_spc}

    def recorder(kind):
        def record(*args):
            calls.append((kind, args))
            return plain[kind](*args)

        return record

    charts._draw_trend, charts._draw_spc = recorder("trend"), recorder("spc")
    jobs = [(a, rep, str(ROOT), demo_data) for a in ("901", "902", "903", "904", "905")
            for rep in REPORTS]  # fmt: skip
    national = sorted(a for a in os.listdir(data) if a.isdigit())[:authorities]
    jobs += [(a, "quarterly_scorecard", project, data) for a in national]
    for authority, report, project_dir, data_dir in jobs:
        r = QuarterlyReport.build(authority, "2024-25 Q2", report=report, audience="public",
                                  project_dir=project_dir, data_dir=data_dir)  # fmt: skip
        for ind in r.catalogue:
            for draw in (r.trend_chart, r.spc_chart):
                with contextlib.suppress(Exception):  # an indicator this report cannot chart
                    draw(ind)
    with open(out, "wb") as fh:
        pickle.dump(calls, fh)


def orders(calls: list) -> dict[str, list[int]]:
    idx = list(range(len(calls)))
    shuffled = idx[:]
    random.Random(1).shuffle(shuffled)
    spc = [i for i in idx if calls[i][0] == "spc"]
    trend = [i for i in idx if calls[i][0] == "trend"][::-1]
    mixed: list[int] = []
    while spc or trend:
        mixed += trend[:2][:1] + spc[:1] + trend[1:2]
        trend, spc = trend[2:], spc[1:]
    return {"collected": idx, "reversed": idx[::-1], "shuffled": shuffled, "interleaved": mixed}


def draw(corpus: str, out: str) -> None:
    from safeguarding import charts

    with open(corpus, "rb") as fh:
        calls = pickle.load(fh)
    plain = {"trend": charts._draw_trend, "spc": charts._draw_spc}
    runs = {}
    for name, order in orders(calls).items():
        svgs, cpu = [""] * len(calls), [0.0] * len(calls)
        for i in order:
            kind, args = calls[i]
            t0 = time.process_time()
            svgs[i] = plain[kind](*args)
            cpu[i] = time.process_time() - t0
        runs[name] = (svgs, cpu)
    with open(out, "wb") as fh:
        pickle.dump(runs, fh)


def run(lib: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": lib}
    subprocess.run([sys.executable, __file__, *args], env=env, check=True, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the other library's lib folder")
    ap.add_argument("--data", default="/tmp/nat/data")
    ap.add_argument("--project", required=True, help="a project folder for --data")
    ap.add_argument("--demo-data", default=str(ROOT / "data" / "demo"))
    ap.add_argument("--authorities", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--step", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:
        if a.step[0] == "collect":
            collect(a.step[1], a.data, a.project, a.authorities, a.demo_data)
        else:
            draw(a.step[1], a.step[2])
        return
    new = str(ROOT / "lib")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = f"{tmp}/corpus.pkl"
        run(new, f"--old={a.old}", f"--project={a.project}", f"--data={a.data}",
            f"--demo-data={a.demo_data}", f"--authorities={a.authorities}", "--step", "collect",
            corpus)  # fmt: skip
        reference = None
        for rep in range(a.repeat):
            for label, lib in (("old", a.old), ("new", new)):
                out = f"{tmp}/{label}{rep}.pkl"
                run(lib, f"--old={a.old}", f"--project={a.project}", "--step", "draw", corpus, out)
                with open(out, "rb") as fh:
                    runs = pickle.load(fh)
                for name, (svgs, cpu) in runs.items():
                    reference = reference or svgs
                    differ = sum(s != r for s, r in zip(svgs, reference, strict=True))
                    print(f"{label} run {rep + 1} {name:12} {len(svgs)} charts: median "
                          f"{statistics.median(cpu) * 1000:5.1f} ms CPU, total {sum(cpu):6.2f} s, "
                          f"{'byte-identical' if not differ else f'{differ} DIFFER'}",
                          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
