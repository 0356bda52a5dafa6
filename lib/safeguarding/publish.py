"""Publishing a quarter: what may go on a website, one batch at a time, a report all at once.

The quarter's folder has a boundary on disk (:class:`Layout`)::

    outputs/<YYYY-YY-Qn>/
      public/index.html                                   the public reports' index
      public/<authority>/<report>/<report>.{html,pdf,docx}  public-audience reports only
      restricted/<authority>/<report>/<report>.{…}        restricted reports (not for publication)
      notebooks/<authority>/<report>.ipynb                executed notebooks (internal)
      internal-index.html                                 every report, failures and notebooks
      manifest.json  logs/  .staging/  .lock

Publishing to the web is copying ``public/`` and nothing else.

* **One batch per quarter** (:class:`QuarterLock`): an exclusive ``flock`` on ``.lock``, which
  names its holder (pid, host, start, command). A second batch refuses (or waits), saying who
  holds it; a lock file whose holder died (the kernel released its ``flock``) is stale, and
  the next batch says so and takes over.
* **A report's formats switch together** (:func:`switch_folder`): each report is one folder,
  staged complete, then exchanged with the published one in a single ``renameat2
  (RENAME_EXCHANGE)`` where the system has it (Linux), else moved aside and into place (the
  report is briefly absent, never mixed). A reader never sees a new HTML beside an old PDF.
* **Interrupted publishing is finished or undone** (:func:`recover`): the manifest journals
  each publish (:meth:`~safeguarding.manifest.Manifest.begin`/``commit``), so the next batch
  completes a publish whose staged files survive, and otherwise records what is on disk, so
  the manifest always matches the published files byte for byte. Stale staging is removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import sha256_file
from .exceptions import BatchBusy, DiskFull
from .manifest import Manifest
from .params.records import AUDIENCES, FORMATS

REPORT_FORMATS = tuple(f".{f}" for f in FORMATS)
STAGED_REPORT = "report"  # a run's staged report folder, beside its executed notebook
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DISK_FULL_WORDS = ("No space left on device", "File too large", "Disk quota exceeded")


# --- the layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each of a quarter's outputs lives (see the module docstring)."""

    quarter_dir: Path

    @property
    def public(self) -> Path:
        return self.quarter_dir / "public"

    @property
    def notebooks(self) -> Path:
        return self.quarter_dir / "notebooks"

    @property
    def logs(self) -> Path:
        return self.quarter_dir / "logs"

    @property
    def staging_root(self) -> Path:
        return self.quarter_dir / ".staging"

    @property
    def lock_path(self) -> Path:
        return self.quarter_dir / ".lock"

    @property
    def manifest_path(self) -> Path:
        return self.quarter_dir / "manifest.json"

    @property
    def internal_index(self) -> Path:
        return self.quarter_dir / "internal-index.html"

    def audience_dir(self, audience: str) -> Path:
        return self.quarter_dir / ("public" if audience == "public" else "restricted")

    def report_dir(self, audience: str, authority: str, report: str) -> Path:
        return self.audience_dir(audience) / authority / report

    def notebook(self, authority: str, report: str) -> Path:
        return self.notebooks / authority / f"{report}.ipynb"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.quarter_dir).as_posix()

    def files(self) -> Iterator[Path]:
        """Every published file: reports under public/ and restricted/, executed notebooks
        under notebooks/ (the public index aside: it lists the reports, rewritten by every
        batch)."""
        for top in (self.public, self.audience_dir("restricted"), self.notebooks):
            for path in sorted(top.rglob("*")) if top.is_dir() else ():
                if path.is_file() and path != self.public / "index.html":
                    yield path

    def published_files(self) -> dict[str, str]:
        """``{relative path: sha256}`` of every published file (:meth:`files`)."""
        return {self.rel(p): sha256_file(p) for p in self.files()}


# --- one batch per quarter -------------------------------------------------------------------


def _holder_text(info: dict[str, Any]) -> str:
    return (
        f"pid {info.get('pid', '?')} on host {info.get('host', '?')}, "
        f"started {info.get('started', '?')}"
    )


class QuarterLock:
    """The quarter's lock, held for the whole batch (a context manager).

    ``wait``: seconds to wait for another batch to finish (0: refuse at once). ``on_wait`` is
    told once who is being waited for."""

    def __init__(
        self,
        path: Path,
        wait: float = 0,
        on_wait: Callable[[str], None] | None = None,
        poll: float = 0.5,
    ):
        self.path, self.wait, self.on_wait, self.poll = path, wait, on_wait, poll
        self.fd: int | None = None
        self.stale: str | None = None  # the dead holder's description, when there was one

    def __enter__(self) -> QuarterLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder_text(_read_holder(fd))
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise BatchBusy(
                        f"another batch is running {self.path.parent.name} ({holder}); "
                        "wait for it to finish, or run with --wait SECONDS"
                    ) from None
                if self.on_wait and not told:
                    self.on_wait(
                        f"waiting for the batch running {self.path.parent.name} ({holder})"
                    )
                    told = True
                time.sleep(self.poll)
        previous = _read_holder(fd)
        if previous:
            self.stale = _holder_text(previous)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "command": " ".join(sys.argv[:6]),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self.fd is None:
            return
        # emptied, not removed: a batch waiting on this file's lock must not end up holding
        # the lock of a file no longer at this path
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {"pid": "?", "host": "?", "started": "?"}


# --- switching a report's folder ---------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def switch_folder(new: Path, live: Path) -> Path | None:
    """Put the folder ``new`` at ``live`` in one step. Returns where the previous content now
    is (inside ``new``'s parent, for the caller to delete), or None if there was none."""
    live.parent.mkdir(parents=True, exist_ok=True)
    if not live.exists():
        os.rename(new, live)
        return None
    if _exchange(new, live):
        return new
    aside = new.with_name(new.name + ".previous")
    os.rename(live, aside)
    os.rename(new, live)
    return aside


def remove_folder(folder: Path, trash: Path) -> None:
    """Take ``folder`` out of the published tree in one rename, then delete it."""
    if not folder.exists():
        return
    trash.parent.mkdir(parents=True, exist_ok=True)
    os.rename(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


# --- publishing one run ------------------------------------------------------------------------


def staged_outputs(
    layout: Layout, staging: Path, authority: str, report: str, audience: str
) -> dict[str, str]:
    """``{published path: sha256}`` of a staged run's files (the same bytes once moved)."""
    outputs = {}
    notebook = staging / f"{report}.ipynb"
    if notebook.is_file():
        outputs[layout.rel(layout.notebook(authority, report))] = sha256_file(notebook)
    folder = staging / STAGED_REPORT
    target = layout.report_dir(audience, authority, report)
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.is_file():
            outputs[layout.rel(target / path.name)] = sha256_file(path)
    return outputs


def publish_run(
    layout: Layout,
    manifest: Manifest,
    key: str,
    entry: dict[str, Any],
    staging: Path,
) -> None:
    """Publish a staged run (its checked files in ``staging``) and record ``entry``: the
    journal first, then the notebook, then the report folder in one switch, then the commit.
    """
    manifest.begin(key, entry, layout.rel(staging))
    _apply(layout, entry, staging)
    manifest.commit(key)
    for leftover in (staging / f"{STAGED_REPORT}.previous", staging / STAGED_REPORT):
        shutil.rmtree(leftover, ignore_errors=True)


def _apply(layout: Layout, entry: dict[str, Any], staging: Path) -> None:
    """Move what is staged into place; safe to repeat (what already moved is not there)."""
    authority, report, audience = entry["authority"], entry["report"], entry["audience"]
    notebook = staging / f"{report}.ipynb"
    if notebook.is_file():
        live = layout.notebook(authority, report)
        live.parent.mkdir(parents=True, exist_ok=True)
        os.replace(notebook, live)
    folder = staging / STAGED_REPORT
    target = layout.report_dir(audience, authority, report)
    wanted = {k for k in entry.get("outputs", {}) if not k.startswith("notebooks/")}
    if folder.is_dir() and _checksums(layout, folder, target) == {
        k: entry["outputs"][k] for k in wanted
    }:
        if wanted:
            switch_folder(folder, target)
        else:
            remove_folder(target, staging / "previous-report")  # a run without formats
    # the same report published for the other audience before: no longer
    for other in AUDIENCES:
        if other != audience:
            remove_folder(layout.report_dir(other, authority, report), staging / f"old-{other}")


def _checksums(layout: Layout, folder: Path, target: Path) -> dict[str, str]:
    return {
        layout.rel(target / p.name): sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()
    }


def recover(layout: Layout, manifest: Manifest) -> list[str]:
    """Finish or undo the publishing a killed batch left journalled, then remove stale
    staging. Returns notes for the summary. Call it holding the quarter's lock."""
    notes = []
    for key, pending in sorted(manifest.pending.items()):
        entry, staging = pending["entry"], layout.quarter_dir / pending["staging"]
        if staging.is_dir():
            _apply(layout, entry, staging)
        wanted = entry.get("outputs", {})
        live = {
            k: sha256_file(layout.quarter_dir / k)
            for k in wanted
            if (layout.quarter_dir / k).is_file()
        }
        if live == wanted:
            manifest.runs[key] = entry
            notes.append(f"{key}: finished publishing it (the previous batch was interrupted)")
        else:
            previous = manifest.published(key) or {}
            on_disk = {
                k: sha256_file(layout.quarter_dir / k)
                for k in {**wanted, **previous.get("outputs", {})}
                if (layout.quarter_dir / k).is_file()
            }
            manifest.runs[key] = {
                **entry,
                "status": "failed",
                "reason": "publishing was interrupted; it reruns",
                "published": {**entry, "status": "ok", "fingerprint": "", "outputs": on_disk},
            }
            notes.append(f"{key}: publishing was interrupted; recorded what is published")
        del manifest.pending[key]
    if notes:
        manifest.save()
    if layout.staging_root.exists():
        shutil.rmtree(layout.staging_root, ignore_errors=True)
        notes.append("removed the staging folder an interrupted batch left")
    return notes


# --- a full disk -------------------------------------------------------------------------------


def disk_full(error: BaseException | str) -> bool:
    """Whether ``error`` (an exception or a failure's text) is a full disk or a size limit."""
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        return True
    text = str(error)
    return any(word in text for word in _DISK_FULL_WORDS)


def disk_full_error(where: Path) -> DiskFull:
    """The one line a full disk is."""
    return DiskFull(
        f"no space left on the disk holding {where} (or a file-size limit was reached): the "
        "batch stopped; every published report is the last good one. Free space and run again."
    )
