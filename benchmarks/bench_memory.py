"""Benchmark: where the batch's memory goes, by kind of process, at its peak.

    .venv/bin/python benchmarks/bench_memory.py --project DIR --quarter "2024-25 Q2" \\
        --authority 901 944 ... [--jobs 2] [--interval 0.25] [--timeline samples.csv]

Runs ``safeguarding run`` (``--force``) for the authorities and samples the command's process
tree every ``--interval`` seconds: PSS per process (``/proc/<pid>/smaps_rollup``), grouped as
the batch process, its worker processes, Jupyter kernels, pandoc, Typst and the rest. Prints
the peak total with its make-up at that moment (and when it was), each kind's own peak and the
tree's CPU seconds, beside the goal
(issue 17: the national batch under 2 GiB PSS with ``--jobs 2``). A project for a synthetic
England is written by ``benchmarks/bench_prepare.py`` (``--work``/project). ``--timeline``
writes every sample's PSS per process (the phase of a peak: no kernel runs while preparing;
a process growing report after report). Never asserted in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_national import _pss  # noqa: E402  (the same PSS reading as the national run)

GiB = 1024**3


def kind(cmdline: list[str], root_pid: int, pid: int) -> str:
    """What a process of the batch's tree is, from its command line."""
    text = " ".join(cmdline)
    if pid == root_pid:
        return "batch process"
    if "ipykernel" in text:
        return "kernel"
    if "pandoc" in text:
        return "pandoc"
    if "typst" in text:
        return "typst"
    if "python" in text:
        return "worker"
    return "other"


def sample(
    root_pid: int, interval: float, stop: threading.Event, peaks: dict, timeline: list | None = None
) -> None:
    import psutil

    start = time.perf_counter()
    while not stop.is_set():
        try:
            root = psutil.Process(root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        by_kind: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        each: dict[int, tuple[str, int]] = {}
        for proc in procs:
            try:
                k = kind(proc.cmdline(), root_pid, proc.pid)
                pss = _pss(proc.pid, proc.memory_info().rss)
            except (psutil.Error, OSError):
                continue
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                peaks["cpu"][proc.pid] = times.user + times.system
            by_kind[k] += pss
            counts[k] += 1
            each[proc.pid] = (k, pss)
        total = sum(by_kind.values())
        seconds = time.perf_counter() - start
        if timeline is not None:
            timeline.append((seconds, total, dict(by_kind), each))
        if total > peaks["total"]:
            peaks.update(total=total, at=dict(by_kind), counts=dict(counts), seconds=seconds)
        for k, v in by_kind.items():
            peaks["each"][k] = max(peaks["each"].get(k, 0), v)
        stop.wait(interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--quarter", default="2024-25 Q2")
    parser.add_argument("--authority", nargs="+", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument(
        "--timeline", type=Path, help="write every sample here (CSV: seconds, kind, pid, PSS)"
    )
    args = parser.parse_args()
    command = [sys.executable, "-m", "safeguarding.cli", "run", "--quarter", args.quarter,
               "--project", str(args.project), "--force", "--jobs", str(args.jobs),
               "--authority", *args.authority]  # fmt: skip
    peaks: dict = {"total": 0, "at": {}, "counts": {}, "each": {}, "cpu": {}}
    stop = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timeline: list | None = [] if args.timeline else None
    thread = threading.Thread(target=sample, args=(proc.pid, args.interval, stop, peaks, timeline))
    thread.start()
    output, _ = proc.communicate()
    stop.set()
    thread.join()
    seconds = time.perf_counter() - start
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        print(output[-3000:])
    print(f"{len(args.authority)} authorities, --jobs {args.jobs}: {seconds:.0f} s, "
          f"exit {proc.returncode}; load {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    # the sampled figure misses what a process did after its last sample (short pandoc runs);
    # the reaped one misses processes whose parent did not wait for them
    print(f"CPU of the tree: {sum(peaks['cpu'].values()):.0f} s sampled, "
          f"{reaped.ru_utime + reaped.ru_stime:.0f} s reaped (getrusage)")  # fmt: skip
    print(f"peak PSS of the tree: {peaks['total'] / GiB:.2f} GiB (goal: under 2 GiB), "
          f"{peaks.get('seconds', 0):.0f} s in; at it:")  # fmt: skip
    for k, v in sorted(peaks["at"].items(), key=lambda kv: -kv[1]):
        print(f"  {k:<14} {v / GiB:5.2f} GiB  ({peaks['counts'][k]} processes)")
    print("each kind's own peak:")
    for k, v in sorted(peaks["each"].items(), key=lambda kv: -kv[1]):
        print(f"  {k:<14} {v / GiB:5.2f} GiB")
    if timeline is not None:
        write_timeline(args.timeline, timeline)
        print(f"timeline: {args.timeline}")
    return proc.returncode


def write_timeline(path: Path, timeline: list) -> None:
    """Every sample: one row per process (seconds since the start, kind, pid, PSS in MiB)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("seconds,kind,pid,pss_mib\n")
        for seconds, _, _, each in timeline:
            for pid, (k, pss) in sorted(each.items()):
                out.write(f"{seconds:.2f},{k},{pid},{pss / 2**20:.1f}\n")


if __name__ == "__main__":
    raise SystemExit(main())
