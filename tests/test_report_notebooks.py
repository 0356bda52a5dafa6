"""The report notebooks: thin, committed without outputs, with the documented parameters."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ["quarterly_scorecard", "child_protection", "looked_after", "national_framework"]
PARAMETERS = [
    "authority",
    "quarter",
    "report",
    "committee",
    "audience",
    "project_dir",
    "data_dir",
    "run_time",
]


@pytest.mark.parametrize("name", REPORTS)
def test_notebook_is_thin_and_clean(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    tree = ast.parse("".join(tagged[0]["source"]))
    assert all(isinstance(t, ast.AnnAssign) for t in tree.body)  # typed, for papermill
    names = [t.target.id for t in tree.body]
    assert names == PARAMETERS
    values = {t.target.id: ast.literal_eval(t.value) for t in tree.body}
    assert values["report"] == name and values["audience"] == "public"
    assert values["authority"] == "901" and values["quarter"] == "2024-25 Q2"
    # thin: no cell longer than a few lines, nothing computed in the notebook
    assert all(len("".join(c["source"]).splitlines()) <= 8 for c in code)
    source = "".join("".join(c["source"]) for c in code)
    assert "QuarterlyReport.build(" in source and "r.metadata()" in source
    assert "import pandas" not in source and "matplotlib" not in source


@pytest.mark.parametrize("name", REPORTS)
def test_papermill_documents_every_parameter(name):
    """``papermill --help-notebook``: a type and a help line naming the valid values."""
    from papermill.inspection import inspect_notebook

    found = inspect_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"))
    assert list(found) == PARAMETERS
    assert all(p["inferred_type_name"] == "str" for p in found.values())
    assert all(len(p["help"]) > 20 for p in found.values())
    assert '"public"' in found["audience"]["help"] and '"restricted"' in found["audience"]["help"]
    assert f'"{name}"' in found["report"]["help"]
    assert "Q1" in found["quarter"]["help"] and "authorities.yaml" in found["authority"]["help"]


@pytest.mark.parametrize("name", REPORTS)
def test_notebook_names_the_kernel_the_project_installs(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    spec = nb["metadata"]["kernelspec"]
    assert spec["name"] == "safeguarding-reports"
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    assert "ipykernel install" in bootstrap and "install_kernel --sys-prefix" in bootstrap
    assert "--name safeguarding-reports" in bootstrap
