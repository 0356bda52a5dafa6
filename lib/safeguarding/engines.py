"""Executing notebooks: plain Papermill, and the warm-kernel fast path.

Both engines run the same code: :func:`papermill.execute_notebook`, with its
parameterisation, error markers and metadata. They differ only in the kernel.

``papermill``
    A fresh kernel per notebook (Papermill's default). Starting it and importing pandas,
    matplotlib and the library costs about a second before any of the notebook's own work.

``fast``
    A warm kernel per process, started once, with the heavy imports already done. Before each
    notebook the kernel is put back to the state a fresh one has: the user namespace and
    history emptied (a new history session), the execution counter back to 1, the working
    directory, ``sys.path``, environment, warning filters (and their once-only registries),
    matplotlib's figures and rcParams, and pandas' options restored. What it keeps is
    ``sys.modules``, which is the point. ``tests/test_engines.py`` shows the two engines'
    executed notebooks are identical apart from timing metadata; the batch uses ``fast`` by
    default because of that test.

A kernel that died, timed out or failed outside a cell is discarded and the next notebook gets
a new one. Notebooks must not rely on state outside what is reset (module-level caches that
depend on earlier notebooks' inputs); the library's caches are keyed by everything their
values are made from (the comparators by file stamps, charts by their inputs), so a later
notebook gets from them exactly what it would have computed.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import json
import os
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# nbformat validates with jsonschema, whose format checkers import rfc3987_syntax when it is
# installed (jupyter-events' extra): it compiles 38 lark grammars at import, about a second
# of CPU in every process that reads a notebook (the command, the fork server, the preview),
# for the "iri" formats, which no notebook schema uses. A None entry makes that optional
# import fail at once, as the library's own fallback expects.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

from .exceptions import ParameterError  # noqa: E402

EngineName = Literal["papermill", "fast"]
ENGINES: tuple[str, ...] = ("papermill", "fast")
DEFAULT_ENGINE: EngineName = "fast"  # justified by tests/test_engines.py
WARM_ENGINE = "safeguarding-warm"

# Imported once by each warm kernel. A module missing from an installation is skipped.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.special",
    "yaml",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython.display",
    "safeguarding",
    "safeguarding.periods",
    "safeguarding.params",
    "safeguarding.catalogue",
    "safeguarding.dataset",
    "safeguarding.validation",
    "safeguarding.loaders",
    "safeguarding.indicators",
    "safeguarding.outturns",
    "safeguarding.targets",
    "safeguarding.comparators",
    "safeguarding.significance",
    "safeguarding.spc",
    "safeguarding.assessment",
    "safeguarding.narrative",
    "safeguarding.disclosure",
    "safeguarding.charts",
    "safeguarding.activity",
    "safeguarding.summary",
    "safeguarding.report",
)

# Timing fields that differ between any two executions; dropped before comparing or publishing.
_NB_TIMING = ("start_time", "end_time", "duration")
_CELL_TIMING = ("start_time", "end_time", "duration")


# --- the shared entry point ----------------------------------------------------------------
PROJECT_KERNEL = "safeguarding-reports"  # the kernel spec the notebooks name (scripts/bootstrap)


def kernel_for(notebook: str | Path) -> str:
    """The kernel the notebook names when it is installed for this interpreter, else
    ``python3`` (ipykernel's own, this interpreter): a project installed with pip alone,
    without scripts/bootstrap's kernel spec, still runs its notebooks in its own environment,
    and a spec of the same name that starts another interpreter (another checkout's, found
    in the user's Jupyter folder) never runs a different copy of the library than the one
    the batch fingerprints."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    named = nbformat.read(str(notebook), as_version=4).metadata.get("kernelspec", {}).get("name")
    if not named:
        return FALLBACK_KERNEL
    try:
        spec = KernelSpecManager().get_kernel_spec(named)
    except NoSuchKernel:
        return FALLBACK_KERNEL
    if not _this_interpreter(spec.argv[0] if spec.argv else ""):
        return FALLBACK_KERNEL
    return named


FALLBACK_KERNEL = "python3"  # ipykernel's native spec: jupyter_client starts sys.executable


def _this_interpreter(program: str) -> bool:
    """Whether a kernel spec's program is this process's Python (jupyter_client runs a bare
    ``python`` as ``sys.executable``)."""
    if program in ("", "python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return True
    # the folder, not the resolved file: every virtualenv's python links to the same binary
    return os.path.abspath(os.path.dirname(program)) == os.path.abspath(
        os.path.dirname(sys.executable)
    )


@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager every notebook's kernel is started with: nbclient's own, asking for
    CurveZMQ transport encryption where the kernel spec offers it.

    A kernel talks to its manager over TCP on 127.0.0.1, and a report's kernel holds
    child-level records. Signed messages stop another local user forging them but not reading
    them; the encrypted transport stops both (and ipykernel, seeing it, stops warning the
    analyst's terminal about plain text). Where jupyter_client, libzmq or the kernel spec
    cannot encrypt, the kernel starts as before.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    offered = "transport_encryption" in AsyncKernelManager.class_trait_names()
    if not (offered and zmq.has("curve")):
        return AsyncKernelManager

    class EncryptedKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _encrypt_where_offered(self) -> str:
            return "auto"

    return EncryptedKernelManager


def _vanished_kernel(exc: BaseException) -> bool:
    from jupyter_client.kernelspec import NoSuchKernel

    return isinstance(exc, NoSuchKernel)


def execute(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any],
    engine: EngineName = DEFAULT_ENGINE,
    cwd: str | Path | None = None,
    timeout: int | None = 600,
) -> nbformat.NotebookNode:
    """Execute ``notebook`` with ``parameters`` into ``output`` and return the executed node.

    A failing cell raises :class:`papermill.PapermillExecutionError` after the notebook (with
    its error output) has been written, as Papermill does.
    """
    import papermill

    if engine not in ENGINES:
        raise ParameterError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    cwd = str(Path(cwd or Path(notebook).parent).resolve())
    kwargs: dict[str, Any] = {
        "parameters": parameters,
        "progress_bar": False,
        "log_output": False,
        "execution_timeout": timeout,
        "kernel_name": kernel_for(notebook),
        "kernel_manager_class": kernel_manager_class(),
        # the kernel's working directory, given to nbclient rather than papermill's ``cwd``,
        # which changes the whole process's directory (unsafe when threads share a process)
        "resources": {"metadata": {"path": cwd}},
    }
    if engine == "fast":
        _register_warm_engine()
        kwargs["engine_name"] = WARM_ENGINE
    try:
        return papermill.execute_notebook(str(notebook), str(output), **kwargs)
    except Exception as exc:
        # The spec was there when kernel_for looked and gone when the kernel started (another
        # checkout's scripts/bootstrap or pip re-installing it, mid-batch): no cell has run,
        # so the notebook runs again, in this interpreter's own kernel, rather than failing.
        if not _vanished_kernel(exc) or kwargs["kernel_name"] == FALLBACK_KERNEL:
            raise
        print(f"kernel {kwargs['kernel_name']!r} vanished; running {Path(notebook).name} in "
              f"{FALLBACK_KERNEL} ({sys.executable})", file=sys.stderr)  # fmt: skip
        kwargs["kernel_name"] = FALLBACK_KERNEL
        return papermill.execute_notebook(str(notebook), str(output), **kwargs)


# --- the warm kernel -----------------------------------------------------------------------

_SNAPSHOT = r"""
import os as _os, sys as _sys, types as _types, warnings as _warnings
_w = _types.ModuleType("_safeguarding_warm")
_w.path = list(_sys.path)
_w.environ = dict(_os.environ)
_w.filters = list(_warnings.filters)
try:
    import matplotlib as _mpl
    _w.rc = _mpl.rcParams.copy()
except ImportError:
    _w.rc = None
_sys.modules["_safeguarding_warm"] = _w
# The preloaded modules' objects live as long as the kernel: moved out of the garbage
# collector's sight, so that the full collection every reset runs (IPython's reset) and the
# report's own full collections walk only what the notebooks made (42 ms -> ~0 a reset)
import gc as _gc
_gc.collect()
_gc.freeze()
del _os, _sys, _types, _warnings, _w, _gc
try:
    del _mpl
except NameError:
    pass
"""

_RESET = r"""
def _safeguarding_reset(cwd):
    import os, sys, warnings
    w = sys.modules["_safeguarding_warm"]
    ip = get_ipython()
    # user namespace, In/Out history, displayhook cache; and a history session of its own, as
    # a fresh kernel has (in the old one, the counter's restart made the next notebook's lines
    # collide with the last's: "Session/line number was not unique in database")
    ip.reset(new_session=True)
    ip.execution_count = 1
    kernel = getattr(ip, "kernel", None)
    if kernel is not None and not isinstance(
            getattr(type(kernel), "execution_count", None), property):
        kernel.execution_count = 0  # older ipykernel counts separately from the shell
    sys.path[:] = w.path
    os.environ.clear()
    os.environ.update(w.environ)
    os.chdir(cwd)
    warnings.filters[:] = w.filters
    # forget which warnings were already shown once, as a fresh process would
    mutated = getattr(warnings, "_filters_mutated", None) or getattr(
        warnings, "_filters_mutated_lock_held", None)
    if mutated is not None:
        mutated()
    if w.rc is not None:
        import matplotlib
        import matplotlib.pyplot as plt
        plt.close("all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.clear()
            matplotlib.rcParams.update(w.rc)
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
_safeguarding_reset({cwd!r})
"""


@dataclass
class WarmKernel:
    """One kernel kept alive between notebooks (owned by one process, used by one thread)."""

    kernel_name: str
    km: Any
    kc: Any
    notebooks: int = 0

    @classmethod
    def start(cls, kernel_name: str, preload: Iterable[str] = PRELOAD) -> WarmKernel:
        from nbclient import NotebookClient

        # nbclient starts the kernel exactly as it would for Papermill (same manager class,
        # same launch arguments), so the kernel itself is the one the plain engine gets.
        starter = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=kernel_name,
            kernel_manager_class=kernel_manager_class(),
        )
        starter.km = starter.create_kernel_manager()
        starter.start_new_kernel()
        starter.start_new_kernel_client()
        kernel = cls(kernel_name, starter.km, starter.kc)
        imports = "\n".join(
            f"try:\n    import {name}\nexcept Exception:\n    pass" for name in preload
        )
        kernel.run_silent(imports + "\n" + _SNAPSHOT)
        return kernel

    def run_silent(self, code: str, timeout: float = 120) -> None:
        """Run ``code`` without outputs or history; raise if it fails."""
        from jupyter_core.utils import run_sync

        run_sync(self._run_silent)(code, timeout)

    async def _run_silent(self, code: str, timeout: float) -> None:
        from jupyter_core.utils import ensure_async

        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        while True:
            reply = await ensure_async(self.kc.get_shell_msg(timeout=timeout))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(
                f"warm kernel set-up failed: {content.get('ename')}: {content.get('evalue')}"
            )

    def reset(self, cwd: str) -> None:
        """Put the kernel back to a fresh kernel's state, working in ``cwd``."""
        self.run_silent(_RESET.replace("{cwd!r}", repr(cwd)))

    def alive(self) -> bool:
        from jupyter_core.utils import ensure_async, run_sync

        async def check() -> bool:
            return bool(await ensure_async(self.km.is_alive()))

        return run_sync(check)()

    def shutdown(self) -> None:
        from jupyter_core.utils import ensure_async, run_sync

        async def stop() -> None:
            self.kc.stop_channels()
            await ensure_async(self.km.shutdown_kernel(now=True))

        with contextlib.suppress(Exception):  # best effort, at exit
            run_sync(stop)()


# One warm kernel per thread and kernel name: a process may run tasks in several threads
# (a Dask worker does), and a kernel runs one notebook at a time.
_KERNELS: dict[tuple[int, str], WarmKernel] = {}
_LOCK = threading.Lock()


def warm_kernel(kernel_name: str) -> WarmKernel:
    """This thread's warm kernel for ``kernel_name``, started (or restarted) as needed."""
    key = (threading.get_ident(), kernel_name)
    kernel = _KERNELS.get(key)
    if kernel is not None and not kernel.alive():
        discard_kernel(kernel_name)
        kernel = None
    if kernel is None:
        kernel = WarmKernel.start(kernel_name)
        with _LOCK:
            _KERNELS[key] = kernel
        _register_exit()
    return kernel


def discard_kernel(kernel_name: str) -> None:
    """Stop this thread's warm kernel for ``kernel_name``."""
    with _LOCK:
        kernel = _KERNELS.pop((threading.get_ident(), kernel_name), None)
    if kernel is not None:
        kernel.shutdown()


def shutdown_kernels() -> None:
    """Stop every warm kernel of this process."""
    with _LOCK:
        kernels = list(_KERNELS.values())
        _KERNELS.clear()
    for kernel in kernels:
        kernel.shutdown()


_EXIT_REGISTERED = False


def _register_exit() -> None:
    global _EXIT_REGISTERED
    if _EXIT_REGISTERED:
        return
    _EXIT_REGISTERED = True
    atexit.register(shutdown_kernels)
    # multiprocessing workers leave through os._exit, which skips atexit; its finalizers run.
    from multiprocessing import util

    util.Finalize(None, shutdown_kernels, exitpriority=100)


_ENGINE_REGISTERED = False


def _register_warm_engine() -> None:
    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        """Papermill's nbclient engine, on this process's warm kernel."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            kernel = warm_kernel(kernel_name)
            resources = kwargs.get("resources") or {}
            kernel.reset(resources.get("metadata", {}).get("path") or os.getcwd())
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            client = PapermillNotebookClient(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            client.kc = kernel.kc  # reuse the warm client: no new channels per notebook
            # Papermill writes the whole notebook at every cell's start and end (40 writes of
            # a scorecard with 18 SVG charts: 1-2 s of JSON per report). Nobody watches a
            # batch's notebooks fill in, so only the final write (notebook_complete, which
            # also runs after a failure) is kept. After a run that finished, papermill's
            # execute_notebook writes the notebook itself, so notebook_complete's write (the
            # whole executed notebook, once more) is dropped too; after a dead or stuck
            # kernel it is the only write, and stays.
            nb_man.save = lambda **_kwargs: None
            try:
                result = client.execute()
            except PapermillExecutionError:
                del nb_man.save
                raise
            except BaseException:
                # a dead or stuck kernel (timeout, crash): never reuse it
                del nb_man.save
                discard_kernel(kernel_name)
                raise
            kernel.notebooks += 1
            return result

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)
    _ENGINE_REGISTERED = True


# --- comparing and publishing executed notebooks ----------------------------------------------


def normalise(
    nb: nbformat.NotebookNode,
    input_path: str | None = None,
    output_path: str | None = None,
) -> nbformat.NotebookNode:
    """A copy of ``nb`` without timing metadata, with stable input/output paths: two runs of
    the same notebook on the same inputs then give the same bytes."""
    nb = copy.deepcopy(nb)
    meta = nb.metadata.get("papermill", {})
    for key in _NB_TIMING:
        meta.pop(key, None)
    if input_path is not None:
        meta["input_path"] = input_path
    if output_path is not None:
        meta["output_path"] = output_path
    markers = 0
    for cell in nb.cells:
        # papermill gives the cells it inserts random ids
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:
            markers += 1
            cell["id"] = f"papermill-error-{markers}"
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            _unpid(out)
        cell_meta = cell.metadata.get("papermill")
        if cell_meta is not None:
            for key in _CELL_TIMING:
                cell_meta.pop(key, None)
    return nb


_KERNEL_TMP = re.compile(r"ipykernel_\d+")


def _unpid(output: dict) -> None:
    """Warnings and tracebacks name the kernel's temporary cell files after its process id,
    which differs between any two runs; write it as ``ipykernel_<pid>``."""
    if output.get("output_type") == "stream" and "ipykernel_" in output.get("text", ""):
        output["text"] = _KERNEL_TMP.sub("ipykernel_<pid>", output["text"])
    elif output.get("output_type") == "error":
        output["traceback"] = [
            _KERNEL_TMP.sub("ipykernel_<pid>", line) for line in output.get("traceback", [])
        ]


def scrub_paths(nb: nbformat.NotebookNode, folders: Iterable[str]) -> nbformat.NotebookNode:
    """``nb`` with each of ``folders`` (absolute paths of this machine, e.g. the project)
    written relative: ``/srv/project/data/x.csv`` becomes ``data/x.csv``, the folder itself
    ``.``. Warnings and tracebacks name files by absolute path; an executed notebook that
    travels (a committee pack's appendix, a colleague) should not carry the machine's."""
    text = json.dumps(nb, ensure_ascii=False)
    for folder in sorted((f.rstrip("/") for f in folders if f and f != "/"), key=len, reverse=True):
        quoted = json.dumps(folder, ensure_ascii=False)[1:-1]
        text = text.replace(quoted + "/", "").replace(quoted, ".")
    return nbformat.from_dict(json.loads(text))


def comparable(nb: nbformat.NotebookNode) -> str:
    """Canonical JSON of an executed notebook without timing or path metadata."""
    nb = normalise(nb, input_path="", output_path="")
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)


def first_error(nb: nbformat.NotebookNode) -> tuple[int | None, str, str]:
    """``(cell index, ename, evalue)`` of the first error output, or ``(None, "", "")``."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return index, out.get("ename", ""), out.get("evalue", "")
    return None, "", ""


# --- processes die with the batch ------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Have the kernel kill this process (SIGKILL) the moment its parent process ends, so a
    batch killed by any signal, even SIGKILL, leaves no worker running (Linux; elsewhere
    False). ``parent_pid``: the parent expected; if it is already gone, exit now.

    The kernels a worker starts need nothing more: Jupyter starts each kernel with the
    worker's pid (``JPY_PARENT_PID``), and ipykernel exits when that parent is gone."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent ended before the request took effect
    return True


def exit_with(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` ends: a daemon thread waits
    on it (a pidfd on Linux, else a check each second). A local worker watches the batch
    itself: its own parent, the fork server, outlives a killed batch while workers live."""
    import select
    import time

    def watch() -> None:
        try:
            handle = os.pidfd_open(pid)
        except (AttributeError, OSError):
            handle = None
        if handle is not None:
            select.select([handle], [], [])  # readable once the process has ended
        else:
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-batch", daemon=True).start()


def kill_processes(pids: Iterable[int]) -> None:
    """SIGKILL each process that is still there (their kernels then exit by themselves)."""
    import signal

    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
