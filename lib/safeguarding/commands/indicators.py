"""``safeguarding indicators``: compute indicators from record-level data as a tidy CSV.

Writes exactly ``authority,indicator,period,value,numerator,denominator``: one row per
authority, indicator and period, periods in the canonical spelling, values at the
indicator's decimals and an empty value where a figure is not computable.

Arguments are checked before any data is read (an authority is exactly three digits).
Several ``--cin`` / ``--ssda903`` years make one history (:func:`merge_returns`). A period
wholly outside the dates the data cover is an error. Warnings (the loaders' findings, and the
reason for each figure that is not computable) go to stderr: their count and the first few,
every one with ``--verbose``; ``--strict`` makes any warning exit 1 (the CSV is still written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

from ..exceptions import ParameterError, PeriodError
from ..periods import WINDOWS, Period, parse_period

AUTHORITY = re.compile(r"\d{3}")  # used with fullmatch: "$" would let "350\n" through
SHOWN_WARNINGS = 5
_RULE = re.compile(r"\[rule: ([^\]]+)\]$")


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
        "--collection-year",
        action="append",
        default=[],
        metavar="YYYY-YY",
        help="the year of each --ssda903 return, in the same order (default: inferred, with a "
        "warning)",
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
    parser.add_argument("--verbose", action="store_true", help="print every warning")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    parser.set_defaults(func=run, parser=parser)


def check_authority(code: str) -> str:
    """``code`` when it is a DfE authority code (exactly three digits), else ParameterError."""
    if not AUTHORITY.fullmatch(code):
        raise ParameterError(
            f"--authority {code!r} is not a DfE authority code (exactly three digits, e.g. 350)"
        )
    return code


def _load(args: argparse.Namespace):
    # imported here: the loaders are a separate module and this command must import without it
    from ..dataset import DataSet
    from ..loaders import (
        load_cin_census,
        load_population,
        load_ssda903,
        merge_returns,
        read_data_dir,
    )

    if args.data is not None:
        authorities = [args.authority] if args.authority else None
        return _with_annex_a(args, read_data_dir(args.data, authorities=authorities))
    years = list(args.collection_year) + [None] * (len(args.ssda903) - len(args.collection_year))
    cin = [load_cin_census(path, authority=args.authority) for path in args.cin]
    ssda903 = [
        load_ssda903(path, args.authority, year)
        for path, year in zip(args.ssda903, years, strict=True)
    ]
    parts = [merge_returns(group) for group in (cin, ssda903) if group]
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
    if not history.tables and len(extracts) == 1:
        return extracts[0]
    return merge_in_year(history, extracts)


def run(args: argparse.Namespace) -> int:
    from ..catalogue import catalogue
    from ..indicators import compute, explain

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
    if len(args.collection_year) > len(args.ssda903):
        parser.error("give at most one --collection-year per --ssda903 return")
    # check the cheap arguments before reading any data
    if args.authority is not None:
        check_authority(args.authority)
    periods = [parse_period(p) for p in args.period]
    cat = catalogue().with_local(args.indicators_file)
    ids = args.indicator
    if ids:
        for indicator_id in ids:
            cat[indicator_id]  # UnknownName naming the known ids
    data = _load(args)
    check_periods(data, periods)
    notes: list = []
    frame = compute(data, periods, ids, catalogue=cat, window=args.window, notes=notes)
    text = to_csv(frame, cat)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8", newline="")
    lines = [str(w) for w in data.warnings]
    lines += [f"warning: {n} [rule: not_computable]" for n in explain(notes)]
    report_warnings(lines, verbose=args.verbose)
    return 1 if args.strict and lines else 0


def report_warnings(lines: list[str], verbose: bool = False, out=None) -> None:
    """The count of warnings and the first few (every one when ``verbose``) on stderr."""
    out = out if out is not None else sys.stderr
    if not lines:
        return
    shown = lines if verbose else lines[:SHOWN_WARNINGS]
    rules = Counter(m.group(1) for m in map(_RULE.search, lines) if m)
    by_rule = ", ".join(f"{n:,} {rule}" for rule, n in rules.most_common())
    noun = "warning" if len(lines) == 1 else "warnings"
    print(f"{len(lines):,} {noun}" + (f" ({by_rule})" if by_rule else "") + ":", file=out)
    for line in shown:
        print(f"  {line}", file=out)
    if len(shown) < len(lines):
        print(f"  ... and {len(lines) - len(shown):,} more (--verbose shows them all)", file=out)


def data_range(data) -> tuple[dt.date, dt.date] | None:
    """The dates the data cover: the returns' windows, else the financial years from its
    earliest record date to its latest (or its extract date, if later)."""
    from ..indicators.engine import RECORD_TABLES_EXCLUDED
    from ..schema import TABLES

    if data.coverage:
        return min(c.start for c in data.coverage), max(c.end for c in data.coverage)
    first, last = None, None
    for name, frame in data.tables.items():
        if name in RECORD_TABLES_EXCLUDED:
            continue
        for col in TABLES[name].date_columns:
            if col == "dob" or not frame[col].notna().any():
                continue
            low, high = frame[col].min().date(), frame[col].max().date()
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    if first is None:
        return None
    # open records run on to the day the extract was taken (a file's own date at the least);
    # records of a year are a year's return: the range is whole financial years
    for source in data.sources:
        taken = _iso(source.extract_date)
        if taken is not None and source.kind not in ("population", "population_ees"):
            last = max(last, taken)
    return _financial_year(first).start, _financial_year(last).end


def _financial_year(day: dt.date) -> Period:
    return Period(day.year if day.month >= 4 else day.year - 1)


def _iso(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def check_periods(data, periods: list[Period]) -> None:
    """A period wholly outside the data's dates is an error, not a column of empty or zero
    figures that reads like a result."""
    span = data_range(data)
    if span is None:
        return
    first, last = span
    outside = [p for p in periods if p.end < first or p.start > last]
    if outside:
        raise PeriodError(
            f"period {', '.join(p.label for p in outside)} is outside the data, which cover "
            f"{first.isoformat()} to {last.isoformat()}"
        )


def to_csv(frame: pd.DataFrame, cat) -> str:
    """The tidy CSV text, each value written at its indicator's decimals."""
    decimals = {ind.id: ind.decimals for ind in cat}
    out = frame.copy()
    out["value"] = [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{decimals[i]}f}"
        for i, v in zip(frame["indicator"], frame["value"], strict=True)
    ]
    return out.to_csv(index=False, lineterminator="\n")
