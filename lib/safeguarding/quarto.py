"""Quarto, the analysts' own renderer: executed copies of the notebooks for ``quarto render``.

Quarto does not execute notebooks by default, and when told to it writes the outputs back into
the notebook it renders. So the project's ``_quarto.yml`` never hands Quarto a committed
notebook. Its ``pre-render`` script (``scripts/quarto_pre_render.py``, which calls
:func:`pre_render`) *stages* each selected run first:

1. execute a copy of ``notebooks/<report>.ipynb`` with the run's parameters, with the same
   engine as the batch (:func:`safeguarding.engines.execute`), into
   ``outputs/quarto/<YYYY-YY-Qn>/<authority>/<report>.ipynb`` — once for all formats, and only
   when something it reads changed since the last staging (the batch's fingerprint:
   parameters, notebook, library, inputs and params files);
2. turn that executed copy into the very Markdown the batch hands to pandoc
   (:func:`safeguarding.render.notebook_to_markdown`: the report objects' ``text/markdown``
   views, charts as SVG files with their caption and alt text), with the report's metadata
   as front matter, in ``outputs/quarto/<YYYY-YY-Qn>/<authority>/<report>.qmd``.

Before Quarto sees them, the staged files are scanned for the authority's child-level data, as
the batch scans its outputs. Quarto then renders those ``.qmd`` files (``project.render`` lists
``outputs/quarto/*/*/*.qmd`` and the index, ``outputs/quarto/index.qmd``) and writes each
report's HTML, PDF and Word file beside its source, in the run's own folder. The committed
notebooks are only read.

Which runs: the quarter's run plan (``params/runs/<YYYY-YY-Qn>.yaml``, the newest one unless a
quarter is named), narrowed by the names of the active Quarto profiles (``--profile``, in
``QUARTO_PROFILE``): an authority code (``902``), a report (``looked_after``) or a quarter
(``2024-25-Q2``). Rendering or previewing one staged file re-stages that run alone.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import nbformat
import yaml

from . import engines, privacy, run_records
from .exceptions import ParameterError, RenderError, SafeguardingError, UnknownName
from .manifest import FileHasher, fingerprint, library_info
from .params import REPORTS, Project, RunEntry, load_project, quarter_slug
from .periods import parse_period
from .render import notebook_to_markdown, resolve_time, write_pngs
from .validation import safe_yaml

QUARTO_DIR = Path("outputs") / "quarto"
FIGURES = "figures"  # beside the staged source; Quarto's own "<name>_files" folder is its own
INDEX = "index.qmd"  # outputs/quarto/index.qmd, the staged reports' links
STAGE_KEY = "safeguarding_quarto"  # the executed copy's metadata: what it was staged from
_SLUG = re.compile(r"^\d{4}-\d{2}-Q[1-4]$")
_CODE = re.compile(r"^\d{3}$")


# --- which runs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StagedRun:
    """One (authority × report) run of a quarter, staged for Quarto under ``folder``."""

    quarter: str  # canonical, e.g. "2024-25 Q2"
    entry: RunEntry
    folder: Path

    @property
    def source(self) -> Path:
        """The Markdown Quarto renders."""
        return self.folder / f"{self.entry.report}.qmd"

    @property
    def executed(self) -> Path:
        """The executed copy of the notebook."""
        return self.folder / f"{self.entry.report}.ipynb"


@dataclass(frozen=True)
class Selection:
    """What the active Quarto profiles ask for (empty: everything in the run plan)."""

    quarter: str | None = None
    authorities: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()


def parse_profiles(profiles: str | None) -> Selection:
    """Read ``QUARTO_PROFILE`` (comma-separated names): authority codes (``902`` or ``la902``;
    Quarto's option parser reads a lone ``--profile 902`` as a number and drops it), report
    names and a quarter (``2024-25-Q2``). Other names are Quarto's own profiles, left to it."""
    quarter = None
    authorities: list[str] = []
    reports: list[str] = []
    for name in (p.strip() for p in (profiles or "").split(",")):
        code = name[2:] if name.lower().startswith("la") else name
        if _CODE.match(code):
            authorities.append(code)
        elif name in REPORTS:
            reports.append(name)
        elif _SLUG.match(name):
            if quarter and quarter != parse_period(name.replace("-Q", " Q")).label:
                raise ParameterError(f"two quarters among the Quarto profiles: {profiles}")
            quarter = parse_period(name.replace("-Q", " Q")).label
    return Selection(quarter, tuple(authorities), tuple(reports))


def quarto_dir(project: Project) -> Path:
    return project.root / QUARTO_DIR


def latest_quarter(project: Project) -> str:
    """The newest quarter with a run plan in ``params/runs/``."""
    quarters = []
    for path in (project.params_dir / "runs").glob("*.yaml"):
        if _SLUG.match(path.stem):
            quarters.append(parse_period(path.stem.replace("-Q", " Q")))
    if not quarters:
        raise ParameterError(
            "no run plan in params/runs/: name the quarter as a Quarto profile, "
            "e.g. quarto render --profile 2024-25-Q2"
        )
    return max(quarters, key=lambda p: p.start).label


def staged_run_of(path: str | Path, project: Project) -> StagedRun | None:
    """The run a staged source belongs to (``outputs/quarto/<slug>/<code>/<report>.qmd``)."""
    path = Path(path)
    if not path.is_absolute():
        path = project.root / path
    try:
        parts = path.resolve().relative_to(quarto_dir(project).resolve()).parts
    except ValueError:
        return None
    if len(parts) != 3 or not _SLUG.match(parts[0]) or Path(parts[2]).suffix != ".qmd":
        return None
    quarter = parse_period(parts[0].replace("-Q", " Q")).label
    runs = select_runs(project, Selection(quarter, (parts[1],), (Path(parts[2]).stem,)))
    return runs[0] if runs else None


def select_runs(project: Project, selection: Selection) -> list[StagedRun]:
    """The run plan's entries the selection asks for, each with its staging folder."""
    quarter = selection.quarter or latest_quarter(project)
    for code in selection.authorities:
        project.authority(code)  # raises naming the known codes
    plan = project.run_plan(quarter)
    known = {e.report for e in plan.entries}
    for report in selection.reports:
        if report not in known:
            raise UnknownName(
                f"report {report!r} is not in the run plan for {plan.quarter} "
                f"(reports: {', '.join(sorted(known))})"
            )
    plan = plan.select(list(selection.authorities), list(selection.reports))
    if not plan.entries:
        raise UnknownName(f"the run plan for {plan.quarter} has no run for {selection}")
    slug = quarter_slug(plan.quarter)
    return [
        StagedRun(plan.quarter, e, quarto_dir(project) / slug / e.authority) for e in plan.entries
    ]


# --- staging one run ---------------------------------------------------------------------------
def run_parameters(project: Project, run: StagedRun, run_time: str = "") -> dict[str, Any]:
    """The notebook parameters of a run, as the batch builds them (with the project's folder:
    Quarto's copies are executed here, not by the batch's workers)."""
    return run_records.run_parameters(run.entry, run.quarter, run_time, str(project.root))


def watched_files(project: Project, run: StagedRun) -> list[Path]:
    """What an analyst edits for this run: the notebook, its commentary and the params."""
    notebook = project.notebook(run.entry.report)
    return [notebook, *project.files_read(run.entry.authority, run.quarter)]


def run_fingerprint(project: Project, run: StagedRun, hasher: FileHasher | None = None) -> str:
    """The batch's fingerprint of a run (:func:`safeguarding.manifest.fingerprint`)."""
    hasher = hasher or FileHasher()
    notebook = project.notebook(run.entry.report)
    record = {
        "parameters": run_parameters(project, run),
        "notebook": {"sha256": hasher.sha256(notebook)},
        "library": library_info(),
        "inputs": hasher.checksums(
            run_records.input_files(project, project.data_dir, run.entry.authority), project.root
        ),
        "params_files": hasher.checksums(
            project.files_read(run.entry.authority, run.quarter), project.root
        ),
        "formats": ["quarto"],
    }
    return fingerprint(record)


def execute_copy(
    project: Project,
    run: StagedRun,
    engine: str = engines.DEFAULT_ENGINE,
    run_time: str = "",
    force: bool = False,
) -> tuple[nbformat.NotebookNode, bool]:
    """The run's executed copy, executed now unless an up-to-date one is staged; returns the
    notebook and whether it was executed. A failing cell raises :class:`RenderError` naming
    the cell; the committed notebook is only read."""
    notebook = project.notebook(run.entry.report)
    if not notebook.is_file():
        raise RenderError(f"notebook {project.rel(notebook)} not found")
    stamp = run_fingerprint(project, run)
    if not force and run.executed.is_file():
        staged = nbformat.read(run.executed, as_version=4)
        if staged.metadata.get(STAGE_KEY, {}).get("fingerprint") == stamp:
            return staged, False
    from papermill.exceptions import PapermillExecutionError

    run.folder.mkdir(parents=True, exist_ok=True)
    partial = run.folder / f".{run.entry.report}.executing.ipynb"
    parameters = run_parameters(project, run, run_time or _default_run_time())
    try:
        engines.execute(notebook, partial, parameters, engine=engine, cwd=project.root)
        failure = None
    except PapermillExecutionError as exc:
        failure = f"{exc.ename}: {exc.evalue}"
    nb = nbformat.read(partial, as_version=4) if partial.is_file() else None
    if nb is not None:
        index, ename, evalue = engines.first_error(nb)
        if index is not None:
            failure = f"cell {index + 1}: {ename}: {evalue}"
    if failure or nb is None:
        partial.unlink(missing_ok=True)
        raise RenderError(
            f"{project.rel(notebook)} for {run.entry.authority} failed: {failure or 'no output'}"
        )
    nb = engines.normalise(
        nb,
        input_path=project.rel(notebook),
        output_path=project.rel(run.executed),
    )
    nb.metadata[STAGE_KEY] = {"fingerprint": stamp, "run_time": parameters["run_time"]}
    nbformat.write(nb, partial)
    os.replace(partial, run.executed)
    return nb, True


def _default_run_time() -> str:
    """``SOURCE_DATE_EPOCH`` when set (reproducible), else now."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat()
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def front_matter(meta: Mapping[str, Any], watched: Sequence[str] = ()) -> dict[str, Any]:
    """The Quarto front matter of a staged report: the title block from the report's
    metadata, and the variables the house templates read (``templates/report.typ``)."""
    stamp = resolve_time(None, meta)
    title = str(meta.get("title") or "Report")
    committee = str(meta.get("committee", ""))
    meeting = str(meta.get("meeting_date_text", ""))
    matter: dict[str, Any] = {
        "title": title,
        "subtitle": ", ".join(p for p in (committee, meeting) if p),
        "author": str(meta.get("authority_name", "")),
        "date": f"{stamp:%Y-%m-%d}",
        "lang": "en-GB",
        "pagetitle": title,
        # the Typst template's variables, as safeguarding.render passes them to pandoc
        "authority-name": str(meta.get("authority_name", "")),
        "committee": committee,
        "meeting-date-text": meeting,
        "classification": str(meta.get("classification", "")),
        "quarter": str(meta.get("quarter", "")),
    }
    if watched:
        # Quarto's preview re-renders a document when one of its ipynb filters changes. A
        # Markdown source has no notebook, so Quarto never runs them: listing the run's
        # notebook, commentary and params files here makes `quarto preview` re-render (and
        # the pre-render re-stage) when the analyst edits any of them.
        matter["execute"] = {"ipynb-filters": list(watched)}
    return matter


_FIGURE = re.compile(r'(?<=\]\()(figure-\d+\.svg)\)\{alt="((?:[^"\\]|\\.)*)"\}')


def quarto_markdown(markdown: str, figure_prefix: str) -> str:
    """The batch's Markdown as Quarto reads it: chart paths under ``figure_prefix``, and each
    chart's alt text also as ``fig-alt`` (Quarto's attribute; it drops a plain ``alt``)."""

    def figure(match: re.Match[str]) -> str:
        path, alt = figure_prefix + match.group(1), match.group(2)
        return f'{path}){{alt="{alt}" fig-alt="{alt}"}}'

    return _FIGURE.sub(figure, markdown)


def write_source(
    run: StagedRun, nb: Mapping[str, Any], watched: Iterable[Path] = ()
) -> tuple[Path, bool]:
    """Write the run's Quarto source from its executed copy; returns the path and whether it
    changed (an unchanged source is left alone, so a preview does not re-render in a loop)."""
    figures = run.folder / FIGURES / run.entry.report
    figures.mkdir(parents=True, exist_ok=True)
    for old in [*figures.glob("figure-*.svg"), *figures.glob("figure-*.png")]:
        old.unlink()
    doc = notebook_to_markdown(nb, figures)
    write_pngs(doc.figures)  # Word's copies (the filter picks them), as the batch's renderer
    body = quarto_markdown(doc.markdown, f"{FIGURES}/{run.entry.report}/")
    rel = [os.path.relpath(p, run.folder) for p in watched if Path(p).is_file()]
    matter = yaml.safe_dump(front_matter(doc.meta, rel), sort_keys=False, allow_unicode=True)
    text = f"---\n{matter}---\n\n{body}"
    if run.source.is_file() and run.source.read_text(encoding="utf-8") == text:
        return run.source, False
    partial = run.source.with_name(f".{run.source.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, run.source)
    return run.source, True


def stage(
    project: Project, run: StagedRun, engine: str = engines.DEFAULT_ENGINE, run_time: str = ""
) -> tuple[Path, bool]:
    """Execute (when stale) and write one run's Quarto source; returns it and whether the
    notebook was executed. As in the batch, the staged files are scanned for the authority's
    child-level data first (a finding removes them and raises), and a failure's message has
    any input value redacted."""
    authority = project.authority(run.entry.authority)
    identifiers = privacy.identifiers_for(project, run.entry.authority, project.data_dir)
    try:
        nb, executed = execute_copy(project, run, engine=engine, run_time=run_time)
    except RenderError as exc:
        raise RenderError(privacy.Scanner(identifiers).redact(str(exc))) from None
    source, _ = write_source(run, nb, watched_files(project, run))
    recorded = str(nb.metadata.get(STAGE_KEY, {}).get("run_time", ""))
    allowed = [recorded[:10], *(c.meeting_date.isoformat() for c in authority.committees.values())]
    scanner = privacy.Scanner(identifiers, allowed)
    staged = [run.executed, source, *sorted((run.folder / FIGURES / run.entry.report).glob("*"))]
    findings = [
        f for path in staged if path.is_file() for f in scanner.scan_file(path, project.rel(path))
    ]
    if findings:
        source.unlink()
        run.executed.unlink()
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise RenderError(f"child-level data in the staged report: {findings[0]}{more}")
    return source, executed


def remove_other_sources(project: Project, keep: Iterable[StagedRun]) -> list[Path]:
    """Delete staged ``.qmd`` sources outside this render's selection, so that Quarto renders
    only the selected runs (their executed copies and rendered reports stay)."""
    kept = {r.source.resolve() for r in keep}
    removed = []
    for path in sorted(quarto_dir(project).glob("*/*/*.qmd")):
        if path.resolve() not in kept:
            path.unlink()
            removed.append(path)
    return removed


# --- the pre-render hook -----------------------------------------------------------------------
def input_files(environ: Mapping[str, str]) -> list[str]:
    """The files Quarto is about to render (``QUARTO_PROJECT_INPUT_FILES``, or the file named
    by ``QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES``)."""
    listing = environ.get("QUARTO_PROJECT_INPUT_FILES")
    if listing is None and environ.get("QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES"):
        path = Path(environ["QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES"])
        listing = path.read_text(encoding="utf-8") if path.is_file() else ""
    return [line for line in (listing or "").splitlines() if line.strip()]


def runs_for_render(project: Project, environ: Mapping[str, str]) -> tuple[list[StagedRun], bool]:
    """The runs this render stages, and whether it renders the whole selection (then staged
    sources outside it are removed). Rendering or previewing staged files re-stages those
    alone. The index is always a second input, so one report's render is never "all"."""
    selection = parse_profiles(environ.get("QUARTO_PROFILE"))
    files = [f for f in input_files(environ) if not _is_index(f, project)]
    if not environ.get("QUARTO_PROJECT_RENDER_ALL") and input_files(environ):
        runs = [staged_run_of(f, project) for f in files]
        if all(runs):
            return [r for r in runs if r is not None], False
    return select_runs(project, selection), True


def _is_index(path: str | Path, project: Project) -> bool:
    path = Path(path) if Path(path).is_absolute() else project.root / path
    return path.resolve() == (quarto_dir(project) / INDEX).resolve()


def write_index(project: Project) -> Path:
    """``outputs/quarto/index.qmd``: links to every staged report (HTML, PDF, Word)."""
    from .render import REPORT_TITLES

    lines = [
        "---",
        "title: Reports rendered with Quarto",
        "lang: en-GB",
        "format: html",
        "---",
        "",
        "These are the analysts' renders. The published reports are the batch's "
        "(`safeguarding run`, in `outputs/<quarter>/`).",
        "",
    ]
    for quarter in sorted({p.parent.parent for p in quarto_dir(project).glob("*/*/*.qmd")}):
        lines += [f"## {quarter.name.replace('-Q', ' Q')}", ""]
        for source in sorted(quarter.glob("*/*.qmd")):
            code, report = source.parent.name, source.stem
            name = project.authorities[code].name if code in project.authorities else code
            title = REPORT_TITLES.get(report, report)
            rel = f"{quarter.name}/{code}/{report}"
            lines.append(
                f"- {name} ({code}): [{title}]({rel}.html) ([PDF]({rel}.pdf), [Word]({rel}.docx))"
            )
        lines.append("")
    path = quarto_dir(project) / INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def pre_render(
    root: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    engine: str = engines.DEFAULT_ENGINE,
) -> int:
    """Quarto's ``pre-render`` step: stage the selected runs; 0 when all were staged, 1 (with
    one line per problem) otherwise, so that Quarto stops before rendering anything."""
    environ = os.environ if environ is None else environ
    stream = stream or sys.stderr
    try:
        project = load_project(root)
        runs, whole = runs_for_render(project, environ)
        if whole:
            remove_other_sources(project, runs)
        failures = 0
        for run in runs:
            label = f"{run.entry.authority}/{run.entry.report} ({run.quarter})"
            try:
                source, executed = stage(project, run, engine=engine)
            except SafeguardingError as exc:
                failures += 1
                run.source.unlink(missing_ok=True)  # never render a stale report
                print(f"safeguarding: {label}: {exc}", file=stream)
                continue
            state = "executed" if executed else "unchanged"
            print(f"safeguarding: {label}: {state} -> {project.rel(source)}", file=stream)
        write_index(project)
    except SafeguardingError as exc:
        print(f"safeguarding: {exc}", file=stream)
        return 1
    finally:
        engines.shutdown_kernels()
    return 1 if failures else 0


def executed_markdown(source: str | Path) -> str:
    """The body of a staged source (what Quarto hands to pandoc, without the front matter)."""
    text = Path(source).read_text(encoding="utf-8")
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4)
        return text[end + len("\n---\n") :].lstrip("\n")
    return text


def staged_metadata(source: str | Path) -> dict[str, Any]:
    """The front matter of a staged source."""
    text = Path(source).read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    return safe_yaml(text[4 : text.index("\n---\n", 4)]) or {}


def main(argv: Sequence[str] | None = None) -> int:
    """``python scripts/quarto_pre_render.py``: what Quarto's pre-render step runs."""
    del argv
    return pre_render()


__all__ = [
    "QUARTO_DIR",
    "Selection",
    "StagedRun",
    "execute_copy",
    "executed_markdown",
    "front_matter",
    "latest_quarter",
    "parse_profiles",
    "pre_render",
    "remove_other_sources",
    "runs_for_render",
    "select_runs",
    "stage",
    "staged_metadata",
    "staged_run_of",
    "write_index",
    "write_source",
]

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
