"""The quarterly batch: every (authority × report) run of a quarter, published atomically.

For each run in the quarter's run plan (``params/runs/<YYYY-YY-Qn>.yaml`` or the default):

1. decide whether it must run: its fingerprint (parameters, notebook, library source, input
   and params checksums, formats; see :mod:`safeguarding.manifest`) against the published
   run's. Unchanged runs are skipped unless ``force``.
2. execute the notebook (:mod:`safeguarding.engines`) into a staging folder inside the
   quarter's output folder (so the final move is a rename on one filesystem), render it
   (:func:`safeguarding.render.render_notebook`), and scan every staged file for child-level
   data (:mod:`safeguarding.privacy`);
3. only when all three passed, ``os.replace`` each staged file over the published one. A
   failed run publishes nothing: the previous good outputs stay.

Steps 2 run in an *executor*: a function that takes the run tasks and reports each result
through a callback. :func:`local_executor` uses a process pool on this machine,
:func:`dask_executor` a Dask distributed cluster; both call the same :func:`run_task`, and
everything else (skips, publishing, manifest, summary) happens here, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from . import engines, privacy
from . import summary as summary_module
from .exceptions import MissingInput, OptionError, UnknownName
from .manifest import FileHasher, Manifest, fingerprint, library_info, package_versions, run_key
from .params import DEFAULT_DATA_DIR, Project, RunEntry, load_project, quarter_slug
from .periods import parse_period
from .validation import InputError

FORMATS = ("html", "pdf", "docx")
OUTPUT_SUFFIXES = (".ipynb", *(f".{f}" for f in FORMATS))
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
    # the authority's child-level values for the scan, collected once per batch (None: the
    # worker reads them from data_folder itself)
    identifiers: privacy.Identifiers | None = None


@dataclass
class RunResult:
    key: str
    authority: str
    report: str
    status: str  # "ok" or "failed"
    reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # names in the staging folder
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
    """Execute, render and scan one run into its staging folder. Never raises: a problem is a
    failed result with a one-line reason (which holds no child-level data)."""
    timings: dict[str, float] = {}
    staging = Path(task.staging)
    staging.mkdir(parents=True, exist_ok=True)
    executed = staging / f"{task.report}.ipynb"
    scanner = None
    try:
        start = time.perf_counter()
        identifiers = task.identifiers
        if identifiers is None:
            identifiers = privacy.identifiers_from_folder(task.data_folder)
        scanner = privacy.Scanner(identifiers, task.allowed_dates)
        timings["identifiers"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        failure = _execute(task, executed)
        timings["execute"] = round(time.perf_counter() - start, 3)
        if failure:
            return _failed(task, failure, timings, scanner, executed)
        start = time.perf_counter()
        rendered, note = _render(task, executed, staging)
        timings["render"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        findings = [
            f
            for path in sorted(staging.iterdir())
            if path.is_file()
            for f in scanner.scan_file(path, f"{task.authority}/{path.name}")
        ]
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
    files = sorted(p.name for p in staging.iterdir() if p.suffix in OUTPUT_SUFFIXES)
    return RunResult(
        task.key, task.authority, task.report, "ok", "", timings, files, rendered, note
    )


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
            output_path=f"{task.authority}/{task.report}.ipynb",
        )
        nbformat.write(nb, executed)
    return failure


def _cell_reason(number: int | None, ename: str, evalue: str, numbered: str = "execution") -> str:
    where = f"cell {number}: " if numbered == "cell" and number else ""
    return f"{where}{ename}: {one_line(evalue, 400)}"


def _render(task: RunTask, executed: Path, staging: Path) -> tuple[bool, str]:
    if not task.formats:
        return False, ""
    try:
        from .render import render_notebook
    except ImportError:
        return False, "renderer not available: published the executed notebook only"
    render_notebook(
        executed, staging, formats=task.formats, run_time=task.parameters.get("run_time") or None
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
    if scanner is not None:
        reason = scanner.redact(reason)
        keep = executed.is_file() and not scanner.scan_file(executed)
    else:
        reason = "could not read the inputs for the privacy scan: " + reason
    return RunResult.failure(task, reason, timings=timings, keep_notebook=keep)


# --- executors -----------------------------------------------------------------------------

OnResult = Callable[[RunResult], None]
Executor = Callable[[Sequence[RunTask], OnResult], None]


def serial_executor(tasks: Sequence[RunTask], on_result: OnResult) -> None:
    """Run every task here, one after another (``--jobs 1``; easiest to debug)."""
    for task in tasks:
        on_result(run_task(task))


def local_executor(jobs: int, worker_log: Path | None = None) -> Executor:
    """A pool of ``jobs`` worker processes on this machine, each with its warm kernel."""
    if jobs <= 1:
        return serial_executor

    def execute(tasks: Sequence[RunTask], on_result: OnResult) -> None:
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        if not tasks:
            return
        workers = min(jobs, len(tasks))
        with ProcessPoolExecutor(
            workers,
            mp_context=_mp_context(),
            initializer=_worker_start,
            initargs=(str(worker_log) if worker_log else None,),
        ) as pool:
            futures = {pool.submit(run_task, task): task for task in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    result = RunResult.failure(task, f"worker process died: {exc}")
                except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                    result = RunResult.failure(task, f"{type(exc).__name__}: {exc}")
                on_result(result)

    return execute


def _worker_start(log_path: str | None) -> None:
    """Send the worker's (and its kernels') stderr to the workers' log, not the terminal."""
    if log_path:
        handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(handle, 2)
        os.close(handle)


def dask_executor(scheduler: Any) -> Executor:
    """Run the tasks on a Dask distributed cluster (``scheduler``: an address such as
    ``tcp://host:8786``, or a ``Cluster``). Workers need the project, its params and data at
    the same paths (a shared filesystem) and this library installed; see
    docs/analyst-workflow.md."""

    def execute(tasks: Sequence[RunTask], on_result: OnResult) -> None:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            batch = uuid.uuid4().hex[:8]
            futures = {
                client.submit(
                    run_task, task, key=f"safeguarding-{batch}-{task.key}", pure=False
                ): task
                for task in tasks
            }
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails its runs only
                    result = RunResult.failure(task, f"{type(exc).__name__}: {exc}")
                on_result(result)
            # the workers outlive the batch; their warm kernels should not
            with contextlib.suppress(Exception):
                client.run(engines.shutdown_kernels)

    return execute


# --- the batch -----------------------------------------------------------------------------


@dataclass
class BatchOptions:
    quarter: str
    authorities: list[str] | None = None
    reports: list[str] | None = None
    jobs: int | None = None  # None: one per core
    force: bool = False
    engine: str = engines.DEFAULT_ENGINE
    executor: str = "local"  # "local" or "dask"
    scheduler: Any = None  # the Dask scheduler's address (or a Cluster)
    formats: tuple[str, ...] = FORMATS
    root: str | Path | None = None
    run_time: str | None = None  # fixes the run time (else SOURCE_DATE_EPOCH, else recorded)
    timeout: int = 600  # seconds per cell
    progress: bool = True


@dataclass
class SummaryRow:
    authority: str
    report: str
    status: str  # ok, skipped, failed
    seconds: float
    reason: str = ""


@dataclass
class BatchSummary:
    quarter: str
    rows: list[SummaryRow]
    notes: list[str]
    manifest: Path
    log: Path | None
    review: Any = None  # safeguarding.review.ReviewList: the analyst's list beside the log

    @property
    def failed(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.status] = out.get(row.status, 0) + 1
        return out

    def table(self) -> str:
        header = ("authority", "report", "status", "seconds", "reason")
        rows = [(r.authority, r.report, r.status, f"{r.seconds:.1f}", r.reason) for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
        widths[-1] = len(header[-1])  # the reason is last and unpadded
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        for row in rows:
            lines.append(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items()))
        return "\n".join([*lines, "", f"{self.quarter}: {counts or 'nothing to run'}"])


def run_batch(
    options: BatchOptions, executor: Executor | None = None, stream: TextIO | None = None
) -> BatchSummary:
    """Run a quarter. ``executor`` overrides the one ``options`` name (tests, plug-ins)."""
    stream = stream or sys.stderr
    project = load_project(options.root)
    issues = project.check()
    if issues:
        raise InputError(issues)
    period = parse_period(options.quarter)
    slug = quarter_slug(period)
    notes: list[str] = []
    data_dir = ensure_data(project, notes, stream)
    plan = project.run_plan(period)
    _check_selection(project, plan.entries, options)
    plan = plan.select(options.authorities, options.reports)
    quarter_dir = project.root / "outputs" / slug
    logs = quarter_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    executor = executor or _executor(options, logs)  # its option errors before any work
    manifest = Manifest.load(quarter_dir / "manifest.json", period.label)
    hasher = FileHasher(manifest.file_cache)
    staging_root = quarter_dir / ".staging" / uuid.uuid4().hex[:12]
    started = time.perf_counter()

    rows: dict[str, SummaryRow] = {}
    tasks: list[RunTask] = []
    records: dict[str, dict[str, Any]] = {}
    for entry in plan.entries:
        key = run_key(entry.authority, entry.report)
        record = _record(project, entry, period.label, data_dir, hasher, options)
        previous = manifest.published(key)
        if record is None:
            rows[key] = SummaryRow(
                entry.authority,
                entry.report,
                "failed",
                0.0,
                f"notebook {project.rel(project.notebook(entry.report))} not found",
            )
            continue
        published = previous and _outputs_present(quarter_dir, previous)
        if not options.force and published and previous.get("fingerprint") == record["fingerprint"]:
            rows[key] = SummaryRow(
                entry.authority, entry.report, "skipped", 0.0, "unchanged since the published run"
            )
            continue
        record["why"] = why_rerun(previous, record)
        record["run_time"] = choose_run_time(options, previous, record["fingerprint"])
        record["parameters"]["run_time"] = record["run_time"]
        records[key] = record
        tasks.append(_task(project, entry, record, data_dir, staging_root / key, options))

    prepare_seconds = 0.0
    if tasks:
        start = time.perf_counter()
        codes = list(dict.fromkeys(t.authority for t in tasks))
        identifiers = prepare(project, data_dir, period.label, codes, options.jobs, notes)
        tasks = [replace(t, identifiers=identifiers.get(t.authority)) for t in tasks]
        prepare_seconds = time.perf_counter() - start
        # no report without data: a quarter outside an authority's records fails its runs
        gaps = {c: summary_module.uncovered(project, data_dir, c, period) for c in codes}
        for t in [t for t in tasks if gaps[t.authority]]:
            rows[t.key] = SummaryRow(t.authority, t.report, "failed", 0.0, gaps[t.authority])
        tasks = [t for t in tasks if not gaps[t.authority]]

    done = 0

    def on_result(result: RunResult) -> None:
        nonlocal done
        done += 1
        record = records[result.key]
        if result.status == "ok":
            _publish(quarter_dir, staging_root / result.key, result)
        elif result.keep_notebook:
            _keep_failed_notebook(logs, staging_root / result.key, result)
        if result.note and result.note not in notes:
            notes.append(result.note)
        seconds = round(sum(result.timings.values()), 2)
        rows[result.key] = SummaryRow(
            result.authority,
            result.report,
            result.status,
            seconds,
            result.reason or record.get("why", ""),
        )
        _update_manifest(manifest, result, record)
        manifest.save()
        _write_run_log(logs, result, record)
        progress.update(result, done)

    with _Progress(len(tasks), stream, options.progress) as progress:
        try:
            if tasks:  # a rerun with nothing changed starts no workers
                executor(tasks, on_result)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)
            with contextlib.suppress(OSError):
                staging_root.parent.rmdir()
    manifest.save()
    _write_index(quarter_dir, manifest, project, notes)
    ordered = [
        rows[run_key(e.authority, e.report)]
        for e in plan.entries
        if run_key(e.authority, e.report) in rows
    ]
    summary = BatchSummary(period.label, ordered, notes, manifest.path, None)
    summary.log = _write_batch_log(
        logs, summary, options, time.perf_counter() - started, prepare_seconds
    )
    from .review import for_batch  # the analyst's review list, never published

    runs = [(e.authority, e.report) for e in plan.entries]
    summary.review = for_batch(project, data_dir, period, runs, summary.log)
    return summary


# --- preparing the authorities: summaries and identifiers, once each -------------------------

CHUNK = 16  # authorities per preparing task: bounds a worker's memory, keeps the pass vectorised


def prepare(
    project: Project,
    data_dir: Path,
    quarter: str,
    authorities: Sequence[str],
    jobs: int | None,
    notes: list[str],
) -> dict[str, privacy.Identifiers]:
    """Before any notebook runs: build the authorities' missing or stale summaries (read
    once, indicators computed in one vectorised pass per chunk; see
    :mod:`safeguarding.summary`) and collect each one's identifiers for the privacy scan.

    Chunks of authorities, balanced by input size, run in parallel worker processes. Nothing
    here fails a run: an authority whose records cannot be read gets no summary, so its
    notebooks raise the loaders' error themselves, and an authority whose identifiers could
    not be collected is left to its workers (which fail the run with the reason).
    """
    chunks = _chunks(data_dir, authorities, jobs or os.cpu_count() or 1)
    args = [(str(project.root), str(data_dir), quarter, chunk) for chunk in chunks]
    found: dict[str, privacy.Identifiers] = {}
    results: list[Any] = []
    if len(chunks) <= 1 or (jobs or os.cpu_count() or 1) <= 1:
        results = [_guarded_prepare(a) for a in args]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            min(len(chunks), jobs or os.cpu_count() or 1), mp_context=_mp_context()
        ) as pool:
            results = list(pool.map(_guarded_prepare, args))
    for result in results:
        if isinstance(result, str):
            notes.append(f"preparing the summaries failed ({result}); the reports built them")
        else:
            found.update(result)
    return found


def _chunks(data_dir: Path, authorities: Sequence[str], jobs: int) -> list[list[str]]:
    """At least ``jobs`` chunks of at most :data:`CHUNK` authorities, balanced by the bytes
    of their inputs (the largest first, each into the lightest chunk)."""

    def size(code: str) -> int:
        folder = data_dir / code
        return (
            sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            if folder.is_dir()
            else 0
        )

    sizes = {code: size(code) for code in authorities}
    count = min(len(authorities), max(jobs, -(-len(authorities) // CHUNK)))
    bins: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for code in sorted(authorities, key=lambda c: -sizes[c]):
        i = loads.index(min(loads))
        bins[i].append(code)
        loads[i] += sizes[code]
    return [b for b in bins if b]


def _guarded_prepare(args: tuple[str, str, str, list[str]]) -> dict[str, privacy.Identifiers] | str:
    try:
        return _prepare_chunk(*args)
    except Exception as exc:  # noqa: BLE001 - the runs still work without the cache
        return one_line(f"{type(exc).__name__}: {exc}")


def _prepare_chunk(
    root: str, data_dir: str, quarter: str, authorities: list[str]
) -> dict[str, privacy.Identifiers]:
    from . import summary

    summary.ensure(load_project(root), Path(data_dir), authorities, quarter)
    found = {}
    for code in authorities:
        with contextlib.suppress(Exception):  # the run's worker tries again and reports it
            found[code] = privacy.identifiers_from_folder(Path(data_dir) / code)
    return found


def _mp_context() -> Any:
    """forkserver: workers start from a clean process (no threads or sockets inherited) that
    has imported the library once."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    if "forkserver" in methods:
        context.set_forkserver_preload(["safeguarding.batch"])
    return context


def _check_selection(project: Project, entries: Sequence[RunEntry], options: BatchOptions) -> None:
    for code in options.authorities or ():
        project.authority(code)  # raises naming the known codes
    known = {e.report for e in entries}
    for report in options.reports or ():
        if report not in known:
            raise UnknownName(
                f"report {report!r} is not in the run plan for {options.quarter} "
                f"(reports: {', '.join(sorted(known))})"
            )


def ensure_data(project: Project, notes: list[str], stream: TextIO) -> Path:
    """The data folder; the bundled demo is generated there on first use."""
    data_dir = project.data_dir
    if data_dir.is_dir() and any(data_dir.iterdir()):
        return data_dir
    if data_dir != (project.root / DEFAULT_DATA_DIR).resolve():
        raise MissingInput(
            f"the data folder {project.rel(data_dir)} (params/settings.yaml, data) does not exist"
        )
    from . import demo

    write_demo = getattr(demo, "write_demo", None)
    if write_demo is None:
        raise MissingInput(
            f"{project.rel(data_dir)} is missing and this installation "
            "cannot generate the demo data"
        )
    print(f"Generating the demo data in {project.rel(data_dir)} (first use)…", file=stream)
    write_demo(data_dir)
    notes.append(f"generated the demo data in {project.rel(data_dir)}")
    return data_dir


def _input_files(project: Project, data_dir: Path, authority: str) -> list[Path]:
    """The authority's own data and the data folder's shared files (comparators etc.)."""
    files = [p for p in data_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    own = data_dir / authority
    if own.is_dir():
        files.extend(p for p in own.rglob("*") if p.is_file() and not p.name.startswith("."))
    comparators = project.settings.comparators_file
    if comparators and comparators.is_file():
        files.append(comparators)
    return files


def _record(
    project: Project,
    entry: RunEntry,
    quarter: str,
    data_dir: Path,
    hasher: FileHasher,
    options: BatchOptions,
) -> dict[str, Any] | None:
    notebook = project.notebook(entry.report)
    if not notebook.is_file():
        return None
    parameters = {
        "authority": entry.authority,
        "quarter": quarter,
        "report": entry.report,
        "committee": entry.committee,
        "audience": entry.audience,
        "project_dir": str(project.root),
        "data_dir": "",
        "run_time": "",
    }
    record: dict[str, Any] = {
        "authority": entry.authority,
        "report": entry.report,
        "committee": entry.committee,
        "audience": entry.audience,
        "parameters": parameters,
        "notebook": {"path": project.rel(notebook), "sha256": hasher.sha256(notebook)},
        "inputs": hasher.checksums(_input_files(project, data_dir, entry.authority), project.root),
        "params_files": hasher.checksums(
            project.files_read(entry.authority, quarter), project.root
        ),
        "library": library_info(),
        "packages": package_versions(),
        "formats": list(options.formats),
        "engine": options.engine,
        "executor": options.executor,
    }
    record["fingerprint"] = fingerprint(record)
    return record


def why_rerun(previous: dict[str, Any] | None, record: dict[str, Any]) -> str:
    """What changed since the published run, in a few words (the summary's reason column)."""
    if not previous:
        return "first run"
    changed = []
    if previous.get("notebook", {}).get("sha256") != record["notebook"]["sha256"]:
        changed.append("notebook")
    if previous.get("library", {}).get("source_sha256") != record["library"]["source_sha256"]:
        changed.append("library")
    for part in ("inputs", "params_files"):
        old, new = previous.get(part, {}), record[part]
        files = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        if files:
            label = "inputs" if part == "inputs" else "params"
            changed.append(
                f"{label} ({files[0]}" + (f" and {len(files) - 1} more)" if len(files) > 1 else ")")
            )
    old_params = {k: v for k, v in previous.get("parameters", {}).items() if k != "run_time"}
    new_params = {k: v for k, v in record["parameters"].items() if k != "run_time"}
    if old_params != new_params:
        changed.append("parameters")
    if previous.get("formats") != record.get("formats"):
        changed.append("formats")
    return "changed: " + ", ".join(changed) if changed else "forced"


def choose_run_time(options: BatchOptions, previous: dict | None, fingerprint_: str) -> str:
    """The run time a run records and prints: given, ``SOURCE_DATE_EPOCH``, the published
    run's when nothing changed (a rebuild is then byte-identical), else now."""
    if options.run_time:
        return options.run_time
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat()
    if previous and previous.get("fingerprint") == fingerprint_ and previous.get("run_time"):
        return previous["run_time"]
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _task(
    project: Project,
    entry: RunEntry,
    record: dict[str, Any],
    data_dir: Path,
    staging: Path,
    options: BatchOptions,
) -> RunTask:
    authority = project.authority(entry.authority)
    allowed = [record["run_time"][:10]]
    allowed += [c.meeting_date.isoformat() for c in authority.committees.values()]
    return RunTask(
        key=run_key(entry.authority, entry.report),
        authority=entry.authority,
        report=entry.report,
        notebook=str(project.notebook(entry.report)),
        parameters=dict(record["parameters"]),
        cwd=str(project.root),
        staging=str(staging),
        data_folder=str(data_dir / entry.authority),
        allowed_dates=tuple(allowed),
        engine=options.engine,
        formats=tuple(options.formats),
        timeout=options.timeout,
    )


def _executor(options: BatchOptions, logs: Path) -> Executor:
    if options.executor == "dask":
        if not options.scheduler:
            raise OptionError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        if importlib.util.find_spec("distributed") is None:
            raise OptionError(
                "--executor dask needs the 'distributed' package: "
                "pip install 'safeguarding-reports[dask]' (scripts/bootstrap installs it)"
            )
        return dask_executor(options.scheduler)
    if options.executor != "local":
        raise OptionError(f"unknown executor {options.executor!r}; expected local or dask")
    return local_executor(options.jobs or os.cpu_count() or 1, logs / "workers.log")


def _outputs_present(quarter_dir: Path, record: dict[str, Any]) -> bool:
    return all((quarter_dir / name).is_file() for name in record.get("outputs", {}))


def _publish(quarter_dir: Path, staging: Path, result: RunResult) -> None:
    """Replace the run's published files with the staged ones, one ``os.replace`` each; a
    published format the run no longer makes is removed so the set stays consistent."""
    target = quarter_dir / result.authority
    target.mkdir(parents=True, exist_ok=True)
    for name in result.files:
        os.replace(staging / name, target / name)
    for suffix in OUTPUT_SUFFIXES:
        stale = target / f"{result.report}{suffix}"
        if stale.name not in result.files and stale.is_file():
            stale.unlink()


def _keep_failed_notebook(logs: Path, staging: Path, result: RunResult) -> None:
    executed = staging / f"{result.report}.ipynb"
    if executed.is_file():
        os.replace(executed, logs / f"{result.authority}-{result.report}.failed.ipynb")


def _update_manifest(manifest: Manifest, result: RunResult, record: dict[str, Any]) -> None:
    previous = manifest.published(result.key)
    entry = {
        **record,
        "status": result.status,
        "reason": result.reason,
        "timings": result.timings,
        "rendered": result.rendered,
        "finished": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    if result.status == "ok":
        quarter_dir = manifest.path.parent
        entry["outputs"] = {
            f"{result.authority}/{name}": FileHasher().sha256(quarter_dir / result.authority / name)
            for name in result.files
        }
    elif previous:
        # what stays published is the last good run's
        entry["published"] = {k: v for k, v in previous.items() if k != "published"}
    manifest.runs[result.key] = entry


def _write_run_log(logs: Path, result: RunResult, record: dict[str, Any]) -> None:
    lines = [
        f"run: {result.key}",
        f"status: {result.status}",
        f"run_time: {record.get('run_time', '')}",
        f"timings: {result.timings}",
        f"notebook: {record['notebook']['path']} {record['notebook']['sha256'][:12]}",
        f"library: {record['library']}",
    ]
    if result.reason:
        lines.append(f"reason: {result.reason}")
    lines += [f"finding: {f}" for f in result.findings]
    if result.note:
        lines.append(f"note: {result.note}")
    path = logs / f"{result.authority}-{result.report}.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_index(quarter_dir: Path, manifest: Manifest, project: Project, notes: list[str]) -> None:
    try:
        from .render import render_index
    except ImportError:
        return
    runs = []
    for record in manifest.runs.values():
        code = record["authority"]
        name = project.authorities[code].name if code in project.authorities else code
        runs.append(
            {
                **{
                    k: record.get(k)
                    for k in ("authority", "report", "status", "reason", "committee", "audience")
                },
                "authority_name": name,
            }
        )
    try:
        render_index(quarter_dir, runs)
    except Exception as exc:  # noqa: BLE001 - the index is a convenience; runs stand alone
        notes.append(f"the quarter index was not written: {one_line(str(exc))}")


def _write_batch_log(
    logs: Path, summary: BatchSummary, options: BatchOptions, seconds: float, prepare: float
) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    path = logs / f"batch-{stamp}.log"
    settings = {k: v for k, v in asdict(options).items() if k not in ("scheduler",)}
    text = [
        f"batch {stamp}: {settings}",
        f"seconds: {seconds:.1f} (of which preparing summaries and identifiers: {prepare:.1f})",
        "",
        summary.table(),
    ]
    text += [f"note: {n}" for n in summary.notes]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


class _Progress:
    """A tqdm bar on a terminal; one plain line per finished run otherwise."""

    def __init__(self, total: int, stream: TextIO, enabled: bool):
        self.total, self.stream, self.enabled = total, stream, enabled and total > 0
        self.bar = None

    def __enter__(self) -> _Progress:
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, file=self.stream, unit="report", desc="reports")
        return self

    def update(self, result: RunResult, done: int) -> None:
        if not self.enabled:
            return
        seconds = sum(result.timings.values())
        if self.bar is not None:
            self.bar.set_postfix_str(f"{result.key} {result.status}")
            self.bar.update(1)
        else:
            print(
                f"[{done}/{self.total}] {result.key} {result.status} {seconds:.1f}s",
                file=self.stream,
                flush=True,
            )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def iter_published(quarter_dir: Path) -> Iterator[Path]:
    """Every published report file of a quarter (for checks and tests)."""
    for path in sorted(quarter_dir.glob("*/*")):
        if path.suffix in OUTPUT_SUFFIXES and path.parent.name != "logs":
            yield path
