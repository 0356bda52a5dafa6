"""``safeguarding dfe-rules``: run DfE's own validation rules on a data directory's returns.

An optional step: it builds Data to Insight's validators their own virtual environment
(they pin pandas<2) on first use, runs each return's year's rule set and writes one summary
file (``return,authority,year,ruleset,rule,message,records``; no child-level value). Name
that file as ``dfe_rules:`` in params/settings.yaml and each report's data-quality note lists
the rules its authority's returns break.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dfe-rules",
        help="check the returns against DfE's validation rules (optional; own environment)",
        description=(
            "Run Data to Insight's DfE validation rules (csc-validator-be-cin, "
            "csc-validator-be-903, in a virtual environment of their own) on the CIN census "
            "and SSDA903 returns in a data directory and write a summary CSV."
        ),
    )
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="data directory")
    parser.add_argument("--authority", action="append", metavar="CODE",
                        help="an authority (repeat; default: every folder)")  # fmt: skip
    parser.add_argument("--year", action="append", metavar="YYYY-YY",
                        help="a return's year (repeat; default: every year)")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    parser.add_argument("--environment", type=Path, metavar="DIR",
                        help="where the validators' environment lives (default "
                        ".cache/dfe-validators)")  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import dfe_rules
    from ..loaders import authority_folders

    codes = args.authority or list(authority_folders(args.data))
    runs = dfe_rules.check_returns(
        args.data, codes, args.out, args.year, args.environment or dfe_rules.DEFAULT_ENV
    )
    broken = dfe_rules.unexpected(args.out)
    print(f"{len(runs)} returns checked; {len(broken)} rules broken beyond those a demo "
          f"authority must break; summary: {args.out}")  # fmt: skip
    return 0
