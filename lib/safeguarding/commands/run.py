"""``safeguarding run``: the quarterly batch (every authority × report of a quarter)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import engines
from ..executors import DEFAULT_WORKER_TIMEOUT
from ..params.records import FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a quarter: every authority × report, rendered, checked and published",
        description=(
            "Execute every (authority × report) notebook of the quarter's run plan "
            "(params/runs/<YYYY-YY-Qn>.yaml, or every authority × the three reports), render "
            "them to HTML, PDF and Word, scan them for child-level data and publish them: "
            "public reports to outputs/<YYYY-YY-Qn>/public/ (the folder to copy to the web "
            "server), restricted ones to restricted/, notebooks to notebooks/. Runs whose "
            "inputs, parameters, notebook and library are unchanged are skipped. One batch "
            "per quarter at a time. Exits 1 if any run failed, 2 if the batch could not run."
        ),
    )
    parser.add_argument("--quarter", required=True, help="e.g. '2024-25 Q2'")
    parser.add_argument("--authority", nargs="+", metavar="CODE", help="only these authorities")
    parser.add_argument("--report", nargs="+", metavar="NAME", help="only these reports")
    parser.add_argument("--jobs", "-j", type=int, help="parallel runs (default: one per core)")
    parser.add_argument("--force", action="store_true", help="rerun unchanged runs too")
    parser.add_argument(
        "--engine",
        choices=engines.ENGINES,
        default=engines.DEFAULT_ENGINE,
        help=f"notebook engine (default: {engines.DEFAULT_ENGINE}; papermill starts a fresh "
        "kernel per notebook)",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where runs execute (default: local processes)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (--executor dask)",
    )
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=FORMATS,
        help="the formats every run renders (default: each run's formats: in the quarter's "
        "run plan, else its committee's in params/authorities.yaml, else all three)",
    )
    parser.add_argument(
        "--project", type=Path, help="project folder (default: found upward from here)"
    )
    parser.add_argument(
        "--run-time",
        metavar="ISO",
        help="the run time reports print (default: SOURCE_DATE_EPOCH, else "
        "the recorded one when nothing changed, else now)",
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for another batch of the quarter to finish (default: "
        "refuse at once, naming it)",
    )
    parser.add_argument(
        "--worker-timeout",
        type=float,
        default=DEFAULT_WORKER_TIMEOUT,
        metavar="SECONDS",
        help="--executor dask: end the batch when the cluster has had no worker this long "
        f"(default: {DEFAULT_WORKER_TIMEOUT:g})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..batch import BatchOptions, OptionError, run_batch

    options = BatchOptions(
        quarter=args.quarter,
        authorities=args.authority,
        reports=args.report,
        jobs=args.jobs,
        force=args.force,
        engine=args.engine,
        executor=args.executor,
        scheduler=args.scheduler,
        formats=tuple(args.formats) if args.formats else None,
        root=args.project,
        run_time=args.run_time,
        timeout=args.timeout,
        wait=args.wait,
        worker_timeout=args.worker_timeout,
    )
    try:
        summary = run_batch(options)
    except OptionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: the batch stopped; its workers are stopped and every published "
            "report is the last good one",
            file=sys.stderr,
        )
        return 130
    print(summary.table())
    for note in summary.notes:
        print(f"note: {note}")
    print(f"manifest: {summary.manifest}")
    if summary.log:
        print(f"log: {summary.log}")
    if summary.review is not None:
        for note in summary.review.notes:
            print(f"note: {note}")
        print(
            f"review: {summary.review.count} item(s) for the analyst to check before "
            f"publishing: {summary.review.path}"
        )
    if summary.failed:
        print(
            f"{len(summary.failed)} run(s) failed; their previous outputs (if any) are unchanged.",
            file=sys.stderr,
        )
    return summary.exit_code
