"""A live preview of one report: a resident process that rebuilds it on every change.

``safeguarding preview --authority 901 --report quarterly_scorecard`` runs the report through
the batch's own run (:func:`safeguarding.batch.run_task`: execute, render, privacy scan) in a
warm kernel that stays up between builds, serves the latest HTML on 127.0.0.1 and reloads the
page when a watched file changes: the analyst's commentary, targets, settings, the notebook,
the library, or the authority's data (whose summary alone is then prepared again, through the
summary cache). PDF and Word are rendered on request from the last executed notebook. Nothing
is published: builds live under ``.cache/preview/``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import batch, engines, privacy, run_records
from .exceptions import ParameterError, PeriodError, UnknownName
from .params import Project, RunEntry, load_project
from .params.records import FORMAT_NAMES
from .periods import parse_period

HOST = "127.0.0.1"  # never another interface: the preview shows restricted figures too
POLL_SECONDS = 0.1
FORMAT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
Stamps = dict[str, tuple[int, int]]


def latest_quarter(project: Project) -> str:
    """The newest quarter with a run plan under ``params/runs/`` (the analyst's current one)."""
    quarters = []
    for path in (project.params_dir / "runs").glob("*.yaml"):
        try:
            quarters.append(parse_period(path.stem.replace("-Q", " Q")))
        except PeriodError:  # a stray file name is not a quarter: skip it
            continue
    if not quarters:
        raise ParameterError("no run plan under params/runs/: give --quarter, e.g. '2024-25 Q2'")
    return max(quarters).label


def plan_entry(project: Project, authority: str, report: str, quarter: str) -> RunEntry:
    """The run plan's entry for this authority and report (its committee and audience)."""
    project.authority(authority)  # an unknown code is one clear line
    plan = project.run_plan(quarter).select([authority], [report])
    if not plan.entries:
        known = sorted({e.report for e in project.run_plan(quarter).entries})
        raise UnknownName(
            f"report {report!r} is not in the {quarter} run plan for {authority} "
            f"(reports: {', '.join(known)})"
        )
    return plan.entries[0]


def stamps(paths: Iterable[Path]) -> Stamps:
    """Modification time and size of every file under ``paths`` (folders walked)."""
    out: Stamps = {}
    for path in paths:
        if path.is_dir():
            files: Iterable[Path] = (p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            files = (path,)
        else:
            continue
        for f in files:
            if f.name.startswith(".") or "__pycache__" in f.parts:
                continue
            try:
                st = f.stat()
            except OSError:  # removed between listing and stat: the next poll sees it
                continue
            out[str(f)] = (st.st_mtime_ns, st.st_size)
    return out


def changed(before: Stamps, after: Stamps) -> list[str]:
    """The files added, removed or modified between two :func:`stamps`."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))




def loaded_here(files: Iterable[str]) -> list[str]:
    """Those of ``files`` that are modules this process has imported (the preview's own side
    of a build: the run, the renderer, the privacy scan), which a changed file does not
    reach until the preview restarts."""
    loaded = {
        str(Path(m.__file__).resolve())
        for m in list(sys.modules.values())
        if getattr(m, "__file__", None)
    }
    return [f for f in files if str(Path(f).resolve()) in loaded]


@dataclass
class Build:
    """One build's outcome: the folder holding its files, or the reason it failed."""

    number: int
    ok: bool
    reason: str = ""
    folder: Path | None = None
    seconds: float = 0.0
    finished: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # the batch's steps, in seconds
    restart: bool = False  # the library changed under this process: only a new one shows it


@dataclass
class PreviewSession:
    """One authority's report, rebuilt on demand through the batch's own run."""

    project: Project
    entry: RunEntry
    quarter: str
    engine: str = engines.DEFAULT_ENGINE
    builds: list[Build] = field(default_factory=list)

    def __post_init__(self) -> None:
        from . import __file__ as library_init

        self.library = Path(library_init).parent
        self.root = self.project.root / ".cache" / "preview" / f"{self.entry.authority}-"
        self.root = self.root.with_name(self.root.name + self.entry.report)
        self._identifiers: tuple[Stamps, privacy.Identifiers] | None = None
        self._lock = threading.Lock()
        self.seen: dict[str, Stamps] = {}  # the watched files as the latest build read them

    # -- what is watched -------------------------------------------------------------------
    @property
    def data_folder(self) -> Path:
        return self.project.data_dir / self.entry.authority

    @property
    def workbooks(self) -> list[Path]:
        """The authority's Annex A workbooks (settings' ``annex_a:``), read as its data."""
        return list(self.project.settings.annex_a_files(self.entry.authority))

    def watched(self) -> dict[str, list[Path]]:
        """The files a build reads, by kind: a data change re-reads identifiers too."""
        shared_data = [p for p in self.project.data_dir.glob("*") if p.is_file()]
        return {
            "params": [self.project.params_dir],
            "notebook": [self.project.notebook(self.entry.report)],
            "library": [self.library],
            "data": [
                self.data_folder,
                *shared_data,
                *self.project.settings.named_inputs(self.entry.authority),
            ],
        }

    def snapshot(self) -> dict[str, Stamps]:
        return {kind: stamps(paths) for kind, paths in self.watched().items()}

    # -- building --------------------------------------------------------------------------
    def identifiers(self) -> privacy.Identifiers:
        """The authority's child-level values for the scan, read again only when its data
        files change."""
        now = stamps([self.data_folder, *self.workbooks])
        if self._identifiers is None or self._identifiers[0] != now:
            found = privacy.identifiers_from_inputs(self.data_folder, self.workbooks)
            self._identifiers = (now, found)
        return self._identifiers[1]

    def task(self, staging: Path, formats: tuple[str, ...]) -> batch.RunTask:
        """The batch's task for this run, with the preview's staging folder and formats."""
        e = self.entry
        run_time = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        parameters = run_records.run_parameters(e, self.quarter, run_time, str(self.project.root))
        return batch.RunTask(
            key=f"preview-{e.authority}-{e.report}",
            authority=e.authority,
            report=e.report,
            notebook=str(self.project.notebook(e.report)),
            parameters=parameters,
            cwd=str(self.project.root),
            staging=str(staging),
            data_folder=str(self.data_folder),
            workbooks=tuple(str(p) for p in self.workbooks),
            allowed_dates=run_records.allowed_dates(self.project, e.authority, run_time),
            engine=self.engine,
            formats=formats,
            timeout=600,
            identifiers=self.identifiers(),
        )

    def build(self, formats: tuple[str, ...] = ("html",)) -> Build:
        """Run the report once (execute, render ``formats``, scan) into a fresh folder; the
        previous good build stays until this one has succeeded."""
        with self._lock:
            number = len(self.builds) + 1
            folder = self.root / f"build-{number}"
            shutil.rmtree(folder, ignore_errors=True)
            start = time.perf_counter()
            before, self.seen = self.seen, self.snapshot()  # an edit during the build is seen
            library = changed(before["library"], self.seen["library"]) if before else []
            if library:
                engines.shutdown_kernels()  # the next kernel imports the changed library
                stale = loaded_here(library)
                if stale:
                    reason = (
                        f"the library's {Path(stale[0]).name} changed, and this process runs "
                        "it: restart safeguarding preview to see its effect (the command "
                        "restarts itself)"
                    )
                    failed = batch.RunResult("", "", "", "failed", reason)
                    outcome = self._finish(number, folder, failed, start)
                    outcome.restart = True
                    return outcome
            self.project = load_project(self.project.root)  # settings and params re-read
            self._warm()
            result = batch.run_task(self.task(folder, formats))
            return self._finish(number, folder, result, start)

    def _warm(self) -> None:
        """Start the warm kernel if it is not up: it keeps the charts it drew in memory
        (:mod:`safeguarding.charts`' cache), so an edit that changes no figure redraws none."""
        if self.engine != "fast":
            return
        engines.warm_kernel(engines.kernel_for(self.project.notebook(self.entry.report)))

    def _finish(self, number: int, folder: Path, result: batch.RunResult, start: float) -> Build:
        """Record the build; a good one replaces the previous good build's files."""
        seconds = round(time.perf_counter() - start, 2)
        when = dt.datetime.now().strftime("%H:%M:%S")
        if result.status == "ok":
            outcome = Build(number, True, "", folder, seconds, when, result.timings)
            for old in self.builds:
                if old.folder and old.folder != folder:
                    shutil.rmtree(old.folder, ignore_errors=True)
                    old.folder = None
        else:
            shutil.rmtree(folder, ignore_errors=True)
            outcome = Build(number, False, result.reason, None, seconds, when, result.timings)
        self.builds.append(outcome)
        return outcome

    @property
    def good(self) -> Build | None:
        """The newest build that succeeded."""
        return next((b for b in reversed(self.builds) if b.ok and b.folder), None)

    @property
    def latest(self) -> Build | None:
        return self.builds[-1] if self.builds else None

    def document(self, fmt: str) -> Path | None:
        """The newest good build's file in ``fmt``; PDF and Word rendered on first request."""
        good = self.good
        if good is None or good.folder is None:
            return None
        # a run stages its notebook beside the folder of its rendered report
        path = good.folder / batch.STAGED_REPORT / f"{self.entry.report}.{fmt}"
        if not path.is_file() and fmt != "html":
            from .render import render_notebook

            with self._lock:
                executed = good.folder / f"{self.entry.report}.ipynb"
                render_notebook(executed, path.parent, formats=[fmt], run_time=None)
        return path if path.is_file() else None

    def close(self) -> None:
        engines.shutdown_kernels()


# --- the page --------------------------------------------------------------------------------

RELOAD_SCRIPT = """<script nonce="{nonce}">
(function () {{
  var seen = "{version}";
  var key = "safeguarding-preview-scroll";
  var y = sessionStorage.getItem(key);
  if (y !== null) {{ window.scrollTo(0, parseInt(y, 10)); sessionStorage.removeItem(key); }}
  setInterval(function () {{
    fetch("/__version", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
      .then(function (v) {{
        if (v === seen) {{ return; }}
        sessionStorage.setItem(key, String(window.scrollY));
        location.reload();
      }}).catch(function () {{}});
  }}, 300);
}})();
</script>"""

BANNER = (
    '<div role="status" style="position:sticky;top:0;z-index:9;background:#0b0c0c;color:#fff;'
    'padding:.4em 1em;font:14px/1.4 sans-serif">{text}</div>'
)
CSP = re.compile(r"""<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>""", re.I)


def live_page(page: str, version: str, banner: str) -> str:
    """The report's HTML with the preview's banner and reload script. The published page
    forbids scripts; this copy (served only on 127.0.0.1) allows exactly its own, by nonce,
    and nothing else."""
    nonce = secrets.token_urlsafe(12)
    policy = (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"script-src 'nonce-{nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    page = CSP.sub("", page)
    page = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + meta, page, count=1, flags=re.I)
    script = RELOAD_SCRIPT.format(nonce=nonce, version=html.escape(version))
    page = re.sub(
        r"(<body[^>]*>)",
        lambda m: m.group(1) + BANNER.format(text=banner),
        page,
        count=1,
        flags=re.I,
    )
    return page.replace("</body>", script + "</body>", 1) if "</body>" in page else page + script


def status_page(session: PreviewSession, version: str) -> str:
    """What is served before the first good build: the reason, in one line."""
    latest = session.latest
    text = "Building the report…" if latest is None else f"The build failed: {latest.reason}"
    body = f"<main><h1>Preview</h1><p>{html.escape(text)}</p></main>"
    head = '<meta charset="utf-8"><title>Preview</title>'
    return live_page(
        f"<!DOCTYPE html><html lang='en-GB'><head>{head}</head><body>{body}</body></html>",
        version,
        "Preview",
    )


def banner_text(session: PreviewSession) -> str:
    e = session.entry
    latest, good = session.latest, session.good
    text = (
        f"Preview of {e.authority} {e.report} ({e.audience}), {session.quarter}: not published. "
        f"Build {good.number} at {good.finished} in {good.seconds:.1f} s."
        if good
        else "Preview"
    )
    if latest is not None and not latest.ok:
        text += f" The latest build ({latest.number}) failed: {latest.reason}"
    links = [f'<a style="color:#fff" href="/report.{fmt}">{FORMAT_NAMES[fmt]}</a>'
             for fmt in e.formats if fmt != "html"]  # fmt: skip
    if links:
        text += " " + " · ".join(links)
    if "html" not in e.formats:
        text += " (its committee takes no HTML: formats: in the run plan or authorities.yaml)"
    return text


class PreviewServer:
    """The HTTP side: the latest page, its version, and PDF/Word on request."""

    def __init__(self, session: PreviewSession, port: int = 0):
        self.session = session
        self.version = "0"
        handler = self._handler()
        self.httpd = ThreadingHTTPServer((HOST, port), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def bump(self) -> None:
        self.version = str(int(self.version) + 1)

    def page(self) -> str:
        path = self.session.document("html")
        if path is None:
            return status_page(self.session, self.version)
        text = path.read_text(encoding="utf-8")
        return live_page(text, self.version, banner_text(self.session))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: the terminal shows builds
                return

            def _send(self, code: int, body: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                route = self.path.split("?", 1)[0]
                if route == "/__version":
                    return self._send(200, server.version.encode(), "text/plain")
                if route in ("/", "/index.html"):
                    return self._send(200, server.page().encode("utf-8"), FORMAT_TYPES["html"])
                match = re.fullmatch(r"/report\.(pdf|docx|html)", route)
                if match and match.group(1) not in (*server.session.entry.formats, "html"):
                    name = FORMAT_NAMES[match.group(1)]
                    text = (
                        f"this report's committee does not take {name} (formats: in the run "
                        "plan or params/authorities.yaml), so it is not rendered"
                    )
                    return self._send(404, text.encode(), "text/plain; charset=utf-8")
                if match:
                    try:
                        path = server.session.document(match.group(1))
                    except Exception as exc:  # noqa: BLE001 - one line to the browser
                        text = f"could not render: {type(exc).__name__}: {exc}"
                        return self._send(500, text.encode(), "text/plain; charset=utf-8")
                    if path is None:
                        return self._send(404, b"no good build yet", "text/plain")
                    return self._send(200, path.read_bytes(), FORMAT_TYPES[match.group(1)])
                return self._send(404, b"not found", "text/plain")

        return Handler


def watch(
    session: PreviewSession,
    on_build: Callable[[Build, list[str]], None],
    stop: threading.Event,
    poll: float = POLL_SECONDS,
) -> None:
    """Rebuild whenever a watched file differs from what the latest build read, until
    ``stop`` is set. Changes that arrive while a build runs are picked up by the next poll."""
    while not stop.is_set():
        after = session.snapshot()
        before = session.seen
        touched = [f for kind in after for f in changed(before.get(kind, {}), after[kind])]
        if touched:
            on_build(session.build(), touched)
        else:
            stop.wait(poll)


def open_session(
    authority: str,
    report: str,
    quarter: str = "",
    root: Path | None = None,
    engine: str = engines.DEFAULT_ENGINE,
) -> PreviewSession:
    """A preview session for the run plan's entry of ``authority`` × ``report``."""
    project = load_project(root)
    batch.ensure_data(project, [], sys.stderr)
    quarter = parse_period(quarter).label if quarter else latest_quarter(project)
    entry = plan_entry(project, str(authority), report, quarter)
    return PreviewSession(project, entry, quarter, engine)
