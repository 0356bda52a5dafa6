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
from published_demo import GROUP, public_reports
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


@pytest.mark.parametrize("report", ["quarterly_scorecard", "child_protection", "looked_after"])
def test_report_on_a_phone_has_no_violations_and_no_contrast_left_for_review(quarter, report):
    """At 390 CSS pixels (a phone) axe decides every contrast itself: nothing is left for a
    person to review (a table scrolled out of its region used to leave dozens)."""
    result = axe.audit(quarter / fx.AUTHORITY / f"{report}.html", width=390)
    assert result["width"] <= 390
    assert result["violations"] == []
    review = [v for v in result["incomplete"] if v["id"] == "color-contrast"]
    assert review == [], "\n".join(n for v in review for n in v["nodes"])


@pytest.mark.parametrize("report", ["quarterly_scorecard", "child_protection", "looked_after"])
def test_page_never_scrolls_sideways_at_320_pixels(quarter, report):
    """WCAG 1.4.10 (reflow): at 320 CSS pixels only the tables' own regions scroll."""
    result = axe.audit(quarter / fx.AUTHORITY / f"{report}.html", width=320)
    assert result["width"] <= 320
    assert result["scrollWidth"] <= result["width"]


def test_a_wide_table_without_its_region_does_scroll_the_page(tmp_path):
    """The measurement can fail: the same table outside a scrolling region widens the page."""
    page = tmp_path / "wide.html"
    cells = "".join(f"<td>{n:,}</td>" for n in range(600_000, 600_012))
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
        f"<table><caption>Wide</caption><tr><th>x</th>{cells}</tr></table></main></body></html>"
    )
    result = axe.audit(page, width=320)
    assert result["scrollWidth"] > result["width"]


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


# The real notebooks' pages as the batch publishes them (the fixture's above are the report
# module's output for made-up figures): each public report of the demo quarter for 904 (the
# authority with statutory-format returns beside its own, and the disclosure regression's), and
# the quarter's two indexes.
DEMO_AUTHORITY = "904"


@GROUP
@pytest.mark.parametrize("report", public_reports())
def test_each_published_demo_report_has_no_violations_on_a_desktop_or_a_phone(
    demo_quarter, report
):
    page = demo_quarter / "public" / DEMO_AUTHORITY / report / f"{report}.html"
    _check(page)
    phone = axe.audit(page, width=390)
    assert phone["violations"] == []
    assert [v for v in phone["incomplete"] if v["id"] == "color-contrast"] == []
    narrow = axe.audit(page, width=320)
    assert narrow["scrollWidth"] <= narrow["width"] <= 320


@GROUP
@pytest.mark.parametrize("index", ["public/index.html", "internal-index.html"])
def test_the_demo_quarters_indexes_have_no_violations(demo_quarter, index):
    _check(demo_quarter / index)


def test_chromium_is_driven_without_network():
    assert "--disable-background-networking" in axe.CHROMIUM_FLAGS
    assert shutil.which("chromium") or shutil.which("chromium-browser")
