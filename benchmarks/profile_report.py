"""A report's own work, step by step, in CPU seconds (issue 17 point 2).

Runs one report the way a batch worker does, but in this process so that every step can be
timed with a CPU clock (``time.process_time``, plus the CPU of child processes such as
pandoc): the notebook's code cells in an IPython shell (each displayed object formatted
through ``_repr_mimebundle_`` as the kernel would), then ``render_notebook`` on the executed
notebook the batch wrote, then the privacy scan of what was rendered. ``--repeat N`` runs
the execute step N times in one process (a worker's second and later reports: warm caches).
``--profile`` prints cProfile's top functions (CPU clock) for the execute step.

    .venv/bin/python benchmarks/profile_report.py --report quarterly_scorecard --authority 901
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))


def cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


class Clock:
    """Named steps' CPU and wall seconds."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    @contextlib.contextmanager
    def step(self, name: str):
        c0, w0 = cpu(), time.perf_counter()
        yield
        self.rows.append((name, cpu() - c0, time.perf_counter() - w0))

    def print(self) -> None:
        print(f"{'step':58} {'CPU s':>7} {'wall s':>7}")
        for name, c, w in self.rows:
            print(f"{name:58} {c:7.3f} {w:7.3f}")


def code_cells(notebook: Path, parameters: dict) -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
        cells.append(source)
    return cells


def execute(shell, cells: list[str], clock: Clock, label: str) -> None:
    for n, source in enumerate(cells, start=1):
        first = source.strip().splitlines()[-1][:40] if source.strip() else ""
        with clock.step(f"{label} cell {n}: {first}"), contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(source, store_history=False)
        if not result.success:
            raise SystemExit(f"cell {n} failed: {result.error_in_exec or result.error_before_exec}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", default="quarterly_scorecard")
    parser.add_argument("--authority", default="901")
    parser.add_argument("--quarter", default="2024-25 Q2")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--executed", help="executed notebook to render (default: the batch's)")
    args = parser.parse_args()
    os.chdir(ROOT)
    clock = Clock()
    with clock.step("import the library, matplotlib, IPython"):
        from IPython.core.interactiveshell import InteractiveShell

        import safeguarding.report  # noqa: F401
    shell = InteractiveShell.instance()
    shell.display_formatter.active_types = [
        "text/plain", "text/html", "text/markdown", "image/svg+xml", "image/png",
        "application/vnd.safeguarding.meta+json",
    ]
    params = {
        "authority": args.authority,
        "quarter": args.quarter,
        "report": args.report,
        "run_time": "2024-10-15T09:00:00+00:00",
    }
    cells = code_cells(ROOT / "notebooks" / f"{args.report}.ipynb", params)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    for k in range(args.repeat):
        if profiler and k == args.repeat - 1:
            profiler.enable()
        with clock.step(f"execute #{k + 1} (all cells)"):
            execute(shell, cells, clock, f"  #{k + 1}")
        if profiler and k == args.repeat - 1:
            profiler.disable()
    quarter = args.quarter.replace(" ", "-")
    executed = Path(args.executed) if args.executed else (
        ROOT / "outputs" / quarter / "notebooks" / args.authority / f"{args.report}.ipynb"
    )
    from safeguarding import privacy, render, word

    for k in range(2):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            with clock.step(f"render #{k + 1} (html+pdf+docx, render_notebook)"):
                render.render_notebook(executed, tmp / "out", run_time=params["run_time"])
            if k == 0:
                step_by_step(render, word, executed, tmp / "steps", clock)
                with clock.step("privacy: identifiers of the authority"):
                    ids = privacy.identifiers_from_folder(ROOT / "data" / "demo" / args.authority)
                scanner = privacy.Scanner(ids, ())
                for path in sorted((tmp / "out").iterdir()) + [executed]:
                    with clock.step(f"privacy: scan {path.suffix}"):
                        scanner.scan_file(path)
    clock.print()
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)


def step_by_step(render, word, executed: Path, tmp: Path, clock: Clock) -> None:
    """render_notebook's steps one after another, each timed alone."""
    import datetime as dt

    tmp.mkdir()
    nb = json.loads(executed.read_text(encoding="utf-8"))
    with clock.step("  render: notebook -> Markdown (+ SVG/PNG files)"):
        doc = render.notebook_to_markdown(nb, tmp)
    md = tmp / "report.md"
    md.write_text(doc.markdown, encoding="utf-8")
    stamp = dt.datetime(2024, 10, 15, tzinfo=dt.UTC)
    with clock.step("  render: pandoc reads Markdown (+ guard)"):
        ast = render._read_markdown(md, tmp)
    import subprocess

    for fmt, target in (("html", "report.html"), ("typst", "report.typ"), ("docx", "report.docx")):
        args = render._pandoc_args(fmt, doc, stamp, tmp / target)
        with clock.step(f"  render: pandoc writes {fmt}"):
            subprocess.run([*args, str(ast)], cwd=tmp, check=True, capture_output=True)
    with clock.step("  render: word.finish"):
        word.finish(tmp / "report.docx", doc.meta)
    with clock.step("  render: typst compiles the PDF"):
        render._compile_pdf(tmp / "report.typ", tmp / "report.pdf", stamp)


if __name__ == "__main__":
    main()
