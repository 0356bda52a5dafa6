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
            "authority (--cin and/or --ssda903 with --authority), and Ofsted's Annex A workbook "
            "for the year in progress (--annex-a)."
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
        "--annex-a",
        type=Path,
        action="append",
        default=[],
        metavar="FILE.xlsx",
        help="Ofsted's Annex A workbook for the year in progress (repeat for several extracts; "
        "with --cin/--ssda903/--data the returns give the closed years)",
    )
    parser.add_argument(
        "--extract-date",
        action="append",
        default=[],
        metavar="YYYY-MM-DD",
        help="the day each --annex-a workbook was run, in the same order (default: the latest "
        "date in its lists, with a warning)",
    )
    parser.add_argument(
        "--annex-a-months",
        type=int,
        default=12,
        metavar="N",
        help="the months an Annex A workbook covers up to its extract date (default 12)",
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
        return _with_annex_a(args, read_data_dir(args.data, authorities=authorities))
    parts = [load_cin_census(path, authority=args.authority) for path in args.cin]
    parts += [load_ssda903(path, args.authority) for path in args.ssda903]
    population = None
    if args.population is not None:
        population = load_population(args.population, authorities=[args.authority])
    data = _with_annex_a(args, DataSet.combine(parts))
    return DataSet.combine([data, population]) if population is not None else data


def _with_annex_a(args: argparse.Namespace, history):
    """The returns joined with the Annex A workbooks (later extracts win), or as they are."""
    if not args.annex_a:
        return history
    from ..loaders.annex_a import load_annex_a
    from ..loaders.in_year import merge_in_year

    dates = list(args.extract_date) + [None] * len(args.annex_a)
    extracts = [
        load_annex_a(path, args.authority, dates[i], months=args.annex_a_months)
        for i, path in enumerate(args.annex_a)
    ]
    if not history.tables:
        return merge_in_year(history, extracts) if len(extracts) > 1 else extracts[0]
    return merge_in_year(history, extracts)


def run(args: argparse.Namespace) -> int:
    from ..catalogue import catalogue
    from ..indicators import compute

    parser: argparse.ArgumentParser = args.parser
    returns = bool(args.cin or args.ssda903 or args.annex_a)
    if args.data is not None and (args.cin or args.ssda903):
        parser.error("give either --data DIR or --cin/--ssda903 files, not both")
    if args.data is None and not returns:
        parser.error(
            "give --data DIR, or --cin FILE.xml and/or --ssda903 DIR_OR_XML and/or --annex-a "
            "FILE.xlsx"
        )
    if args.annex_a and args.data is not None and not args.authority:
        parser.error("--annex-a needs --authority CODE")
    if returns and not args.authority:
        parser.error("--cin/--ssda903/--annex-a need --authority CODE")
    if args.extract_date and len(args.extract_date) > len(args.annex_a):
        parser.error("--extract-date goes with --annex-a (one date per workbook, in order)")
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
    if data.coverage:  # an in-year extract: say why its empty figures are empty
        from ..loaders.annex_a import not_computable_reasons

        for line in not_computable_reasons(data, frame, cat):
            print(f"not computable: {line}", file=sys.stderr)
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
