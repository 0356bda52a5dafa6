"""Rendering an executed report notebook to HTML, PDF and Word (on the hand-made fixture)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fixtures import report_fixture as fx
from safeguarding import render

FRONT_SHEET = fx.FRONT_SHEET_FIELDS
SECTIONS = [
    "Summary",
    "Front door: contacts and referrals",
    "Child protection",
    "Children looked after",
    "Caseloads by team and case type",
    "Data quality",
    "Conclusion",
    "About this report",
]
SCORECARD_ROWS = [
    "Second or subsequent plans (NI 65)",
    "CP reviews on time (NI 67)",
    "Re-referrals within 12 months",
    "Looked-after reviews on time (NI 66)",
]
REMOTE = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
    re.I,
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("render")
    nb = fx.write_notebook(folder / "quarterly_scorecard.ipynb")
    return render.render_notebook(nb, folder / "out")


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n"))


def pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def _html_text(path: Path) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def _texts(rendered: dict[str, Path]) -> dict[str, str]:
    return {
        "html": _html_text(rendered["html"]),
        "pdf": pdf_text(rendered["pdf"]),
        "docx": _docx_text(rendered["docx"]),
    }


def _squash(text: str) -> str:
    # pandoc's smart typography gives curly apostrophes; compare with straight ones
    return re.sub(r"\s+", " ", text).replace("\u2019", "'")


def test_all_formats_written(rendered):
    assert set(rendered) == {"html", "pdf", "docx"}
    assert all(p.stat().st_size > 10_000 for p in rendered.values())
    assert rendered["pdf"].read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_front_sheet_sections_and_scorecard_rows(rendered, fmt):
    text = _squash(_texts(rendered)[fmt])
    for label in [*FRONT_SHEET, *SECTIONS, *SCORECARD_ROWS]:
        assert label in text, f"{label!r} missing from the {fmt}"
    for value in [
        "Children's Services Scrutiny Committee",
        "5 November 2024",
        "Alex Example",
        "01632 960000",
        "performance@testshire.example.org",
        "Unrestricted",
        "Non-key decision",
    ]:
        assert value in text, f"{value!r} missing from the {fmt}"
    for status in ["Green", "Red", "No target"]:
        assert status in text  # status in words, not colour alone


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_no_code_or_parameters_in_outputs(rendered, fmt):
    text = _texts(rendered)[fmt]
    for marker in ("SECRET_CODE_MARKER", "PARAMETER_MARKER", "INJECTED_MARKER", "r.something"):
        assert marker not in text


def test_html_is_self_contained_and_accessible_by_construction(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    assert not REMOTE.search(page), REMOTE.search(page)
    assert '<html lang="en-GB"' in page
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert '<nav id="TOC"' in page and "@media print" in page
    # charts inlined (mostly suppressed series are a note and a table instead of a chart)
    assert page.count("data:image/svg+xml;base64,") >= 8
    imgs = re.findall(r"<img [^>]*>", page)
    assert imgs and all('alt="' in i and 'alt=""' not in i for i in imgs)
    assert '<span class="rag rag-red">' in page
    assert "<caption>" in page
    _assert_strict_policy(page)


def _assert_strict_policy(page: str) -> None:
    """The page's Content-Security-Policy: no script runs, nothing loads from elsewhere."""
    import html

    found = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(found) == 1
    policy = {d.split()[0]: d.split()[1:] for d in html.unescape(found[0]).split("; ")}
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert policy["img-src"] == ["data:"] and policy["base-uri"] == ["'none'"]
    assert "<script" not in page.lower()


def test_pdf_is_a4_tagged_with_title_and_language(rendered):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(rendered["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "Children's safeguarding performance scorecard"
    root = reader.trailer["/Root"]
    assert root["/Lang"] in ("en-GB", "en")
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    if render.pdf_standards():
        assert b"pdfuaid" in rendered["pdf"].read_bytes()
    text = pdf_text(rendered["pdf"])
    first = text.split("\f")[0]
    assert "Report to" in first and "Meeting date" in first  # front sheet on page 1
    assert "Contents" in text.split("\f")[1]
    second = _squash(text.split("\f")[2])
    assert "Children's Services Scrutiny Committee" in second and "Unrestricted" in second
    assert re.search(r"Page 3 of \d+", second)


def test_pdf_charts_are_vectors(rendered):
    data = rendered["pdf"].read_bytes()
    assert b"/Subtype /Image" not in data and b"/Subtype/Image" not in data


def test_docx_uses_house_styles_and_fixed_dates(rendered):
    with zipfile.ZipFile(rendered["docx"]) as z:
        document = z.read("word/document.xml").decode("utf-8")
        core = z.read("docProps/core.xml").decode("utf-8")
        stamps = {i.date_time for i in z.infolist()}
    assert 'w:rStyle w:val="RAGRed"' in document or 'w:val="RAG Red"' in document
    assert "2024-10-20T09:30:00Z" in core
    # pandoc stamps its own parts with the run time; the reference document's keep theirs
    assert stamps <= {(2024, 10, 20, 9, 30, 0), (1980, 1, 1, 0, 0, 0)}
    assert "descr=" in document  # chart alt text


def test_rebuild_is_byte_identical(rendered, tmp_path):
    nb = rendered["html"].with_suffix(".ipynb")
    nb = rendered["html"].parent.parent / "quarterly_scorecard.ipynb"
    again = render.render_notebook(nb, tmp_path)
    for fmt, path in rendered.items():
        assert path.read_bytes() == again[fmt].read_bytes(), f"{fmt} differs on rebuild"


def test_failed_notebook_and_missing_metadata_are_errors(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "1/0",
                "outputs": [
                    {
                        "output_type": "error",
                        "ename": "ZeroDivisionError",
                        "evalue": "division by zero",
                        "traceback": [],
                    }
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(render.RenderError, match="ZeroDivisionError"):
        render.render_notebook(path, tmp_path)
    nb["cells"][0]["outputs"] = []
    path.write_text(json.dumps(nb))
    with pytest.raises(render.RenderError, match="metadata"):
        render.render_notebook(path, tmp_path)


def test_index_lists_reports_with_status_and_links(rendered, tmp_path):
    quarter = tmp_path / "2024-25-Q2"
    folder = quarter / "999"
    folder.mkdir(parents=True)
    source = rendered["html"].parent.parent / "quarterly_scorecard.ipynb"
    shutil.copy(source, folder / "quarterly_scorecard.ipynb")
    for fmt, path in rendered.items():
        shutil.copy(path, folder / f"quarterly_scorecard.{fmt}")
    runs = [
        {"authority": "999", "report": "quarterly_scorecard", "status": "ok"},
        {
            "authority": "998",
            "report": "looked_after",
            "status": "failed",
            "reason": "bad dates in episodes",
        },
    ]
    index = render.render_index(quarter, runs)
    page = index.read_text(encoding="utf-8")
    assert (
        'href="999/quarterly_scorecard.pdf"' in page
        and 'href="999/quarterly_scorecard.docx"' in page
    )
    assert "Testshire" in page and "green" in page and "Failed" in page
    assert not REMOTE.search(page)
    _assert_strict_policy(page)
    public = render.render_index(quarter / "public", runs[:1], internal=False).read_text()
    assert "Failed" not in public and "not for publication" not in public
    assert "Internal: not for publication" in page
    _assert_strict_policy(public)
    assert render.render_index(quarter, list(reversed(runs))).read_text() == page
