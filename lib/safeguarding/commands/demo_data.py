"""``safeguarding demo-data``: write the seeded demo data directory."""

from __future__ import annotations

import argparse
import os

from ..demo import DEFAULT_SEED, write_demo
from ..demo.generate import DEFAULT_YEARS
from ..demo.write import REAL_FORMATS
from ..periods import parse_year_range


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="write realistic demo data for fictional authorities",
        description="Generate seeded, realistic record-level data for fictional authorities "
        "and write it as a data directory: canonical CSVs, CIN census XML, SSDA903 CSVs, "
        "comparators, neighbours and targets. The same seed gives the same files.",
    )
    parser.add_argument("--authorities", type=_positive, default=5, metavar="N",
                        help="how many authorities (default 5)")  # fmt: skip
    parser.add_argument("--years", default="..".join(DEFAULT_YEARS), metavar="FIRST..LAST",
                        help="financial years, e.g. 2008-09..2024-25 (the default)")  # fmt: skip
    parser.add_argument("--out", required=True, metavar="DIR", help="the directory to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")  # fmt: skip
    parser.add_argument("--real-formats", choices=REAL_FORMATS, default="recent",
                        help="years to also write as CIN census XML and SSDA903 CSV: all, "
                        "recent (the last three, the default) or none")  # fmt: skip
    parser.add_argument("--jobs", "-j", type=_positive, metavar="N",
                        help="worker processes (default: one per core); the files are the "
                        "same whatever N")  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    years = parse_year_range(args.years)
    out = write_demo(
        args.out,
        n_authorities=args.authorities,
        years=years,
        seed=args.seed,
        real_formats=args.real_formats,
        jobs=args.jobs or os.cpu_count() or 1,
    )
    print(f"demo data for {args.authorities} authorities, {years[0]} to {years[-1]}: {out}")
    return 0
