"""The publishing primitives on their own: the lock, the folder switch, the atomic manifest
write and the recovery of an interrupted publish (fast: no notebook runs)."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import socket
from pathlib import Path

import pytest
from safeguarding import publish
from safeguarding.dataset import sha256_file
from safeguarding.exceptions import BatchBusy
from safeguarding.manifest import Manifest, atomic_write_text
from safeguarding.publish import Layout, QuarterLock, recover, switch_folder


def _hold(path: str, ready, release) -> None:
    with QuarterLock(Path(path)):
        ready.set()
        release.wait(60)


def test_the_lock_names_its_holder_and_a_dead_holder_is_stale(tmp_path: Path) -> None:
    lock = tmp_path / "2024-25-Q2" / ".lock"
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(str(lock), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(BatchBusy) as busy, QuarterLock(lock):
            pass
        assert str(busy.value).startswith(
            f"another batch is running 2024-25-Q2 (pid {holder.pid} on host "
            f"{socket.gethostname()}, started 20"
        )
    finally:
        release.set()
        holder.join(60)
    # released: free, and the next holder sees no stale lock
    assert lock.read_text() == ""
    with QuarterLock(lock) as taken:
        assert taken.stale is None
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    # a holder that died without releasing (its flock went with it) leaves a stale record
    lock.write_text(json.dumps({"pid": 999999, "host": "elsewhere", "started": "2024-10-01"}))
    with QuarterLock(lock) as taken:
        assert taken.stale == "pid 999999 on host elsewhere, started 2024-10-01"


def _folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "move aside"])
def test_a_folder_switches_whole(tmp_path: Path, monkeypatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    live = _folder(tmp_path / "public" / "901" / "r", {"r.html": "old", "r.pdf": "old"})
    new = _folder(tmp_path / "staging" / "report", {"r.html": "new", "r.pdf": "new"})
    old = switch_folder(new, live)
    assert {p.name: p.read_text() for p in live.iterdir()} == {"r.html": "new", "r.pdf": "new"}
    assert old is not None and {p.read_text() for p in old.iterdir()} == {"old"}
    assert old.parent == tmp_path / "staging"  # the old content never stays in public/
    first = _folder(tmp_path / "staging2" / "report", {"s.html": "x"})
    assert switch_folder(first, tmp_path / "public" / "902" / "s") is None


def test_a_failed_manifest_write_leaves_the_old_one_and_no_temporary(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "manifest.json"
    atomic_write_text(path, '{"old": true}\n')
    real = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as caught:
        atomic_write_text(path, '{"new": true}\n')
    assert publish.disk_full(caught.value)
    monkeypatch.setattr(os, "fsync", real)
    assert path.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def _entry(outputs: dict[str, str]) -> dict:
    return {"authority": "901", "report": "r", "audience": "public", "status": "ok",
            "fingerprint": "f", "outputs": outputs}  # fmt: skip


def test_recovery_finishes_a_publish_whose_staging_survived(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "2024-25-Q2")
    live = _folder(layout.report_dir("public", "901", "r"), {"r.html": "old"})
    manifest = Manifest(layout.manifest_path, "2024-25 Q2")
    manifest.runs["901/r"] = _entry({"public/901/r/r.html": sha256_file(live / "r.html")})
    staging = layout.staging_root / "abc" / "901" / "r"
    staged = _folder(staging / "report", {"r.html": "new"})
    (staging / "r.ipynb").write_text("{}")
    outputs = publish.staged_outputs(layout, staging, "901", "r", "public")
    manifest.begin("901/r", _entry(outputs), layout.rel(staging))
    assert staged.is_dir()  # killed here: nothing published yet
    again = Manifest.load(layout.manifest_path, "2024-25 Q2")
    notes = recover(layout, again)
    assert notes[0] == "901/r: finished publishing it (the previous batch was interrupted)"
    assert (live / "r.html").read_text() == "new"
    assert again.published_outputs() == layout.published_files() == outputs
    assert not layout.staging_root.exists() and not again.pending


def test_recovery_records_what_is_published_when_the_staging_is_gone(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "2024-25-Q2")
    live = _folder(layout.report_dir("public", "901", "r"), {"r.html": "old"})
    manifest = Manifest(layout.manifest_path, "2024-25 Q2")
    old = {"public/901/r/r.html": sha256_file(live / "r.html")}
    manifest.runs["901/r"] = _entry(old)
    manifest.begin("901/r", _entry({"public/901/r/r.html": "0" * 64}), ".staging/gone")
    again = Manifest.load(layout.manifest_path, "2024-25 Q2")
    recover(layout, again)
    record = again.runs["901/r"]
    assert record["status"] == "failed" and "interrupted" in record["reason"]
    assert again.published_outputs() == layout.published_files() == old
    assert again.published("901/r")["fingerprint"] == ""  # so it reruns
