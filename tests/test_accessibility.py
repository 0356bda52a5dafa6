"""WCAG 2.2 A/AA: axe-core in headless Chromium over every report type and the quarter index.

Needs Debian's ``chromium`` and axe-core from npm (``npm install`` with the project's
package.json); skips with the reason when either is missing. No network is used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import axe
import pytest
from fixtures import report_fixture as fx
from safeguarding import render

REASON = axe.available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> Path:
    """A quarter folder holding the fixture's three report types and its index."""
    root = tmp_path_factory.mktemp("a11y") / "2024-25-Q2"
    runs = []
    for report, audience, themes in [
        ("quarterly_scorecard", "public", ("front_door", "child_protection", "looked_after")),
        ("child_protection", "public", ("child_protection",)),
        ("looked_after", "restricted", ("looked_after", "care_leavers")),
    ]:
        folder = root / fx.AUTHORITY
        folder.mkdir(parents=True, exist_ok=True)
        nb = fx.notebook(fx.build(audience), themes)
        path = folder / f"{report}.ipynb"
        path.write_text(json.dumps(nb), encoding="utf-8")
        render.render_notebook(path, folder, formats=("html",))
        runs.append({"authority": fx.AUTHORITY, "report": report, "status": "ok"})
    render.render_index(root, runs)
    return root


def _check(page: Path) -> None:
    violations = axe.run_axe(page)
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations
    )


@pytest.mark.parametrize("report", ["quarterly_scorecard", "child_protection", "looked_after"])
def test_report_has_no_wcag_violations(quarter, report):
    _check(quarter / fx.AUTHORITY / f"{report}.html")


def test_index_has_no_wcag_violations(quarter):
    _check(quarter / "index.html")


def test_axe_finds_violations_when_there_are_some(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>'
    )
    ids = {v["id"] for v in axe.run_axe(bad)}
    assert {"image-alt", "html-has-lang"} <= ids


def test_demo_reports_when_built():
    """The batch's real outputs, when a demo quarter has been run (scripts/demo)."""
    outputs = Path(__file__).resolve().parents[1] / "outputs" / "2024-25-Q2"
    indexes = [outputs / "public" / "index.html", outputs / "internal-index.html"]
    pages = sorted(outputs.glob("public/*/*/*.html"))[:3] + [p for p in indexes if p.is_file()]
    if not pages:
        pytest.skip("no demo quarter under outputs/ (run scripts/demo)")
    for page in pages:
        _check(page)


def test_chromium_is_driven_without_network():
    assert "--disable-background-networking" in axe.CHROMIUM_FLAGS
    assert shutil.which("chromium") or shutil.which("chromium-browser")
