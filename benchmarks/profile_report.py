"""A report's own work, step by step, in CPU seconds (issue 17 point 2).

Runs one report the way a batch worker does, but in this process so that every step can be
timed with a CPU clock (``time.process_time``, plus the CPU of child processes such as
pandoc): the notebook's code cells in an IPython shell (each displayed object formatted
through ``_repr_mimebundle_`` as the kernel would), then ``render_notebook`` on the executed
notebook the batch wrote, then the privacy scan of what was rendered. ``--repeat N`` runs
the execute step N times in one process (the first with the chart cache emptied; later ones
are a rerun or a preview's edit in a warm kernel). ``--then REPORT`` executes another report
after them in the same process (a thematic report after the scorecard, as a worker may).
``--lib DIR`` runs another copy of the library (the old code, for a before/after table).
``--profile`` prints cProfile's top functions (CPU clock) for the first execute step.

    .venv/bin/python benchmarks/profile_report.py --report quarterly_scorecard --authority 901
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import inspect
import io
import json
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def execute(shell, cells: list[str], clock: Clock, label: str, cell_steps: bool) -> list:
    """Run the cells; return each cell's displayed outputs as notebook outputs."""
    outputs: list[list[dict]] = []

    def publish(data, metadata=None, **_kwargs):
        outputs[-1].append(
            {"output_type": "display_data", "data": data, "metadata": metadata or {}}
        )

    shell.display_pub.publish = publish
    for n, source in enumerate(cells, start=1):
        outputs.append([])
        first = source.strip().splitlines()[-1][:40] if source.strip() else ""
        name = f"{label} cell {n}: {first}"
        step = clock.step(name) if cell_steps else contextlib.nullcontext()
        with step, contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(source, store_history=False)
        if not result.success:
            raise SystemExit(f"cell {n} failed: {result.error_in_exec or result.error_before_exec}")
        # what the kernel's display hook sends (an object that displays itself has done so)
        if result.result is not None and not hasattr(result.result, "_ipython_display_"):
            data, metadata = shell.display_formatter.format(result.result)
            outputs[-1].append({"output_type": "execute_result", "data": data,
                                "metadata": metadata, "execution_count": n})
    return outputs


def executed_notebook(notebook: Path, outputs: list, path: Path) -> Path:
    """The notebook with the outputs collected by :func:`execute`."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for cell, cell_outputs in zip(code, outputs, strict=True):
        cell["outputs"] = cell_outputs
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", default="quarterly_scorecard")
    parser.add_argument("--then", default="", help="another report, executed after")
    parser.add_argument("--authority", default="901")
    parser.add_argument(
        "--next-authority", nargs="*", default=[],
        help="then the same report for these authorities (a worker's next reports)",
    )
    parser.add_argument("--quarter", default="2024-25 Q2")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-run", type=int, default=0, help="which execute (from 0)")
    parser.add_argument("--stats", default="", help="with --profile: write pstats to this file")
    parser.add_argument("--cells", action="store_true", help="time every cell")
    parser.add_argument("--keep", default="", help="copy the executed notebook here")
    parser.add_argument("--lib", default=str(ROOT / "lib"))
    parser.add_argument("--project", default=str(ROOT), help="its params/, notebooks/, data/")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.lib).resolve()))
    project = Path(args.project).resolve()
    os.chdir(project)
    shutil.rmtree(project / ".cache" / "charts", ignore_errors=True)  # a cold chart cache
    clock = Clock()
    with clock.step("import the library, matplotlib, IPython"):
        import safeguarding.report  # noqa: F401
        from IPython.core.interactiveshell import InteractiveShell
    print("library:", safeguarding.__file__)
    shell = InteractiveShell.instance()
    shell.display_formatter.active_types = [
        "text/plain", "text/html", "text/markdown", "image/svg+xml", "image/png",
        "application/vnd.safeguarding.meta+json",
    ]
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    # The batch prepares every authority's summary before any report runs (and the cache is
    # keyed by the library's code, so another copy of it builds its own): done here first,
    # timed apart, so that the execute steps are a worker's.
    from safeguarding import params as project_params
    from safeguarding.summary import summary_for

    loaded = project_params.load_project(project)
    data_dir = loaded.data_dir if loaded.data_dir.is_absolute() else project / loaded.data_dir
    for code in dict.fromkeys([args.authority, *args.next_authority]):
        with clock.step(f"prepare {code}'s summary (the batch's prepare phase)"):
            summary_for(loaded, data_dir, code, args.quarter)
    first_outputs = None
    runs = [(args.report, args.authority)] * args.repeat
    runs += [(args.then, args.authority)] if args.then else []
    runs += [(args.report, code) for code in args.next_authority]
    for k, (report, authority) in enumerate(runs):
        params = {
            "authority": authority,
            "quarter": args.quarter,
            "report": report,
            "run_time": "2024-10-15T09:00:00+00:00",
        }
        cells = code_cells(project / "notebooks" / f"{report}.ipynb", params)
        if profiler and k == args.profile_run:
            profiler.enable()
        when = (
            "cold" if k == 0
            else f"{authority} after" if authority != args.authority
            else "again" if report == args.report else "after it"
        )
        with clock.step(f"execute {report} #{k + 1} ({when})"):
            outputs = execute(shell, cells, clock, f"  #{k + 1}", args.cells)
        if profiler and k == args.profile_run:
            profiler.disable()
        first_outputs = first_outputs or outputs
    from safeguarding import privacy, render, word

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        name = f"{args.report}.ipynb"
        executed = executed_notebook(project / "notebooks" / name, first_outputs, tmp / name)
        print("executed notebook:", executed.stat().st_size, "bytes")
        if args.keep:
            shutil.copyfile(executed, args.keep)
        for k in range(2):
            with clock.step(f"render #{k + 1} (html+pdf+docx, render_notebook)"):
                render.render_notebook(executed, tmp / "out", run_time="2024-10-15T09:00:00+00:00")
        if "picture_cache" in inspect.signature(render.render_notebook).parameters:
            for k in range(2):  # the first fills the cache, the second reads it (a rerun)
                with clock.step(f"render with Word's PNGs cached #{k + 1}"):
                    render.render_notebook(
                        executed, tmp / "out", run_time="2024-10-15T09:00:00+00:00",
                        picture_cache=tmp / "pictures",
                    )
        step_by_step(render, word, executed, tmp / "steps", clock)
        with clock.step("privacy: identifiers of the authority"):
            ids = privacy.identifiers_from_folder(project / "data" / "demo" / args.authority)
        scanner = privacy.Scanner(ids, ())
        with clock.step("privacy: scan the four files (ipynb, html, pdf, docx)"):
            for path in sorted((tmp / "out").iterdir()) + [executed]:
                scanner.scan_file(path)
    clock.print()
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        if args.stats:
            stats.dump_stats(args.stats)


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
    if hasattr(render, "write_pngs"):
        with clock.step("  render: Word's PNGs (Typst, from the SVGs)"):
            render.write_pngs(doc.figures)
    if hasattr(render, "writer_job"):
        pandoc_steps(render, doc, md, stamp, tmp, clock)
    else:  # a library of before 4 December 2026: a pandoc command per format
        import subprocess

        with clock.step("  render: pandoc reads Markdown (+ guard)"):
            ast = render._read_markdown(md, tmp)
        writers = {"html": "report.html", "typst": "report.typ", "docx": "report.docx"}
        for fmt, target in writers.items():
            args = render._pandoc_args(fmt, doc, stamp, tmp / target)
            with clock.step(f"  render: pandoc writes {fmt}"):
                subprocess.run([*args, str(ast)], cwd=tmp, check=True, capture_output=True)
    with clock.step("  render: word.finish"):
        word.finish(tmp / "report.docx", doc.meta)
    with clock.step("  render: typst compiles the PDF"):
        render._compile_pdf(tmp / "report.typ", tmp / "report.pdf", stamp)


def pandoc_steps(render, doc, md: Path, stamp, tmp: Path, clock: Clock) -> None:
    """The one pandoc process: reading alone (and the guard), reading and writing each
    format alone, then all three as render_notebook asks (the last leaves the files)."""
    from safeguarding import pandoc_run

    targets = {"html": "report.html", "pdf": "report.typ", "docx": "report.docx"}
    runs = [("reads Markdown (+ guard), writes nothing", ())]
    runs += [(f"reads, writes {fmt} alone", (fmt,)) for fmt in targets]
    runs += [("reads, writes all three", tuple(targets))]
    for label, formats in runs:
        jobs = [render.writer_job(fmt, doc, stamp, tmp / targets[fmt]) for fmt in formats]
        with clock.step(f"  render: pandoc {label}"):
            pandoc_run.read_check_write(md, render.READING, jobs, render.guard_document, stamp)


if __name__ == "__main__":
    main()
