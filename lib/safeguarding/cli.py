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


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the arguments, only the named command's module is
    imported (each imports what it needs: pandas, the demo generator, the notebook engines,
    a second or more of start-up); with no command named (``--help``), every one is."""
    parser = argparse.ArgumentParser(
        prog="safeguarding",
        description="Quarterly safeguarding performance reports for children's services.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    first = next((a for a in argv or () if not a.startswith("-")), None)
    named = first.replace("-", "_") if first else None
    for name in [named] if named in names else names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SafeguardingError as exc:  # a user's mistake; anything else is a bug: traceback
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
