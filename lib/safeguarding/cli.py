"""The ``safeguarding`` command line.

Each sub-command lives in its own module under ``safeguarding.commands`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (taking the parsed
arguments, returning an exit code). Input problems exit non-zero with their messages on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__, commands
from .exceptions import SafeguardingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeguarding",
        description="Quarterly safeguarding performance reports for children's services.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SafeguardingError as exc:  # a user's mistake; anything else is a bug: traceback
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
