"""Every report type, executed by Papermill on demo data and rendered in all three formats.

Slow (a kernel and the indicator engine per notebook), so one module-scoped run serves every
test here. Uses ``safeguarding.demo`` for a small two-authority, three-year data folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from safeguarding import render

ROOT = Path(__file__).resolve().parents[1]
REPORTS = {
    "quarterly_scorecard": [
        "Front door: contacts and referrals",
        "Assessments",
        "Child protection",
        "Children looked after",
        "Care leavers",
    ],
    "child_protection": ["Child protection", "Month by month"],
    "looked_after": ["Children looked after", "Care leavers"],
    "national_framework": [
        "The outcomes and enablers",
        "Outcome 1: families stay together and get the help they need",
        "Outcome 4: children in care and care leavers have stable, loving homes",
        "Equality: ethnic disproportionality",
        "Children on a child protection plan by ethnic group",
        "Enabler: the workforce is equipped and effective",
    ],
}


@pytest.fixture(scope="module")
def demo_dir(small_demo) -> Path:
    return small_demo


@pytest.fixture(scope="module")
def executed(demo_dir, tmp_path_factory) -> dict[str, Path]:
    import papermill

    out = tmp_path_factory.mktemp("executed")
    done = {}
    for report in REPORTS:
        path = out / f"{report}.ipynb"
        papermill.execute_notebook(
            str(ROOT / "notebooks" / f"{report}.ipynb"),
            str(path),
            parameters={
                "authority": "901",
                "data_dir": str(demo_dir),
                "run_time": "2024-10-20T09:00:00+00:00",
            },
            cwd=str(ROOT),
            progress_bar=False,
            kernel_name="python3",
        )
        done[report] = path
    return done


@pytest.mark.parametrize("report", list(REPORTS))
def test_report_renders_in_every_format_with_its_sections(executed, report, tmp_path):
    paths = render.render_notebook(executed[report], tmp_path)
    assert set(paths) == {"html", "pdf", "docx"}
    page = paths["html"].read_text(encoding="utf-8")
    for heading in [
        "Purpose of the report",
        "Recommendations",
        "Implications",
        "Data quality",
        "Conclusion",
        "About this report",
        *REPORTS[report],
    ]:
        assert re.search(rf"<h[23][^>]*>{re.escape(heading)}", page.replace("&#39;", "'")), heading
    assert "QuarterlyReport.build" not in page and "authority = " not in page
    from test_render import pdf_text

    text = pdf_text(paths["pdf"])
    assert "Report to" in text and "(901)" in text


def test_executed_notebooks_carry_metadata_and_no_code_output(executed):
    for report, path in executed.items():
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta = render.read_meta(path)
        assert meta["report"] == report and meta["authority"] == "901"
        errors = [
            o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
        ]
        assert errors == []
