"""Benchmark: where the batch's memory goes, by kind of process, at its peak.

    .venv/bin/python benchmarks/bench_memory.py --project DIR --quarter "2024-25 Q2" \\
        --authority 901 944 ... [--jobs 2] [--interval 0.25]

Runs ``safeguarding run`` (``--force``) for the authorities and samples the command's process
tree every ``--interval`` seconds: PSS per process (``/proc/<pid>/smaps_rollup``), grouped as
the batch process, its worker processes, Jupyter kernels, pandoc, Typst and the rest. Prints
the peak total with its make-up at that moment, and each kind's own peak, beside the goal
(issue 17: the national batch under 2 GiB PSS with ``--jobs 2``). A project for a synthetic
England is written by ``benchmarks/bench_prepare.py`` (``--work``/project). Never asserted in
tests.
"""

from __future__ import annotations

import argparse
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


def sample(root_pid: int, interval: float, stop: threading.Event, peaks: dict) -> None:
    import psutil

    while not stop.is_set():
        try:
            root = psutil.Process(root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        by_kind: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        for proc in procs:
            try:
                k = kind(proc.cmdline(), root_pid, proc.pid)
                by_kind[k] += _pss(proc.pid, proc.memory_info().rss)
                counts[k] += 1
            except (psutil.Error, OSError):
                continue
        total = sum(by_kind.values())
        if total > peaks["total"]:
            peaks.update(total=total, at=dict(by_kind), counts=dict(counts))
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
    args = parser.parse_args()
    command = [sys.executable, "-m", "safeguarding.cli", "run", "--quarter", args.quarter,
               "--project", str(args.project), "--force", "--jobs", str(args.jobs),
               "--authority", *args.authority]  # fmt: skip
    peaks: dict = {"total": 0, "at": {}, "counts": {}, "each": {}}
    stop = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    thread = threading.Thread(target=sample, args=(proc.pid, args.interval, stop, peaks))
    thread.start()
    output, _ = proc.communicate()
    stop.set()
    thread.join()
    seconds = time.perf_counter() - start
    if proc.returncode:
        print(output[-3000:])
    print(f"{len(args.authority)} authorities, --jobs {args.jobs}: {seconds:.0f} s, "
          f"exit {proc.returncode}")  # fmt: skip
    print(f"peak PSS of the tree: {peaks['total'] / GiB:.2f} GiB (goal: under 2 GiB); at it:")
    for k, v in sorted(peaks["at"].items(), key=lambda kv: -kv[1]):
        print(f"  {k:<14} {v / GiB:5.2f} GiB  ({peaks['counts'][k]} processes)")
    print("each kind's own peak:")
    for k, v in sorted(peaks["each"].items(), key=lambda kv: -kv[1]):
        print(f"  {k:<14} {v / GiB:5.2f} GiB")
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
