"""A plain ``pip install .`` (no extras, no poppler) computes indicators and publishes a
report: every module the batch imports at run time is a declared dependency.

The first test builds a fresh virtual environment from PyPI (about a minute); it is marked
``install`` (``pytest -m "not install"`` leaves it out) and skips by itself when the package
index cannot be reached or ``SAFEGUARDING_SKIP_INSTALL_TEST`` is set. CI runs it. The second
test checks the same from the source, without installing anything.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "safeguarding"
RETURN = ROOT / "tests" / "bad_inputs" / "s903_base_figures" / "return"
# Imports whose dependency another change is declaring (it fails here until then).
def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def name(requirement: str) -> str:
        for stop in "<>=!~[; ":
            requirement = requirement.split(stop)[0]
        return requirement.strip().lower().replace("_", "-")

    runtime = {name(r) for r in project["dependencies"]}
    extras = {k: {name(r) for r in v} for k, v in project.get("optional-dependencies", {}).items()}
    return runtime, extras


def _imports() -> dict[str, list[str]]:
    """Top-level third-party modules imported anywhere in the library, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for module in names:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "safeguarding":
                    continue
                found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_library_import_is_a_declared_dependency() -> None:
    runtime, extras = _declared()
    distributions = metadata.packages_distributions()
    undeclared = {}
    for module, where in _imports().items():
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if dists & runtime:
            continue
        # an optional extra's import must sit behind its own error (the dask executor)
        if any(dists & deps for extra, deps in extras.items() if extra != "dev"):
            continue
        undeclared[module] = where
    assert not undeclared, f"imported but not a runtime dependency: {undeclared}"


@pytest.fixture(scope="module")
def plain_venv(tmp_path_factory) -> Path:
    if os.environ.get("SAFEGUARDING_SKIP_INSTALL_TEST"):
        pytest.skip("SAFEGUARDING_SKIP_INSTALL_TEST is set")
    where = tmp_path_factory.mktemp("plain-install")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        if any(w in done.stderr for w in ("NewConnectionError", "Could not find a version")):
            pytest.skip(f"the package index is not reachable: {done.stderr.strip()[-300:]}")
        raise AssertionError(f"pip install . failed:\n{done.stderr[-3000:]}")
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # no poppler (pdftotext), no development packages: only what the install put in the venv
    env = {"PATH": str(venv / "bin"), "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(venv / "bin" / "safeguarding"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.install
def test_plain_install_computes_indicators(plain_venv: Path, tmp_path: Path) -> None:
    done = _run(
        plain_venv,
        "indicators",
        "--ssda903",
        str(RETURN),
        "--collection-year",
        "2017-18",
        "--authority",
        "999",
        "--period",
        "2017-18",
        "--indicator",
        "NI62",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    # the hand-worked figure of tests/bad_inputs/s903_base_figures
    assert "999,NI62,2017-18,50.0,1,2" in done.stdout


@pytest.mark.install
def test_plain_install_publishes_a_report(plain_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, project / folder)
    demo = _run(
        plain_venv,
        "demo-data",
        "--authorities",
        "1",
        "--years",
        "2022-23..2024-25",
        "--real-formats",
        "none",
        "--jobs",
        "1",
        "--out",
        str(project / "data" / "demo"),
        cwd=project,
    )
    assert demo.returncode == 0, demo.stderr
    run = _run(
        plain_venv,
        "run",
        "--quarter",
        "2024-25 Q2",
        "--authority",
        "901",
        "--report",
        "quarterly_scorecard",
        "--jobs",
        "1",
        "--project",
        str(project),
        cwd=project,
    )
    published = project / "outputs" / "2024-25-Q2" / "public" / "901" / "quarterly_scorecard"
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    for suffix in ("html", "pdf", "docx"):
        assert (published / f"quarterly_scorecard.{suffix}").stat().st_size > 0
