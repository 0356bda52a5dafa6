"""Seconds to solve each public report's disclosure pass on the demo quarter.

    .venv/bin/python benchmarks/bench_disclosure.py [--quarter "2024-25 Q2"]

Builds every public (authority x report) of the quarter's run plan from the project (the
demo data, generated on first use), then times the ledger's one suppression pass (primary,
secondary over every relation, the linear-programming audit and pruning) and prints the
counts, relations and hidden counts beside the goal.
"""

from __future__ import annotations

import argparse
import time

GOAL_SECONDS = 1.0  # per report: small beside executing and rendering it (about 2 s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarter", default="2024-25 Q2")
    args = parser.parse_args()

    from safeguarding import params
    from safeguarding.report import QuarterlyReport
    from safeguarding.report.ledger import report_ledger

    project = params.load_project()
    plan = project.run_plan(args.quarter)
    print(f"{'report':<32} {'counts':>6} {'sums':>5} {'hidden':>6} {'seconds':>8}")
    worst = 0.0
    for entry in plan.entries:
        if entry.audience != "public":
            continue
        code = entry.authority
        r = QuarterlyReport.build(code, args.quarter, entry.report, entry.committee, "public")
        own = r.inputs.outturns[r.inputs.outturns["authority"].astype(str) == code]
        ledger = report_ledger(entry.report, "public", own, r.catalogue, r.records, r.period)
        start = time.perf_counter()
        hidden = ledger.hidden
        took = time.perf_counter() - start
        worst = max(worst, took)
        name = f"{code}/{entry.report}"
        print(
            f"{name:<32} {len(ledger.values):>6} {len(ledger.relations):>5} "
            f"{len(hidden):>6} {took:>8.2f}"
        )
    print(f"slowest: {worst:.2f} s (goal: under {GOAL_SECONDS:.1f} s per report)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
