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
    names = [t.targets[0].id for t in tree.body]
    assert names == PARAMETERS
    values = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body}
    assert values["report"] == name and values["audience"] == "public"
    assert values["authority"] == "901" and values["quarter"] == "2024-25 Q2"
    # thin: no cell longer than a few lines, nothing computed in the notebook
    assert all(len("".join(c["source"]).splitlines()) <= 8 for c in code)
    source = "".join("".join(c["source"]) for c in code)
    assert "QuarterlyReport.build(" in source and "r.metadata()" in source
    assert "import pandas" not in source and "matplotlib" not in source

