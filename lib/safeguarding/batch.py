"""The quarterly batch: every (authority × report) run of a quarter, published atomically.

For each run in the quarter's run plan (``params/runs/<YYYY-YY-Qn>.yaml`` or the default):

1. decide whether it must run: its fingerprint (parameters, notebook, library source, input
   and params checksums, formats; see :mod:`safeguarding.manifest`) against the published
   run's. Unchanged runs are skipped unless ``force``.
2. check the run's commentary (:mod:`safeguarding.commentary`; and the privacy scan, before
   anything renders it), execute the notebook (:mod:`safeguarding.engines`) into a staging
   folder inside the quarter's output folder (so the final move is a rename on one
   filesystem), render it (:func:`safeguarding.render.render_notebook`), and scan every
   staged file for child-level data and for paths of this machine (:mod:`safeguarding.privacy`);
3. only when all passed, publish the run (:mod:`safeguarding.publish`): the executed notebook
   to ``notebooks/``, the report's formats to ``public/`` or ``restricted/`` by its audience,
   all formats in one switch. A failed run publishes nothing: the previous good outputs stay.

One batch runs a quarter at a time (the quarter's lock); a killed batch's leftovers are
finished or removed by the next. Steps 2 are one run's work (:mod:`safeguarding.runs`), done in
an *executor* (:mod:`safeguarding.executors`): here, local worker processes or a Dask cluster,
all calling the same :func:`~safeguarding.runs.run_task`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from . import engines, privacy, publish, review
from . import summary as summary_module
from .exceptions import MissingInput, OptionError, SafeguardingError, UnknownName
from .executors import (
    DEFAULT_WORKER_TIMEOUT,
    Executor,
    dask_executor,
    local_executor,
)
from .manifest import FileHasher, Manifest, run_key
from .params import DEFAULT_DATA_DIR, Project, RunEntry, load_project, quarter_slug
from .periods import parse_period
from .prepare import prepare
from .publish import STAGED_REPORT, Layout
from .run_records import allowed_dates, choose_run_time, commentary_files, run_record, why_rerun
from .runs import FORMATS, OUTPUT_SUFFIXES, RunResult, RunTask, one_line, run_task

__all__ = [  # the runs' names, for the batch's users (the preview, plug-in executors)
    "FORMATS", "OUTPUT_SUFFIXES", "STAGED_REPORT", "RunResult", "RunTask", "one_line",
    "run_task", "BatchOptions", "BatchSummary", "run_batch", "iter_published",
]  # fmt: skip
from .validation import InputError

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
    formats: tuple[str, ...] | None = None  # for every run; None: each run plan entry's
    root: str | Path | None = None
    run_time: str | None = None  # fixes the run time (else SOURCE_DATE_EPOCH, else recorded)
    timeout: int = 600  # seconds per cell
    progress: bool = True
    wait: float = 0  # seconds to wait for another batch of the quarter (0: refuse at once)
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT  # Dask: seconds with no worker, then stop


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
    """Run a quarter. ``executor`` overrides the one ``options`` name (tests, plug-ins).

    Holds the quarter's lock throughout (:class:`~safeguarding.exceptions.BatchBusy` if
    another batch has it); a full disk stops the batch with
    :class:`~safeguarding.exceptions.DiskFull`, every published report the last good one."""
    stream = stream or sys.stderr
    project = load_project(options.root)
    period = parse_period(options.quarter)
    slug = quarter_slug(period)
    blocked = _commentary_problems(project, slug)
    notes: list[str] = []
    data_dir = ensure_data(project, notes, stream)
    plan = project.run_plan(period)
    _check_selection(project, plan.entries, options)
    plan = plan.select(options.authorities, options.reports)
    layout = Layout(project.root / "outputs" / slug)
    try:
        layout.logs.mkdir(parents=True, exist_ok=True)
        executor = executor or _executor(options, layout.logs)  # its option errors first
        lock = publish.QuarterLock(
            layout.lock_path, wait=options.wait, on_wait=lambda m: print(m, file=stream)
        )
        with lock, _signals_interrupt():
            if lock.stale:
                notes.append(f"the previous batch ({lock.stale}) did not finish")
            return _run_locked(project, period.label, plan.entries, options, executor, stream,
                               layout, data_dir, blocked, notes)  # fmt: skip
    except OSError as exc:
        if publish.disk_full(exc):
            raise publish.disk_full_error(Path(project.rel(layout.quarter_dir))) from None
        raise


def _run_locked(
    project: Project,
    quarter: str,
    entries: Sequence[RunEntry],
    options: BatchOptions,
    executor: Executor,
    stream: TextIO,
    layout: Layout,
    data_dir: Path,
    blocked: dict[str, str],
    notes: list[str],
) -> BatchSummary:
    """The batch, holding the quarter's lock."""
    manifest = Manifest.load(layout.manifest_path, quarter)
    notes.extend(publish.recover(layout, manifest))  # a killed batch's leftovers
    _note_old_layout(layout, notes)
    hasher = FileHasher(manifest.file_cache)
    staging_root = layout.staging_root / uuid.uuid4().hex[:12]
    started = time.perf_counter()

    rows: dict[str, SummaryRow] = {}
    tasks: list[RunTask] = []
    refused: list[RunResult] = []
    records: dict[str, dict[str, Any]] = {}
    fingerprints: dict[str, list[str]] = {}  # every run's, run or skipped: the review's keys
    for entry in entries:
        key = run_key(entry.authority, entry.report)
        formats = entry.formats if options.formats is None else options.formats
        record = run_record(project, entry, quarter, data_dir, hasher, formats=formats,
                            engine=options.engine, executor=options.executor)  # fmt: skip
        if record is not None:
            fingerprints.setdefault(entry.authority, []).append(record["fingerprint"])
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
        published = previous and _outputs_present(layout.quarter_dir, previous)
        if not options.force and published and previous.get("fingerprint") == record["fingerprint"]:
            rows[key] = SummaryRow(
                entry.authority, entry.report, "skipped", 0.0, "unchanged since the published run"
            )
            continue
        record["why"] = why_rerun(previous, record)
        record["run_time"] = choose_run_time(options.run_time, previous, record["fingerprint"])
        record["parameters"]["run_time"] = record["run_time"]
        records[key] = record
        task = _task(project, entry, record, data_dir, staging_root / key, options)
        if entry.authority in blocked:
            refused.append(RunResult.failure(task, blocked[entry.authority]))
        else:
            tasks.append(task)

    runs = [(e.authority, e.report) for e in entries]
    review_keys = review.review_keys(project, quarter, fingerprints, hasher)
    review_cache = layout.logs / review.REVIEW_CACHE
    jobs = options.jobs or os.cpu_count() or 1  # the review runs here, whatever the executor
    reviewed: review.Reviewed = {}

    def review_meanwhile() -> None:
        reviewed.update(review.reviewed(project, data_dir, quarter, runs, review_keys,
                                        review_cache, jobs))  # fmt: skip

    prepare_seconds = 0.0
    if tasks:
        start = time.perf_counter()
        codes = list(dict.fromkeys(t.authority for t in tasks))
        try:
            identifiers = _prepare_warming(
                project, data_dir, quarter, codes, options, tasks, notes, executor,
                review_meanwhile,
            )  # fmt: skip
        except BaseException:
            _release(executor)
            raise
        tasks = [replace(t, identifiers=identifiers.get(t.authority)) for t in tasks]
        prepare_seconds = time.perf_counter() - start
        # no report without data: a quarter outside an authority's records fails its runs
        period = parse_period(quarter)
        gaps = {c: summary_module.uncovered(project, data_dir, c, period) for c in codes}
        for t in [t for t in tasks if gaps[t.authority]]:
            rows[t.key] = SummaryRow(t.authority, t.report, "failed", 0.0, gaps[t.authority])
        tasks = [t for t in tasks if not gaps[t.authority]]

    done = 0

    def on_result(result: RunResult) -> None:
        nonlocal done
        done += 1
        record = records[result.key]
        staging = staging_root / result.key
        if result.status == "ok":
            entry = _manifest_entry(result, record)
            entry["outputs"] = publish.staged_outputs(
                layout, staging, result.authority, result.report, record["audience"]
            )
            entry["meta"] = _staged_meta(staging / f"{result.report}.ipynb")
            publish.publish_run(layout, manifest, result.key, entry, staging)
        else:
            if result.keep_notebook:
                _keep_failed_notebook(layout.logs, staging, result)
            _record_failure(manifest, result, record)
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
        _write_run_log(layout.logs, result, record)
        progress.update(result, done)

    with _Progress(len(tasks) + len(refused), stream, options.progress) as progress:
        try:
            for result in refused:
                on_result(result)
            if tasks:  # a rerun with nothing changed starts no workers
                executor(tasks, on_result)
        except (KeyboardInterrupt, SafeguardingError):
            # the batch stops (interrupted, no Dask workers): what finished stays published
            # and indexed; a full disk (OSError) is left alone, nothing more can be written
            with contextlib.suppress(Exception):
                _write_index(layout, manifest, project, notes)
            raise
        finally:
            _release(executor)  # workers started while preparing, if no run used them
            shutil.rmtree(staging_root, ignore_errors=True)
            with contextlib.suppress(OSError):
                staging_root.parent.rmdir()
    manifest.save()
    _write_index(layout, manifest, project, notes)
    ordered = [
        rows[run_key(e.authority, e.report)]
        for e in entries
        if run_key(e.authority, e.report) in rows
    ]
    summary = BatchSummary(quarter, ordered, notes, manifest.path, None)
    summary.log = _write_batch_log(
        layout.logs, summary, options, time.perf_counter() - started, prepare_seconds
    )
    summary.review = review.for_batch(project, data_dir, quarter, runs, summary.log, review_keys,
                                      review_cache, jobs, reviewed or None)  # fmt: skip
    return summary


def _commentary_problems(project: Project, slug: str) -> dict[str, str]:
    """``{authority: the first problem}`` in this quarter's commentary front matter and
    layout: those authorities' runs fail, the others go ahead. A problem in another
    quarter's commentary stops the batch, as any other parameter problem does."""
    prefix = f"params/commentary/{slug}/"
    blocked: dict[str, str] = {}
    others = []
    for issue in project.check():
        parts = issue.file[len(prefix) :].split("/") if issue.file.startswith(prefix) else []
        if len(parts) == 2 and parts[0] in project.authorities:
            blocked.setdefault(parts[0], str(issue).removeprefix("error: "))
        else:
            others.append(issue)
    if others:
        raise InputError(others)
    return blocked


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP interrupt the batch as Ctrl-C does, so its clean-up runs (workers
    killed, staging removed, the lock released). Only in the main thread, where Python
    delivers signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _note_old_layout(layout: Layout, notes: list[str]) -> None:
    """Reports published before the public/restricted boundary sit in per-authority folders
    at the quarter's top level; say so once (they are not removed: someone may link them)."""
    known = {"public", "restricted", "notebooks", "logs"}
    old = [p.name for p in layout.quarter_dir.iterdir() if p.is_dir() and p.name[0] != "."]
    old = sorted(name for name in old if name not in known)
    if old:
        notes.append(
            f"{', '.join(old)} under {layout.quarter_dir.name}/ hold(s) reports in the old layout "
            "(before public/ and restricted/): delete them once nothing links to them"
        )


# --- preparing the authorities (safeguarding.prepare), the warm kernel meanwhile ---------------


def _prepare_warming(
    project: Project,
    data_dir: Path,
    quarter: str,
    codes: list[str],
    options: BatchOptions,
    tasks: Sequence[RunTask],
    notes: list[str],
    executor: Executor,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, privacy.PackedIdentifiers]:
    """:func:`prepare`, and the runs' kernels starting meanwhile when one authority is
    prepared (its records read here, on one core, while the other is idle: the analyst's
    rerun after changing one authority's data). A single run executes in this process
    (:func:`~safeguarding.executors.local_executor`), so its warm kernel starts here; several
    start the local pool's workers, each warming its kernel (about 3 s before a first run).
    ``meanwhile``: work for after a single run's preparing, while its kernel still warms up
    (the batch's review list)."""
    if not (len(codes) == 1 and options.executor == "local" and options.engine == "fast"):
        return prepare(project, data_dir, quarter, codes, options.jobs, notes)
    start_workers = getattr(executor, "start_workers", None)
    if len(tasks) > 1:
        if start_workers is not None:
            # an unreadable notebook or a kernel that cannot start is the runs' to report
            with contextlib.suppress(Exception):
                start_workers(len(tasks), engines.kernel_for(tasks[0].notebook))
        return prepare(project, data_dir, quarter, codes, options.jobs, notes)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="prepare") as pool:
        prepared = pool.submit(
            _prepare_then_import, project, data_dir, quarter, codes, options.jobs, notes,
            meanwhile,
        )  # fmt: skip
        with contextlib.suppress(Exception):  # the run starts it again and reports why not
            engines.warm_kernel(engines.kernel_for(tasks[0].notebook))
        return prepared.result()


def _prepare_then_import(
    project: Project,
    data_dir: Path,
    quarter: str,
    codes: list[str],
    jobs: int,
    notes: list[str],
    meanwhile: Callable[[], None] | None,
) -> dict[str, privacy.PackedIdentifiers]:
    """:func:`prepare`, then the modules the single run's render and the review list import
    (about 0.7 s) and ``meanwhile``: one authority is prepared sooner than its kernel warms
    up, so they are done here while the core would be idle, not after the notebook has run."""
    found = prepare(project, data_dir, quarter, codes, jobs, notes)
    for module in ("safeguarding.render", "safeguarding.report"):
        with contextlib.suppress(ImportError):  # a batch without the renderer still runs
            importlib.import_module(module)
    if meanwhile is not None:
        with contextlib.suppress(Exception):  # done again after the runs, which report it
            meanwhile()
    return found


def _release(executor: Executor) -> None:
    release = getattr(executor, "release", None)
    if release is not None:
        release()


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


def _task(
    project: Project,
    entry: RunEntry,
    record: dict[str, Any],
    data_dir: Path,
    staging: Path,
    options: BatchOptions,
) -> RunTask:
    quarter = record["parameters"]["quarter"]
    return RunTask(
        key=run_key(entry.authority, entry.report),
        authority=entry.authority,
        report=entry.report,
        notebook=str(project.notebook(entry.report)),
        parameters=dict(record["parameters"]),
        cwd=str(project.root),
        staging=str(staging),
        data_folder=str(data_dir / entry.authority),
        workbooks=tuple(map(str, project.settings.annex_a_files(entry.authority))),
        allowed_dates=allowed_dates(project, entry.authority, record["run_time"]),
        engine=options.engine,
        formats=tuple(record["formats"]),
        timeout=options.timeout,
        audience=entry.audience,
        project_root=str(project.root),
        commentary=tuple(str(p) for p in commentary_files(project, entry.authority, quarter)),
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
        return dask_executor(options.scheduler, worker_timeout=options.worker_timeout)
    if options.executor != "local":
        raise OptionError(f"unknown executor {options.executor!r}; expected local or dask")
    return local_executor(options.jobs or os.cpu_count() or 1, logs / "workers.log")


def _outputs_present(quarter_dir: Path, record: dict[str, Any]) -> bool:
    return all((quarter_dir / name).is_file() for name in record.get("outputs", {}))


def _keep_failed_notebook(logs: Path, staging: Path, result: RunResult) -> None:
    executed = staging / f"{result.report}.ipynb"
    if executed.is_file():
        os.replace(executed, logs / f"{result.authority}-{result.report}.failed.ipynb")


def _manifest_entry(result: RunResult, record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "status": result.status,
        "reason": result.reason,
        "timings": result.timings,
        "rendered": result.rendered,
        "finished": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def _record_failure(manifest: Manifest, result: RunResult, record: dict[str, Any]) -> None:
    """A failed run's record; what stays published is the last good run's."""
    previous = manifest.published(result.key)
    entry = _manifest_entry(result, record)
    if previous:
        entry["published"] = {k: v for k, v in previous.items() if k != "published"}
    manifest.runs[result.key] = entry
    manifest.save()


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


def _write_index(layout: Layout, manifest: Manifest, project: Project, notes: list[str]) -> None:
    """``public/index.html`` (the public reports) and ``internal-index.html`` (every run, its
    status and all its files)."""
    try:
        from .render import read_meta, render_index
    except ImportError:
        return
    internal, public = [], []
    for key, record in sorted(manifest.runs.items()):
        code = record["authority"]
        shown = manifest.published(key) or {}
        outputs = shown.get("outputs") or {}
        notebook = next((p for p in outputs if p.endswith(".ipynb")), None)
        # recorded at publishing; read from the notebook (2-3 MB of JSON) for older runs only
        meta = shown.get("meta")
        if meta is None:
            meta = read_meta(layout.quarter_dir / notebook) if notebook else {}
        run = {
            **{k: record.get(k) for k in ("authority", "report", "status", "reason")},
            **{k: record.get(k) for k in ("committee", "audience")},
            "authority_name": project.authorities[code].name
            if code in project.authorities
            else code,
            "meta": meta,
        }
        internal.append({**run, "files": {Path(p).suffix[1:]: p for p in outputs}})
        shared = {
            Path(p).suffix[1:]: p.removeprefix("public/")
            for p in outputs
            if p.startswith("public/")
        }
        if shared:
            public.append({**run, "status": "ok", "reason": "", "files": shared})
    try:
        render_index(layout.public, public, internal=False)
        render_index(layout.quarter_dir, internal, out_name=layout.internal_index.name)
    except OSError:
        raise  # a full disk is the batch's to report
    except Exception as exc:  # noqa: BLE001 - the index is a convenience; runs stand alone
        notes.append(f"the quarter index was not written: {one_line(str(exc))}")


def _staged_meta(executed: Path) -> dict[str, Any]:
    """The report metadata the run's notebook displayed, for the quarter's index."""
    try:
        from .render import read_meta

        return read_meta(executed)
    except (ImportError, OSError, ValueError):  # no renderer, or no notebook: no metadata
        return {}


def _write_batch_log(
    logs: Path, summary: BatchSummary, options: BatchOptions, seconds: float, prepare: float
) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    path = logs / f"batch-{stamp}.log"
    settings = {k: v for k, v in asdict(options).items() if k not in ("scheduler",)}
    if options.formats is None:
        settings["formats"] = "the run plan's"
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
    """Every published file of a quarter (for checks and tests; see :meth:`Layout.files`)."""
    return Layout(quarter_dir).files()
