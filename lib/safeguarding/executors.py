"""Where a batch's runs execute: here, in a pool of local processes, or on a Dask cluster.

An *executor* takes the run tasks and reports each result through a callback; every executor
calls the same :func:`safeguarding.runs.run_task`, and everything else (skips, publishing,
the manifest, the summary) happens in the batch, once.

No process outlives the batch. Local workers end the moment the batch does
(:func:`safeguarding.engines.exit_with`; and with their parent, the fork server:
:func:`~safeguarding.engines.die_with_parent`), so even a batch killed with SIGKILL leaves
none behind; their Jupyter kernels exit when their worker does, and the fork server and
resource tracker when the workers have. A batch that is
interrupted (Ctrl-C, SIGTERM) kills its workers at once rather than waiting for their runs.
On Dask, the workers belong to the cluster: a batch cancels what it submitted, releases each
result once it is published, stops the workers' warm kernels, and ends with one line when the
cluster has had no worker for ``worker_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import engines
from .exceptions import WorkersLost
from .runs import RunResult, RunTask, run_task

OnResult = Callable[[RunResult], None]
Executor = Callable[[Sequence[RunTask], OnResult], None]
DEFAULT_WORKER_TIMEOUT = 300.0  # seconds a Dask cluster may have no worker before the batch ends


def serial_executor(tasks: Sequence[RunTask], on_result: OnResult) -> None:
    """Run every task here, one after another (``--jobs 1``; easiest to debug)."""

    for task in tasks:
        on_result(run_task(task))


def local_executor(jobs: int, worker_log: Path | None = None) -> Executor:
    """A pool of ``jobs`` worker processes on this machine, each with its warm kernel."""
    if jobs <= 1:
        return serial_executor
    return LocalExecutor(jobs, worker_log)


class LocalExecutor:
    """The local pool. Its workers start when the runs do, or earlier, while the batch still
    prepares (:meth:`start_workers`): starting a worker and its warm kernel is about 3 s
    before its first run, which one authority's preparing, on one core, can hide."""

    def __init__(self, jobs: int, worker_log: Path | None = None) -> None:
        self.jobs = jobs
        self.worker_log = worker_log
        self._early: Any = None  # a pool started before the runs

    def _pool(self, workers: int) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            workers,
            mp_context=mp_context(),
            initializer=worker_start,
            initargs=(str(self.worker_log) if self.worker_log else None, os.getpid()),
        )

    def start_workers(self, runs: int, kernel_name: str) -> None:
        """Start the workers ``runs`` runs will have, each warming its kernel, now."""
        if runs <= 1 or self._early is not None:
            return  # one run executes in the batch's own process
        workers = min(self.jobs, runs)
        self._early = self._pool(workers)
        for _ in range(workers):
            self._early.submit(warm_worker, kernel_name)

    def release(self) -> None:
        """Stop workers started early that no run used (the runs were cancelled)."""
        pool, self._early = self._early, None
        if pool is not None:
            stop_pool(pool)

    def __call__(self, tasks: Sequence[RunTask], on_result: OnResult) -> None:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        if len(tasks) <= 1:
            # one run (a rerun after one authority changed): a pool would only add a fork
            # server and a worker, each importing the library, before the same run here
            self.release()
            return serial_executor(tasks, on_result)
        pool, self._early = self._early or self._pool(min(self.jobs, len(tasks))), None
        try:
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
        except BaseException:
            # interrupted, or publishing failed (a full disk): the runs still going are lost
            # anyway, so their workers die now rather than finish them
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def warm_worker(kernel_name: str) -> None:
    """In a worker started early: its warm kernel, ready for its first run (which starts
    the kernel itself, and reports why, if this could not)."""
    with contextlib.suppress(Exception):
        engines.warm_kernel(kernel_name)


def stop_pool(pool: Any) -> None:
    """Kill a process pool's workers and drop its queued tasks."""
    processes = dict(getattr(pool, "_processes", None) or {})
    engines.kill_processes(p.pid for p in processes.values() if p.pid)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def worker_start(log_path: str | None = None, batch_pid: int | None = None) -> None:
    """A local worker's start: it dies with its parent and with the batch, and sends its
    (and its kernels') stderr to the workers' log, not the terminal."""
    engines.die_with_parent(os.getppid())
    if batch_pid:
        engines.exit_with(batch_pid)
    if log_path:
        handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(handle, 2)
        os.close(handle)


def mp_context() -> Any:
    """forkserver: workers start from a clean process (no threads or sockets inherited) that
    has imported the library once."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    if "forkserver" in methods:
        context.set_forkserver_preload(["safeguarding.batch", "safeguarding.runs"])
    return context


def dask_executor(
    scheduler: Any, worker_timeout: float = DEFAULT_WORKER_TIMEOUT, poll: float = 1.0
) -> Executor:
    """Run the tasks on a Dask distributed cluster (``scheduler``: an address such as
    ``tcp://127.0.0.1:8786``, or a ``Cluster``). Workers need the project, its params and data
    at the same paths (a shared filesystem) and this library installed; see
    docs/analyst-workflow.md. With no worker for ``worker_timeout`` seconds the batch ends
    with :class:`~safeguarding.exceptions.WorkersLost`."""

    def execute(tasks: Sequence[RunTask], on_result: OnResult) -> None:
        from distributed import Client, wait

        address = getattr(scheduler, "scheduler_address", scheduler)
        try:
            client = Client(scheduler, timeout=f"{max(worker_timeout, 10):g}s")
        except (OSError, TimeoutError) as exc:
            raise WorkersLost(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            batch = uuid.uuid4().hex[:8]
            futures = {
                client.submit(
                    run_task, task, key=f"safeguarding-{batch}-{task.key}", pure=False
                ): task
                for task in tasks
            }
            pending = set(futures)
            idle_since: float | None = None
            try:
                while pending:
                    try:
                        done, pending = wait(pending, timeout=poll, return_when="FIRST_COMPLETED")
                    except TimeoutError:
                        done = set()
                    for future in done:
                        task = futures.pop(future)
                        try:
                            result = future.result()
                        except Exception as exc:  # noqa: BLE001 - a lost worker fails its runs only
                            result = RunResult.failure(task, f"{type(exc).__name__}: {exc}")
                        on_result(result)  # published
                        future.release()  # so the cluster may forget it
                    if done or _workers(client):
                        idle_since = None
                    elif idle_since is None:
                        idle_since = time.monotonic()
                    elif time.monotonic() - idle_since >= worker_timeout:
                        raise WorkersLost(
                            f"the Dask cluster at {address} has had no workers for "
                            f"{worker_timeout:g} s: the batch stopped with {len(pending)} "
                            "run(s) not done (their published reports are unchanged)"
                        )
            finally:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending), force=True)
                # the workers outlive the batch; their warm kernels should not
                if _workers(client):
                    with contextlib.suppress(Exception):
                        client.run(engines.shutdown_kernels)

    return execute


def _workers(client: Any) -> int:
    """How many workers the scheduler has (0 if it cannot say)."""
    try:
        # a lambda travels by value: the scheduler needs nothing of this library
        return int(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.workers)))
    except Exception:  # noqa: BLE001 - an unreachable scheduler has no workers for us
        return 0
