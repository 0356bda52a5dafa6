"""The fast (warm-kernel) engine gives the same executed notebooks as plain Papermill.

This is the test that makes ``fast`` the batch's default engine: outputs are compared as
canonical JSON with only timing metadata and the run's own paths removed.
"""

from __future__ import annotations

import contextlib
import difflib
from pathlib import Path

import nbformat
import pytest
from fixtures.mini_project import ROOT, make_project
from papermill.exceptions import PapermillExecutionError
from safeguarding import engines


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("engines"))


def _params(project: Path, authority: str = "901", **extra: str) -> dict[str, str]:
    params = {
        "authority": authority,
        "quarter": "2024-25 Q2",
        "report": "quarterly_scorecard",
        "committee": "scrutiny",
        "audience": "public",
        "project_dir": str(project),
        "data_dir": "",
        "run_time": "2024-10-15T09:00:00+00:00",
    }
    params.update(extra)
    return params


def _run(
    project: Path,
    engine: str,
    out: str,
    params: dict,
    notebook: Path | None = None,
) -> str:
    notebook = notebook or project / "notebooks" / "quarterly_scorecard.ipynb"
    output = project / out
    # a failing notebook is written all the same, with its error
    with contextlib.suppress(PapermillExecutionError):
        engines.execute(notebook, output, params, engine=engine, cwd=project)
    return engines.comparable(nbformat.read(output, as_version=4))


def _assert_same(a: str, b: str) -> None:
    if a != b:
        diff = difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=2)
        pytest.fail("executed notebooks differ:\n" + "\n".join(list(diff)[:80]))


def test_fast_equals_papermill_on_the_fixture_report(project: Path) -> None:
    plain = _run(project, "papermill", "plain-901.ipynb", _params(project))
    # warm the kernel on another authority first: nothing may leak into the next notebook
    _run(project, "fast", "fast-902.ipynb", _params(project, "902"))
    fast = _run(project, "fast", "fast-901.ipynb", _params(project))
    _assert_same(plain, fast)
    nb = nbformat.reads(fast, as_version=4)
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert {"text/markdown", "text/html", "image/svg+xml"} <= kinds
    assert any(o.get("output_type") == "stream" for c in nb.cells for o in c.get("outputs", []))


def test_fast_equals_papermill_on_a_failing_cell(project: Path) -> None:
    bad = _params(project, quarter="2024-25 Q5")
    plain = _run(project, "papermill", "plain-bad.ipynb", bad)
    fast = _run(project, "fast", "fast-bad.ipynb", bad)
    _assert_same(plain, fast)
    index, ename, evalue = engines.first_error(nbformat.reads(fast, as_version=4))
    assert ename == "PeriodError" and "2024-25 Q5" in evalue and index is not None


def test_warm_kernel_state_is_reset(project: Path, tmp_path: Path) -> None:
    """A notebook that changes globals, options, warnings, cwd and environment leaves nothing
    behind for the next one."""
    leaky = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, sys, warnings\nimport matplotlib, pandas as pd\n"
                "left_behind = 1\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
                "pd.set_option('display.max_rows', 3)\nwarnings.simplefilter('ignore')\n"
                "os.environ['LEFT_BEHIND'] = '1'\nsys.path.append('/left/behind')\nos.chdir('/')\n"
                "warnings.warn('shown once per process', UserWarning)"
            )
        ]
    )
    probe = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(
                "import os, sys, warnings\nimport matplotlib, pandas as pd\n"
                "print('left_behind' in globals(), matplotlib.rcParams['lines.linewidth'],\n"
                "      pd.get_option('display.max_rows'), os.environ.get('LEFT_BEHIND'),\n"
                "      '/left/behind' in sys.path, os.getcwd())\n"
                "warnings.warn('shown once per process', UserWarning)"
            ),
        ]
    )
    for nb in (leaky, probe):
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
    nbformat.write(leaky, tmp_path / "leaky.ipynb")
    nbformat.write(probe, tmp_path / "probe.ipynb")
    plain = _run(tmp_path, "papermill", "probe-plain.ipynb", {"x": 2}, tmp_path / "probe.ipynb")
    _run(tmp_path, "fast", "leaky-out.ipynb", {}, tmp_path / "leaky.ipynb")
    fast = _run(tmp_path, "fast", "probe-fast.ipynb", {"x": 2}, tmp_path / "probe.ipynb")
    _assert_same(plain, fast)
    assert "UserWarning" in fast and str(tmp_path) in fast


REAL_REPORTS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", REAL_REPORTS, ids=lambda p: p.stem)
def test_fast_equals_papermill_on_a_report_notebook(
    notebook: Path, tmp_path: Path, small_demo: Path
) -> None:
    params = _params(
        ROOT,
        data_dir=str(small_demo),
        authority="902",
        report=notebook.stem,
        committee="scrutiny"
        if notebook.stem == "quarterly_scorecard"
        else {"child_protection": "lscp"}.get(notebook.stem, "corporate_parenting"),
    )
    plain = _run(tmp_path, "papermill", "plain.ipynb", params, notebook)
    _run(tmp_path, "fast", "warm-up.ipynb", {**params, "authority": "901"}, notebook)
    fast = _run(tmp_path, "fast", "fast.ipynb", params, notebook)
    _assert_same(plain, fast)


def test_fast_engine_writes_the_notebook_at_start_and_end_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papermill's per-cell saves (the whole notebook, charts and all) are skipped: the
    notebook is written when the run starts (without outputs) and once when it ends (by
    papermill's execute_notebook; its execution manager's own end-of-run save, the same
    notebook again, is skipped too), not at every cell."""
    import papermill.engines
    import papermill.execute

    writes: list[str] = []
    final: list[str] = []
    real_write = papermill.engines.write_ipynb

    def counting_write(nb: nbformat.NotebookNode, path: str) -> None:
        writes.append(path)
        real_write(nb, path)

    def counting_final(nb: nbformat.NotebookNode, path: str) -> None:
        final.append(path)
        real_write(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting_write)
    monkeypatch.setattr(papermill.execute, "write_ipynb", counting_final)
    fast = _run(project, "fast", "fast-writes.ipynb", _params(project))
    fast_writes, fast_final = len(writes), len(final)
    writes.clear()
    plain = _run(project, "papermill", "plain-writes.ipynb", _params(project))
    _assert_same(plain, fast)
    cells = len(nbformat.reads(fast, as_version=4).cells)
    assert (fast_writes, fast_final) == (1, 1)
    assert len(writes) > cells  # what papermill itself does: every cell's start and end


def test_a_cell_that_runs_past_its_timeout_leaves_the_notebook_so_far(project: Path) -> None:
    """A stuck cell: the run fails with the timeout, the kernel is not reused, and the
    notebook is still written with the cells that ran (the end-of-run save that the fast
    engine drops after a finished run stays after a failed one)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell("print('first cell ran')"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(60)"),
    ]
    notebook, output = project / "stuck.ipynb", project / "stuck-out.ipynb"
    nbformat.write(nb, notebook)
    with pytest.raises(Exception, match="(?i)timed? ?out"):
        engines.execute(notebook, output, {}, engine="fast", cwd=project, timeout=3)
    written = nbformat.read(output, as_version=4)
    assert "first cell ran" in written.cells[0].outputs[0]["text"]
    assert written.cells[1].get("outputs", []) == []


def test_the_warm_kernels_preloaded_objects_are_out_of_the_collectors_sight() -> None:
    """Each reset runs a full garbage collection (IPython's reset): the preloaded modules'
    objects are frozen when the kernel starts, so it walks only what notebooks made; what a
    notebook makes is still collected."""
    kernel = engines.warm_kernel(engines.FALLBACK_KERNEL)
    kernel.run_silent(
        "import gc\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "class _Cycle:\n    pass\n"
        "a = _Cycle(); a.me = a\n"
        "import weakref\nref = weakref.ref(a)\ndel a\ngc.collect()\n"
        "assert ref() is None\n"
    )
