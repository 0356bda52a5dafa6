"""One run of the batch: everything a worker does for one (authority × report).

:func:`run_task` checks the run's commentary (:mod:`safeguarding.commentary`, and the privacy
scan before anything renders it), executes the notebook (:mod:`safeguarding.engines`) into the
run's staging folder, renders it (:func:`safeguarding.render.render_notebook`) and scans every
staged file for child-level data and for paths of this machine (:mod:`safeguarding.privacy`).
It never raises: a problem is a failed :class:`RunResult` with a one-line reason that holds no
child-level data. Tasks and results are plain data, so they travel to any worker (a local
process or a Dask cluster's); publishing is the batch's (:mod:`safeguarding.batch`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache, engines, privacy, publish
from .exceptions import SafeguardingError
from .params.records import FORMATS as FORMATS  # the batch and the benchmark take it from here
from .publish import STAGED_REPORT

OUTPUT_SUFFIXES = (".ipynb", *publish.REPORT_FORMATS)
REASON_WIDTH = 160


# --- tasks and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run; plain data, so it travels to any worker."""

    key: str
    authority: str
    report: str
    notebook: str
    parameters: dict[str, Any]
    cwd: str
    staging: str  # this run's staging folder
    data_folder: str  # the authority's inputs, for the privacy scan
    allowed_dates: tuple[str, ...]
    engine: str
    formats: tuple[str, ...]
    timeout: int
    audience: str = "public"
    project_root: str = ""
    commentary: tuple[str, ...] = ()  # this run's commentary files, checked before it runs
    # the authority's child-level values for the scan, collected once per batch (None: the
    # worker reads them from data_folder and workbooks itself)
    identifiers: privacy.Identifiers | privacy.PackedIdentifiers | None = None
    workbooks: tuple[str, ...] = ()  # its Annex A workbooks (settings' annex_a:), also scanned


@dataclass
class RunResult:
    key: str
    authority: str
    report: str
    status: str  # "ok" or "failed"
    reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # paths in the staging folder
    rendered: bool = False
    note: str = ""
    findings: list[str] = field(default_factory=list)  # where child-level data was found
    keep_notebook: bool = False  # a failed run's notebook is clean enough to keep for debugging

    @classmethod
    def failure(cls, task: RunTask, reason: str, **extra: Any) -> RunResult:
        return cls(task.key, task.authority, task.report, "failed", one_line(reason), **extra)


def one_line(text: str, width: int = REASON_WIDTH) -> str:
    """The first non-empty line of ``text``, shortened to ``width`` characters."""
    line = next((s.strip() for s in str(text).splitlines() if s.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def run_task(task: RunTask) -> RunResult:
    """Check the commentary, then execute, render and scan one run into its staging folder
    (``<report>.ipynb`` and ``report/<report>.<format>``). Never raises: a problem is a failed
    result with a one-line reason (which holds no child-level data)."""
    timings: dict[str, float] = {}
    staging = Path(task.staging)
    staging.mkdir(parents=True, exist_ok=True)
    executed = staging / f"{task.report}.ipynb"
    scanner = None
    try:
        start = time.perf_counter()
        identifiers = task.identifiers
        if isinstance(identifiers, privacy.PackedIdentifiers):
            identifiers = identifiers.unpack()
        if identifiers is None:
            identifiers = privacy.identifiers_from_inputs(task.data_folder, task.workbooks)
        scanner = privacy.Scanner(identifiers, task.allowed_dates, paths=_machine_paths(task))
        timings["identifiers"] = round(time.perf_counter() - start, 3)
        refused = _check_commentary(task, scanner)
        if refused:
            return RunResult.failure(task, refused, timings=timings)
        start = time.perf_counter()
        failure = _execute(task, executed)
        timings["execute"] = round(time.perf_counter() - start, 3)
        if failure:
            return _failed(task, failure, timings, scanner, executed)
        start = time.perf_counter()
        scanned: dict[Path, list[privacy.Finding]] = {}

        def scan_notebook() -> None:
            scanned[executed] = scanner.scan_file(executed, _scan_name(task, executed))

        # the executed notebook is scanned while pandoc reads it, in pandoc's own process, so
        # the scan is off the run's wall time ("render" includes it, "scan" is the rest)
        rendered, note = _render(task, executed, staging / STAGED_REPORT, scan_notebook)
        timings["render"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        findings = _scan_staging(scanner, task, staging, scanned)
        timings["scan"] = round(time.perf_counter() - start, 3)
    except Exception as exc:  # noqa: BLE001 - any failure belongs to this run alone
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return _failed(task, reason, timings, scanner, executed)
    if findings:
        return RunResult.failure(
            task,
            f"child-level data in outputs: {findings[0]}"
            + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            timings=timings,
            findings=[str(f) for f in findings],
        )
    files = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and p.suffix in OUTPUT_SUFFIXES
    )
    return RunResult(
        task.key, task.authority, task.report, "ok", "", timings, files, rendered, note
    )


def _scan_name(task: RunTask, path: Path) -> str:
    return f"{task.authority}/{path.name}"


def _scan_staging(
    scanner: privacy.Scanner,
    task: RunTask,
    staging: Path,
    scanned: dict[Path, list[privacy.Finding]],
) -> list[privacy.Finding]:
    """Every staged file's findings, in the files' order; ``scanned`` holds files already
    scanned."""
    return [
        f
        for path in sorted(staging.rglob("*"))
        if path.is_file()
        for f in (
            scanned[path] if path in scanned else scanner.scan_file(path, _scan_name(task, path))
        )
    ]


def _machine_paths(task: RunTask) -> tuple[str, ...]:
    """Folders of this machine no published file may name (the project, data, staging)."""
    paths = {task.project_root, task.data_folder, str(Path(task.staging).parent)}
    return tuple(sorted(p for p in paths if p and len(p) > 1))


def _check_commentary(task: RunTask, scanner: privacy.Scanner) -> str:
    """Why the run's commentary cannot be published ("" when it can): child-level data in
    it (found before anything renders it; the value is never shown), or a construct the
    commentary checker refuses (file, line and construct)."""
    from .params import read_commentary

    root = Path(task.project_root) if task.project_root else None
    for name in task.commentary:
        path = Path(name)
        rel = path.relative_to(root).as_posix() if root and path.is_relative_to(root) else path.name
        found = scanner.scan_file(path, rel)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            return f"child-level data in commentary: {found[0]}{more}"
        try:
            read_commentary(path, rel, root)
        except SafeguardingError as exc:
            return scanner.redact(exc.lines()[0].removeprefix("error: "))
    return ""


def _execute(task: RunTask, executed: Path) -> str | None:
    """Run the notebook; return the failure reason, or None. The executed notebook is
    rewritten without timing metadata and with stable paths (byte-identical rebuilds)."""
    from papermill.exceptions import PapermillExecutionError

    failure = None
    try:
        engines.execute(
            task.notebook,
            executed,
            task.parameters,
            engine=task.engine,
            cwd=task.cwd,
            timeout=task.timeout,
        )
    except PapermillExecutionError as exc:
        failure = _cell_reason(exc.exec_count, exc.ename, exc.evalue)
    if executed.is_file():
        import nbformat

        nb = nbformat.read(executed, as_version=4)
        if failure:
            index, ename, evalue = engines.first_error(nb)
            if index is not None:
                failure = _cell_reason(index + 1, ename, evalue, numbered="cell")
        nb = engines.normalise(
            nb,
            input_path=f"notebooks/{Path(task.notebook).name}",
            output_path=f"notebooks/{task.authority}/{task.report}.ipynb",
        )
        nb = engines.scrub_paths(nb, _machine_paths(task))
        nbformat.write(nb, executed)
    return failure


def _cell_reason(number: int | None, ename: str, evalue: str, numbered: str = "execution") -> str:
    where = f"cell {number}: " if numbered == "cell" and number else ""
    return f"{where}{ename}: {one_line(evalue, 400)}"


def _render(
    task: RunTask, executed: Path, staging: Path, meanwhile: Callable[[], None] | None = None
) -> tuple[bool, str]:
    if not task.formats:
        return False, ""
    try:
        from .render import render_notebook
    except ImportError:
        return False, "renderer not available: published the executed notebook only"
    root = Path(task.project_root) if task.project_root else None
    render_notebook(
        executed,
        staging,
        formats=task.formats,
        run_time=task.parameters.get("run_time") or None,
        picture_cache=root / cache.CHARTS_DIR if root else None,
        meanwhile=meanwhile,
    )
    return True, ""


def _failed(
    task: RunTask,
    reason: str,
    timings: dict[str, float],
    scanner: privacy.Scanner | None,
    executed: Path,
) -> RunResult:
    """A failed result whose reason has any input value redacted; its notebook is kept for
    debugging only when the scan finds nothing in it."""
    keep = False
    if publish.disk_full(reason):
        reason = "the disk is full (or a file-size limit was reached) writing this run's outputs"
    if scanner is not None:
        reason = scanner.redact(reason)
        try:
            keep = executed.is_file() and not scanner.scan_file(executed)
        except (OSError, ValueError):  # a notebook cut short (a full disk): not kept
            keep = False
    else:
        reason = "could not read the inputs for the privacy scan: " + reason
    return RunResult.failure(task, reason, timings=timings, keep_notebook=keep)
