"""``safeguarding assess``: judge a period's figures and write one row per authority and
indicator (against target, over time, against comparators, drafted commentary)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..validation import InputError, Issue


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assess",
        help="judge a period's figures against targets, past periods and comparators",
        description=(
            "Assess every authority and indicator with a figure for PERIOD. Figures come "
            "from an Outturns CSV or are computed from a data directory; comparators from a "
            "tidy CSV or from DfE's published files with the statistical-neighbour list."
        ),
    )
    parser.add_argument("--period", required=True, help="e.g. '2024-25 Q2'")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--outturns", type=Path, help="Outturns CSV")
    source.add_argument("--data", type=Path, help="data directory to compute figures from")
    parser.add_argument("--targets", type=Path, help="Targets CSV")
    parser.add_argument("--comparators", type=Path, help="tidy comparators CSV")
    parser.add_argument("--dfe", type=Path, help="folder of DfE's published LA-level CSVs")
    parser.add_argument("--neighbours", type=Path, help="statistical-neighbour CSV (with --dfe)")
    parser.add_argument(
        "--neighbour-average",
        choices=("mean", "median"),
        default="mean",
        help="which neighbour average to show and judge (default: mean, as LAIT)",
    )
    parser.add_argument("--indicators", type=Path, help="local indicator definitions (YAML)")
    parser.add_argument("--authority", nargs="+", metavar="CODE", help="only these authorities")
    parser.add_argument("--out", type=Path, help="CSV to write (default: standard output)")
    parser.set_defaults(func=run)


def _computed_outturns(data_dir: Path, period, authorities, catalogue) -> pd.DataFrame:
    # imported here: the loaders and rules are separate modules that may not be present
    from ..indicators import compute
    from ..loaders import read_data_dir

    data = read_data_dir(data_dir, authorities=authorities)
    periods = sorted(
        {
            period,
            period.previous,
            period.same_period_last_year,
            period.previous_year_end,
            *([period.previous_year_end.quarters()[3]] if period.kind != "year" else []),
        }
    )
    frame = compute(data, periods, catalogue=catalogue)
    history = data_dir / "outturns_history.csv"
    if history.is_file():
        from ..outturns import read_outturns

        earlier = read_outturns(history, catalogue)
        known = set(zip(frame["authority"], frame["indicator"], frame["period"], strict=True))
        keep = [
            (a, i, p) not in known
            for a, i, p in zip(
                earlier["authority"], earlier["indicator"], earlier["period"], strict=True
            )
        ]
        frame = pd.concat([earlier[keep], frame], ignore_index=True)
    return frame


def run(args: argparse.Namespace) -> int:
    from ..assessment import assess
    from ..catalogue import catalogue as builtin_catalogue
    from ..comparators import Comparators
    from ..outturns import as_outturns
    from ..periods import parse_period

    period = parse_period(args.period)
    cat = builtin_catalogue().with_local(args.indicators)
    if args.comparators and args.dfe:
        raise InputError(
            [
                Issue(
                    "error",
                    "<command line>",
                    "one-comparator-source",
                    "give --comparators or --dfe, not both",
                )
            ]
        )
    if args.neighbours and not args.dfe:
        raise InputError(
            [
                Issue(
                    "error", "<command line>", "neighbours-need-dfe", "--neighbours goes with --dfe"
                )
            ]
        )
    if args.outturns:
        outturns = as_outturns(args.outturns, cat)
    else:
        outturns = _computed_outturns(args.data, period, args.authority, cat)
        outturns = as_outturns(outturns, cat, source=str(args.data))
    comparators = None
    if args.comparators:
        comparators = Comparators.from_csv(
            args.comparators, cat, neighbour_average=args.neighbour_average
        )
    elif args.dfe:
        comparators = Comparators.from_dfe(
            args.dfe, args.neighbours, neighbour_average=args.neighbour_average
        )
    elif args.data and (args.data / "comparators.csv").is_file():
        comparators = Comparators.from_csv(
            args.data / "comparators.csv", cat, neighbour_average=args.neighbour_average
        )
    if comparators is not None and args.data:
        comparators.add_regions(args.data / "authorities.csv")
    result = assess(
        outturns,
        period,
        targets=args.targets,
        comparators=comparators,
        catalogue=cat,
        authorities=args.authority,
        neighbour_average=args.neighbour_average,
    )
    if result.empty:
        print(f"warning: no figures for {period.label}", file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(args.out, index=False)
    else:
        result.to_csv(sys.stdout, index=False)
    return 0
