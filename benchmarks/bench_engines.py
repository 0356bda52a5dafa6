"""Seconds per report for the two notebook engines on the demo quarter.

    .venv/bin/python benchmarks/bench_engines.py [--quarter "2024-25 Q2"] [--limit N]
        [--fixture]

Executes every (authority × report) notebook of the quarter's run plan one after another with
each engine (execution only: rendering and the privacy scan are the same for both) and prints
a table. ``papermill`` starts a fresh kernel per notebook; ``fast`` reuses one warm kernel,
whose start-up is shown separately (it is paid once per worker process). With ``--fixture``
(or when the project's report notebooks or demo data are missing) it runs the test fixture
notebook on a small generated project instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture project, for --fixture


def _project(use_fixture: bool, scratch: Path) -> Path:
    real = all(
        (ROOT / "notebooks" / f"{r}.ipynb").is_file()
        for r in ("quarterly_scorecard", "child_protection", "looked_after")
    )
    if not use_fixture and real and (ROOT / "data" / "demo").is_dir():
        return ROOT
    from fixtures.mini_project import make_project

    print("(running the fixture notebook on a generated mini project)")
    return make_project(scratch / "project", authorities=("901", "902", "903", "904", "905"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarter", default="2024-25 Q2")
    parser.add_argument("--limit", type=int, help="only the first N runs")
    parser.add_argument("--fixture", action="store_true", help="use the fixture notebook")
    args = parser.parse_args()

    from safeguarding import engines
    from safeguarding.params import load_project

    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        scratch = Path(tmp)
        root = _project(args.fixture, scratch)
        project = load_project(root)
        entries = list(project.run_plan(args.quarter).entries)[: args.limit]
        rows = []
        for engine in ("papermill", "fast"):
            warm_up = 0.0
            if engine == "fast":
                start = time.perf_counter()
                engines.warm_kernel("python3")
                warm_up = time.perf_counter() - start
            seconds = []
            for n, entry in enumerate(entries):
                params = {
                    "authority": entry.authority,
                    "quarter": args.quarter,
                    "report": entry.report,
                    "committee": entry.committee,
                    "audience": entry.audience,
                    "project_dir": str(root),
                    "data_dir": "",
                    "run_time": "2024-10-15T09:00:00+00:00",
                }
                start = time.perf_counter()
                engines.execute(
                    project.notebook(entry.report),
                    scratch / f"{engine}-{n}.ipynb",
                    params,
                    engine=engine,
                    cwd=root,
                )
                seconds.append(time.perf_counter() - start)
            rows.append((engine, len(seconds), sum(seconds), warm_up))
        engines.shutdown_kernels()

    print(f"\n{'engine':<10} {'reports':>7} {'total s':>8} {'s/report':>9} {'kernel start s':>15}")
    for engine, count, total, warm_up in rows:
        per = total / count if count else float("nan")
        start = f"{warm_up:.2f}" if warm_up else "(per report)"
        print(f"{engine:<10} {count:>7} {total:>8.2f} {per:>9.2f} {start:>15}")
    if len(rows) == 2 and rows[1][2]:
        print(
            f"\nfast is {rows[0][2] / rows[1][2]:.1f}x faster per report once warm "
            f"({(rows[0][2] / rows[0][1]) if rows[0][1] else 0:.2f} s vs "
            f"{(rows[1][2] / rows[1][1]) if rows[1][1] else 0:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
