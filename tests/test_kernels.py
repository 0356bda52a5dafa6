"""Which kernel a run gets: the notebook's named spec when it starts this interpreter, else
this interpreter's own; a spec that vanishes between the look-up and the start (another
checkout's bootstrap or pip re-installing it, mid-batch) does not fail the run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from safeguarding import engines


def _notebook(path: Path, kernel: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import sys\nprint('ran in', sys.executable, x * 21)"),
    ]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nbformat.write(nb, path)
    return path


def _spec(folder: Path, name: str, python: str) -> None:
    spec = folder / "kernels" / name
    spec.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": name, "language": "python"})
    )


def _printed(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs)


@pytest.mark.parametrize("engine", engines.ENGINES)
def test_a_kernel_spec_that_vanished_before_the_start_falls_back_to_this_interpreter(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", "vanished-spec")
    # the look-up found it; by the kernel's start it was gone
    monkeypatch.setattr(engines, "kernel_for", lambda _nb: "vanished-spec")
    try:
        engines.execute(notebook, tmp_path / "out.ipynb", {"x": 2}, engine=engine, cwd=tmp_path)
    finally:
        engines.shutdown_kernels()
    assert f"ran in {sys.executable} 42" in _printed(tmp_path / "out.ipynb")
    assert "kernel 'vanished-spec' vanished; running nb.ipynb in python3" in capsys.readouterr().err


def test_a_spec_of_the_projects_name_for_another_interpreter_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", engines.PROJECT_KERNEL)
    other, own = tmp_path / "other", tmp_path / "own"
    _spec(other, engines.PROJECT_KERNEL, "/elsewhere/checkout/.venv/bin/python")
    monkeypatch.setenv("JUPYTER_PATH", str(other))  # searched first, as a user-wide spec may be
    assert engines.kernel_for(notebook) == engines.FALLBACK_KERNEL
    _spec(own, engines.PROJECT_KERNEL, sys.executable)
    monkeypatch.setenv("JUPYTER_PATH", str(own))
    assert engines.kernel_for(notebook) == engines.PROJECT_KERNEL
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "none"))
    assert engines.kernel_for(_notebook(tmp_path / "n2.ipynb", "not-installed")) == "python3"


def _kernel_offers_encryption(name: str) -> bool:
    import zmq
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    offered = KernelSpecManager().get_kernel_spec(name).metadata.get("supported_encryption")
    return (
        zmq.has("curve")
        and "transport_encryption" in AsyncKernelManager.class_trait_names()
        and "curve" in (offered or [])
    )


@pytest.mark.parametrize("engine", engines.ENGINES)
def test_a_reports_kernel_talks_over_an_encrypted_transport(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], engine: str
) -> None:
    """A kernel holding child-level records must not send them in plain text over loopback
    TCP (another local user can read it), and the analyst's terminal gets no warning."""
    if not _kernel_offers_encryption(engines.FALLBACK_KERNEL):
        pytest.skip("this installation's zmq, jupyter_client or kernel spec cannot encrypt")
    notebook = _notebook(tmp_path / "nb.ipynb", engines.FALLBACK_KERNEL)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from ipykernel.kernelapp import IPKernelApp\n"
            "app = IPKernelApp.instance()\n"
            "print('transport', app.transport, 'curve', app.curve_secretkey is not None)"
        )
    )
    nbformat.write(nb, notebook)
    engines.execute(notebook, tmp_path / "out.ipynb", {"x": 2}, engine=engine, cwd=tmp_path)
    assert _printed(tmp_path / "out.ipynb").split() == ["transport", "tcp", "curve", "True"]
    assert "without encryption" not in capfd.readouterr().err
