"""Faults: two batches at once, a batch killed mid-run and mid-publish, a full disk, every Dask
worker lost. Each ends with the manifest matching the published files byte for byte and no
process of the batch left running.

Batches that must be killed run as child processes; their notebooks touch a marker file and
then sleep, so a test kills them at a known point (no timing is asserted: waits are bounded
polls). Every process of a child batch (workers, kernels, pandoc) inherits ``SG_TEST_TAG``,
which is how the tests find any left behind.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from fixtures.mini_project import FIXTURE_NOTEBOOK, make_project
from fixtures.outputs import manifest_matches
from safeguarding import cli
from safeguarding.batch import BatchOptions, BatchSummary, run_batch
from safeguarding.exceptions import BatchBusy, DiskFull
from safeguarding.manifest import Manifest
from safeguarding.publish import Layout

QUARTER = "2024-25 Q2"
SLUG = "2024-25-Q2"
RUN_TIME = "2024-10-15T09:00:00+00:00"
BOUND = 180  # seconds any wait may take before the test gives up (never asserted)

SLOW_CELL = """import os, pathlib, time
if os.environ.get("SG_TEST_MARKERS"):
    pathlib.Path(os.environ["SG_TEST_MARKERS"], f"{authority}-{report}").touch()
    time.sleep(float(os.environ.get("SG_TEST_SLEEP", "0")))"""


# --- helpers -----------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def _run(project: Path, **options) -> BatchSummary:
    settings = {"quarter": QUARTER, "root": project, "jobs": 1, "formats": ("html",),
                "reports": ["looked_after"]}  # fmt: skip
    settings.update({"progress": False, **options})
    return run_batch(BatchOptions(**settings))


def _make_slow(project: Path, report: str = "looked_after") -> None:
    """The report's notebook touches a marker and sleeps (when the environment asks it to)."""
    nb = json.loads(FIXTURE_NOTEBOOK.read_text())
    cell = {"cell_type": "code", "execution_count": None, "id": "slow", "metadata": {},
            "outputs": [], "source": SLOW_CELL}  # fmt: skip
    nb["cells"].insert(2, cell)
    (project / "notebooks" / f"{report}.ipynb").write_text(json.dumps(nb))


def _env(tag: str, markers: Path, sleep: float = 600) -> dict[str, str]:
    return {
        **os.environ,
        "SG_TEST_TAG": tag,
        "SG_TEST_MARKERS": str(markers),
        "SG_TEST_SLEEP": str(sleep),
    }


def _start_batch(project: Path, tag: str, markers: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "safeguarding.cli", "run", "--quarter", QUARTER,
               "--project", str(project), "--formats", "html", "--report", "looked_after",
               *args]  # fmt: skip
    return subprocess.Popen(
        command,
        env=_env(tag, markers),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a signal to it is never one to this test
    )


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def _tagged(tag: str) -> list[int]:
    """Processes carrying ``SG_TEST_TAG=tag`` in their environment."""
    needle = f"SG_TEST_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _none_left(tag: str) -> list[int]:
    """Wait (bounded) for the tagged processes to end; the ones still there after it."""
    deadline = time.monotonic() + 60
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _tagged(tag)


def _quarter(project: Path) -> Path:
    return project / "outputs" / SLUG


def _manifest_matches(project: Path) -> None:
    assert manifest_matches(_quarter(project))


def _published(project: Path) -> dict[str, str]:
    return Layout(_quarter(project)).published_files()


def _slow_quarter(tmp_path: Path) -> tuple[Path, dict[str, str], str, Path]:
    """A project published once, whose looked_after notebook now waits: ``(project, the
    published files, a tag for its processes, the marker folder)``."""
    project = _project(tmp_path)
    assert _run(project).exit_code == 0
    good = _published(project)
    _make_slow(project)
    markers = tmp_path / "markers"
    markers.mkdir()
    return project, good, uuid.uuid4().hex, markers


# --- one batch per quarter ---------------------------------------------------------------------


def test_a_second_batch_refuses_then_waits_and_a_terminated_one_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, good, tag, markers = _slow_quarter(tmp_path)
    first = _start_batch(project, tag, markers, "--jobs", "2")
    try:
        _wait_for(lambda: len(list(markers.iterdir())) == 2, "both runs of the first batch")
        with pytest.raises(BatchBusy) as busy:
            _run(project)
        message = str(busy.value)
        assert f"pid {first.pid} on host {socket.gethostname()}, started 20" in message
        assert "--wait" in message
        code = cli.main(["run", "--quarter", QUARTER, "--project", str(project),
                         "--report", "looked_after"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "another batch is running" in err

        # a batch that waits runs once the first is gone
        said = io.StringIO()
        waited: dict[str, BatchSummary] = {}
        options = BatchOptions(quarter=QUARTER, root=project, jobs=1, formats=("html",),
                               reports=["looked_after"], progress=False, wait=BOUND)  # fmt: skip
        thread = threading.Thread(
            target=lambda: waited.update(summary=run_batch(options, stream=said))
        )
        thread.start()
        _wait_for(lambda: "waiting for the batch" in said.getvalue(), "the second batch to wait")
        assert f"pid {first.pid}" in said.getvalue()
        first.send_signal(signal.SIGTERM)
        first.wait(BOUND)
        thread.join(BOUND)
    finally:
        if first.poll() is None:
            first.kill()
    stderr = first.stderr.read().decode()
    assert first.returncode == 130 and stderr.startswith("interrupted: the batch stopped"), stderr
    assert _none_left(tag) == []
    summary = waited["summary"]
    assert isinstance(summary, BatchSummary) and summary.exit_code == 0, summary.table()
    assert {r.status for r in summary.rows} == {"ok"}
    assert _published(project) != good  # the waiting batch published its runs
    assert not (_quarter(project) / ".staging").exists()
    _manifest_matches(project)


# --- a batch killed outright -----------------------------------------------------------------


def test_a_batch_killed_mid_run_leaves_no_process_and_the_next_cleans_up(tmp_path: Path) -> None:
    project, good, tag, markers = _slow_quarter(tmp_path)
    batch = _start_batch(project, tag, markers, "--jobs", "2")
    try:
        _wait_for(lambda: len(list(markers.iterdir())) == 2, "both runs to start")
        assert len(_tagged(tag)) >= 5  # the batch, the fork server, 2 workers, 2 kernels
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(BOUND)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert _none_left(tag) == []  # workers and kernels died with it
    quarter = _quarter(project)
    assert _published(project) == good  # the last good reports, untouched
    assert any((quarter / ".staging").iterdir())  # what the killed batch left
    assert json.loads((quarter / ".lock").read_text())["pid"] == batch.pid  # a stale lock
    _manifest_matches(project)

    summary = _run(project)
    assert summary.exit_code == 0, summary.table()
    assert any(f"pid {batch.pid}" in n and "did not finish" in n for n in summary.notes)
    assert "removed the staging folder an interrupted batch left" in summary.notes
    assert not (quarter / ".staging").exists()
    assert (quarter / ".lock").read_text() == ""  # free
    _manifest_matches(project)


KILL_AT = {
    # after the journal, before any published file changed: the next batch finishes it
    "before the switch": "publish._apply = _die",
    # the report folder switched, the manifest not yet committed
    "after the switch": (
        "_real = publish.switch_folder\n"
        "def _switch(new, live):\n"
        "    _real(new, live)\n"
        "    _die()\n"
        "publish.switch_folder = _switch"
    ),
}


@pytest.mark.parametrize("moment", KILL_AT)
def test_a_batch_killed_mid_publish_never_mixes_formats(tmp_path: Path, moment: str) -> None:
    project = _project(tmp_path)
    formats = ("html", "pdf")
    assert _run(project, formats=formats, run_time=RUN_TIME, authorities=["901"]).exit_code == 0
    quarter = _quarter(project)
    before = Manifest.load(quarter / "manifest.json", QUARTER).published_outputs()
    script = f"""
import os, signal
from safeguarding import publish
from safeguarding.batch import BatchOptions, run_batch
def _die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
{KILL_AT[moment]}
run_batch(BatchOptions(quarter={QUARTER!r}, root={str(project)!r}, jobs=1, force=True,
          formats={formats!r}, authorities=["901"], reports=["looked_after"],
          run_time="2024-11-01T09:00:00+00:00", progress=False))
"""
    tag = uuid.uuid4().hex
    done = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "SG_TEST_TAG": tag}, timeout=BOUND
    )
    assert done.returncode == -signal.SIGKILL
    assert _none_left(tag) == []
    pending = json.loads((quarter / "manifest.json").read_text())["pending"]["901/looked_after"]
    new = pending["entry"]["outputs"]
    folder = "public/901/looked_after/"
    live = {k: v for k, v in Layout(quarter).published_files().items() if k.startswith(folder)}
    old = {k: v for k, v in before.items() if k.startswith(folder)}
    assert set(live) == {folder + "looked_after.html", folder + "looked_after.pdf"}
    # all formats from one run: never a new HTML beside an old PDF
    expected = old if moment == "before the switch" else {k: new[k] for k in live}
    assert live == expected and old != {k: new[k] for k in live}

    summary = _run(project, formats=formats, authorities=["901"])
    assert "901/looked_after: finished publishing it (the previous batch was interrupted)" in (
        summary.notes
    )
    assert not (quarter / ".staging").exists()
    live = {k: v for k, v in Layout(quarter).published_files().items() if k.startswith(folder)}
    assert live == {k: new[k] for k in live}  # the interrupted publish, completed
    _manifest_matches(project)


# --- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """``outputs/`` of a project on its own 4 MB filesystem (tmpfs; needs root)."""
    project = _project(tmp_path)
    outputs = project / "outputs"
    outputs.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(outputs)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        yield project
    finally:
        subprocess.run(["umount", "-l", str(outputs)], check=False)


def _fill(folder: Path, keep: int) -> Path:
    """Fill the filesystem holding ``folder``, then free ``keep`` bytes."""
    filler = folder / "filler.bin"
    # unbuffered: a buffered file's close would retry the write that failed, and raise
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - keep))
    return filler


def test_a_full_disk_is_one_line_and_the_last_good_report_survives(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = small_disk
    assert _run(project).exit_code == 0
    good = _published(project)
    manifest_before = (_quarter(project) / "manifest.json").read_bytes()
    filler = _fill(project / "outputs", keep=16 * 1024)
    options = ["--jobs", "1", "--force", "--formats", "html", "--report", "looked_after"]
    code = cli.main(["run", "--quarter", QUARTER, "--project", str(project), *options])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no space left on the disk"), lines
    assert "Traceback" not in captured.err and "JSONDecodeError" not in captured.err
    assert _published(project) == good
    assert (_quarter(project) / "manifest.json").read_bytes() == manifest_before
    _manifest_matches(project)
    with pytest.raises(DiskFull):
        _run(project, force=True)
    filler.unlink()
    summary = _run(project, force=True)
    assert summary.exit_code == 0, summary.table()
    assert not (_quarter(project) / ".staging").exists()
    _manifest_matches(project)


# --- every Dask worker lost ----------------------------------------------------------------


def test_losing_every_dask_worker_ends_the_batch_in_one_line(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from safeguarding.exceptions import WorkersLost

    project, good, tag, markers = _slow_quarter(tmp_path)
    dask = Path(sys.executable).with_name("dask")
    if not dask.is_file():
        pytest.skip("the dask command is not installed beside this Python")
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        worker = subprocess.Popen(
            [
                str(dask),
                "worker",
                cluster.scheduler_address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
            ],  # fmt: skip
            env=_env(tag, markers),
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def kill_the_worker() -> None:
            _wait_for(lambda: any(markers.iterdir()), "a run to start on the worker")
            worker.kill()

        killer = threading.Thread(target=kill_the_worker)
        killer.start()
        try:
            with pytest.raises(WorkersLost) as lost:
                _run(
                    project,
                    executor="dask",
                    scheduler=cluster.scheduler_address,
                    worker_timeout=2,
                )
        finally:
            killer.join(BOUND)
            if worker.poll() is None:
                worker.kill()
    message = str(lost.value)
    assert "\n" not in message and "has had no workers for 2 s" in message
    assert "2 run(s) not done" in message
    assert _none_left(tag) == []  # the worker's kernel went with it
    quarter = _quarter(project)
    assert _published(project) == good
    assert not (quarter / ".staging").exists()
    assert (quarter / ".lock").read_text() == ""
    assert (quarter / "internal-index.html").is_file() and (quarter / "public/index.html").is_file()
    _manifest_matches(project)
    shutil.rmtree(markers)
