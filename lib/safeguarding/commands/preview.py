"""``safeguarding preview``: one report, rebuilt and reloaded in the browser on every change."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .. import engines

if TYPE_CHECKING:
    from ..preview import Build


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="serve one report on 127.0.0.1, rebuilt whenever its inputs change",
        description=(
            "Build one authority's report exactly as the batch would (execute, render, privacy "
            "scan) in a kernel kept warm between builds, serve it on 127.0.0.1 and reload the "
            "page whenever the commentary, targets, settings, notebook, library or the "
            "authority's data change. PDF and Word are rendered on request (/report.pdf, "
            "/report.docx) when the report's committee takes them. Nothing is published. Stop with "
            "Ctrl+C."
        ),
    )
    parser.add_argument("--authority", required=True, metavar="CODE", help="e.g. 901")
    parser.add_argument("--report", required=True, metavar="NAME", help="e.g. quarterly_scorecard")
    parser.add_argument(
        "--quarter", default="", help="e.g. '2024-25 Q2' (default: the newest run plan's)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument(
        "--engine", choices=engines.ENGINES, default=engines.DEFAULT_ENGINE, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--project", type=Path, help="project folder (default: found upward from here)"
    )
    parser.add_argument(
        "--once", action="store_true", help="build once, print where, and exit (no server)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..preview import PreviewServer, open_session, watch

    session = open_session(args.authority, args.report, args.quarter, args.project, args.engine)
    restart = False
    e = session.entry
    print(
        f"Preview of {e.authority} {e.report} for {session.quarter} ({e.audience})", file=sys.stderr
    )
    try:
        first = session.build()
        report_build(first, [])
        if args.once:
            return 0 if first.ok else 1
        server = PreviewServer(session, args.port)
        server.start()
        print(f"Serving on {server.url} (Ctrl+C to stop)", file=sys.stderr)

        def on_build(build: Build, touched: list[str]) -> None:
            report_build(build, touched)
            server.bump()
            if build.restart:
                raise _Restart

        stop = threading.Event()
        try:
            watch(session, on_build, stop)
        except KeyboardInterrupt:
            print("Stopped.", file=sys.stderr)
        except _Restart:
            restart = True
        finally:
            stop.set()
            server.stop()
    finally:
        session.close()
    if restart and sys.argv[1:2] == ["preview"]:
        # the library changed under this process: a new one imports it (same arguments)
        print("The library changed: restarting the preview…", file=sys.stderr)
        os.execv(sys.executable, [sys.executable, "-m", "safeguarding.cli", *sys.argv[1:]])
    return 0


class _Restart(Exception):
    """The library changed under the preview process."""


def report_build(build: Build, touched: list[str]) -> None:
    """One line per build on stderr: what changed, how long, and the outcome."""
    cause = f" after {len(touched)} changed file(s)" if touched else ""
    outcome = "ok" if build.ok else f"failed: {build.reason}"
    print(f"build {build.number}{cause}: {outcome} ({build.seconds:.1f} s)", file=sys.stderr)
