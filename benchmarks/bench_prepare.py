"""Benchmark: the batch's preparing pass (national summaries) and the indicators, measured.

    .venv/bin/python benchmarks/bench_prepare.py --data /tmp/england [--jobs 2] [--repeat 1]
    .venv/bin/python benchmarks/bench_prepare.py --authorities 38 --indicators-only

(p) ``batch.prepare`` for every authority of a synthetic England written by
``safeguarding demo-data`` (``--data``; made with ``write_demo`` in ``--work`` when absent):
wall and CPU seconds (this process and its workers, sampled) and the peak memory of the process tree
(PSS, sampled every 0.2 s), with an empty summary cache each time; (a) ``indicators.compute``
over every year and quarter for ``--authorities`` authorities built in memory (not timed),
wall and CPU seconds. Each figure is printed beside its goal (issue 17: indicators for 153
authorities x 5 years under 10 s; the national batch under 2 GiB PSS, of which preparing is
the first phase). On a shared machine compare CPU seconds as well as wall seconds, and
interleave runs of the versions compared. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_national import PeakMemory  # noqa: E402  (the same sampler as the national run)

GiB = 1024**3
YEARS = "2020-21..2024-25"
QUARTER = "2024-25 Q2"


class TreeCpu:
    """CPU seconds of this process and every descendant, sampled every ``interval`` seconds
    (the preparing workers are children of a fork server, not of this process, so
    ``getrusage`` would miss them; a worker's last fraction of a second may be missed)."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.seen = interval, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeCpu:
        self._start = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.process_time() - self._start + sum(self.seen.values())

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            for proc in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    self.seen[proc.pid] = times.user + times.system
            self._stop.wait(self.interval)


def bench_prepare(data: Path, work: Path, jobs: int) -> dict:
    from safeguarding import batch
    from safeguarding.demo.project import write_project

    root = Path(__file__).resolve().parents[1]
    project_dir = work / "project"
    if not project_dir.exists():
        write_project(project_dir, data, root / "params", root / "notebooks", QUARTER)
    from safeguarding.params import load_project

    project = load_project(project_dir)
    shutil.rmtree(project_dir / ".cache", ignore_errors=True)  # every summary rebuilt
    codes = sorted(p.name for p in data.iterdir() if p.is_dir())
    notes: list[str] = []
    wall = time.perf_counter()
    with PeakMemory(os.getpid(), interval=0.2) as memory, TreeCpu() as cpu:
        found = batch.prepare(project, data, QUARTER, codes, jobs, notes)
    return {
        "authorities": len(codes),
        "identifiers": len(found),
        "wall": time.perf_counter() - wall,
        "cpu": cpu.seconds,
        "pss": memory.peak_pss,
        "rss": memory.peak,
        "notes": notes,
    }


def bench_indicators(n: int) -> dict:
    from safeguarding.demo import make_authorities
    from safeguarding.demo.generate import DEFAULT_SEED, generate_for
    from safeguarding.indicators import compute
    from safeguarding.periods import parse_year_range

    years = parse_year_range(YEARS)
    periods = [q for y in years for q in (y, *y.quarters())]
    data = generate_for(make_authorities(n, DEFAULT_SEED)[:n], years, DEFAULT_SEED, 2)
    records = sum(len(f) for f in data.tables.values())
    wall, cpu = time.perf_counter(), time.process_time()
    out = compute(data, periods)
    return {
        "authorities": n,
        "records": records,
        "rows": len(out),
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a synthetic England (demo-data --out)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-prep")
    parser.add_argument("--authorities", type=int, default=153)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--indicators-only", action="store_true")
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    if not args.indicators_only:
        data = args.data
        if data is None:
            from safeguarding.demo import write_demo
            from safeguarding.periods import parse_year_range

            data = write_demo(
                args.work / "data",
                n_authorities=args.authorities,
                years=parse_year_range(YEARS),
                real_formats="none",
                jobs=args.jobs,
            )
        for i in range(args.repeat):
            r = bench_prepare(Path(data), args.work, args.jobs)
            label = f"(p) prepare {r['authorities']} LAs, --jobs {args.jobs}, run {i + 1}"
            rows.append((label, f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU", ""))
            rows.append(
                (
                    "(p)   peak memory, process tree (PSS / summed RSS)",
                    f"{r['pss'] / GiB:.2f} / {r['rss'] / GiB:.2f} GiB",
                    "goal: batch under 2 GiB PSS",
                )
            )
            for note in r["notes"]:
                print("note:", note)
    if not args.prepare_only:
        r = bench_indicators(args.authorities)
        rows.append(
            (
                f"(a) indicators, {r['authorities']} LAs x 5 years, {r['records']:,} records",
                f"{r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU",
                "goal: under 10 s (153 LAs)",
            )
        )
    load = os.getloadavg()[0]
    print(f"\n{os.cpu_count()} cores, load {load:.1f} at the end")
    width = max(len(r[0]) for r in rows)
    for label, value, goal in rows:
        print(f"{label:<{width}}  {value:<28} {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
