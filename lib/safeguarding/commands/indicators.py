"""``safeguarding indicators``: compute indicators from record-level data as a tidy CSV.

Writes exactly ``authority,indicator,period,value,numerator,denominator``: one row per
authority, indicator and period, periods in the canonical spelling, values at the
indicator's decimals and an empty value where a figure is not computable.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from ..periods import WINDOWS, parse_period


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "indicators",
        help="compute indicators from record-level data (tidy CSV)",
        description=(
            "Compute indicators for every authority in the data and every PERIOD. Read a data "
            "directory in the project's layout (--data), or statutory returns for one "
            "authority (--cin and/or --ssda903 with --authority)."
        ),
    )
    parser.add_argument("--data", type=Path, metavar="DIR", help="data directory (own layout)")
    parser.add_argument(
        "--cin",
        type=Path,
        action="append",
        default=[],
        metavar="FILE.xml",
        help="a CIN census XML file (repeat for several years)",
    )
    parser.add_argument(
        "--ssda903",
        type=Path,
        action="append",
        default=[],
        metavar="DIR_OR_XML",
        help="an SSDA903 return: folder of CSV tables or XML file (repeat for several years)",
    )
    parser.add_argument(
        "--authority",
        metavar="CODE",
        help="DfE code of the authority (required with --cin/--ssda903; filters --data)",
    )
    parser.add_argument(
        "--population",
        type=Path,
        metavar="FILE.csv",
        help="population estimates for rates per 10,000 with --cin/--ssda903",
    )
    parser.add_argument(
        "--period",
        action="append",
        required=True,
        metavar="P",
        help="e.g. '2016-17' or '2016-17 Q3' (repeat for several)",
    )
    parser.add_argument(
        "--indicator",
        action="append",
        metavar="ID",
        help="an indicator id such as NI62 or CLA_AT_END (repeat; default: all)",
    )
    parser.add_argument(
        "--indicators-file", type=Path, metavar="local.yaml", help="local indicator definitions"
    )
    parser.add_argument(
        "--window",
        choices=WINDOWS,
        help="override every indicator's window (e.g. in_period for monthly SPC series)",
    )
    parser.add_argument("--out", type=Path, metavar="FILE.csv", help="default: standard output")
    parser.set_defaults(func=run, parser=parser)


def _load(args: argparse.Namespace):
    # imported here: the loaders are a separate module and this command must import without it
    from ..dataset import DataSet
    from ..loaders import load_cin_census, load_population, load_ssda903, read_data_dir

    if args.data is not None:
        authorities = [args.authority] if args.authority else None
        return read_data_dir(args.data, authorities=authorities)
    parts = [load_cin_census(path, authority=args.authority) for path in args.cin]
    parts += [load_ssda903(path, args.authority) for path in args.ssda903]
    if args.population is not None:
        parts.append(load_population(args.population, authorities=[args.authority]))
    return DataSet.combine(parts)


def run(args: argparse.Namespace) -> int:
    from ..catalogue import catalogue
    from ..indicators import compute

    parser: argparse.ArgumentParser = args.parser
    returns = bool(args.cin or args.ssda903)
    if args.data is not None and returns:
        parser.error("give either --data DIR or --cin/--ssda903 files, not both")
    if args.data is None and not returns:
        parser.error("give --data DIR, or --cin FILE.xml and/or --ssda903 DIR_OR_XML")
    if returns and not args.authority:
        parser.error("--cin/--ssda903 need --authority CODE")
    if args.population is not None and not returns:
        parser.error("--population goes with --cin/--ssda903 (a data directory has its own)")
    # check the cheap arguments before reading any data
    periods = [parse_period(p) for p in args.period]
    cat = catalogue().with_local(args.indicators_file)
    ids = args.indicator
    if ids:
        for indicator_id in ids:
            cat[indicator_id]  # KeyError naming the known ids
    data = _load(args)
    frame = compute(data, periods, ids, catalogue=cat, window=args.window)
    text = to_csv(frame, cat)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8", newline="")
    return 0


def to_csv(frame: pd.DataFrame, cat) -> str:
    """The tidy CSV text, each value written at its indicator's decimals."""
    decimals = {ind.id: ind.decimals for ind in cat}
    out = frame.copy()
    out["value"] = [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{decimals[i]}f}"
        for i, v in zip(frame["indicator"], frame["value"], strict=True)
    ]
    return out.to_csv(index=False, lineterminator="\n")
