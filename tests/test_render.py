"""Rendering an executed report notebook to HTML, PDF and Word (on the hand-made fixture)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fixtures import report_fixture as fx
from safeguarding import pandoc_run, render

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
# What Typst (and pdftotext) write where a word is hyphenated: a soft or a typographic hyphen.
HYPHENATION = re.compile("[\u00ad\u2010]")
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
    # every image embedded and labelled for screen readers by its alt text
    for img in imgs:
        assert re.search(r'\ssrc="data:image/[a-z+]+;base64,', img), img[:120]
        label = re.search(r'\srole="img" aria-label="([^"]*)"', img)
        assert label and f'alt="{label.group(1)}"' in img, img[:120]
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
    import pypdf

    reader = pypdf.PdfReader(rendered["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == (
        "Testshire: Children's safeguarding performance scorecard, 2024-25 Q2"
    )
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


def test_html_title_row_headers_and_table_regions(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    title = "Testshire: Children&#39;s safeguarding performance scorecard, 2024-25 Q2"
    assert f"<title>{title}</title>" in page.replace("&#x27;", "&#39;").replace("'", "&#39;")
    rows = re.findall(r"<tbody>.*?</tbody>", page, re.S)
    assert rows and all("<th " in body and 'scope="row"' in body for body in rows)
    assert "Second or subsequent plans (NI 65)</th>" in page  # a scorecard row label
    tables = page.count("<table")
    regions = re.findall(r'<div class="table-scroll"[^>]*>', page)
    assert len(regions) == tables
    assert all('role="region"' in r and 'tabindex="0"' in r and "aria-label=" in r for r in regions)


def _headings(markdown: str) -> list[str]:
    return [re.sub(r"\s*\{[^}]*\}$", "", h) for h in re.findall(r"^#{2,3} (.+)$", markdown, re.M)]


def test_pdf_never_hyphenates_and_never_leaves_a_heading_at_a_page_foot(rendered, tmp_path):
    """Every hyphen at a line's end is one the text has ("Re-referrals", "2023-24"): Typst
    breaks no word of a badge, label or name; and no page ends with a heading."""
    nb = json.loads((rendered["html"].parent.parent / "quarterly_scorecard.ipynb").read_text())
    markdown = render.notebook_to_markdown(nb, tmp_path).markdown
    source = re.sub(r"\\", "", markdown)
    plain = (
        subprocess.run(
            ["pdftotext", str(rendered["pdf"]), "-"], capture_output=True, text=True, check=True
        ).stdout
        if shutil.which("pdftotext")
        else pytest.skip("pdftotext is not installed")
    )
    assert not HYPHENATION.search(plain), HYPHENATION.search(plain)
    broken = re.findall(r"(\w+)-\n(\w+)", plain)
    invented = [f"{a}-{b}" for a, b in broken if f"{a}-{b}" not in source]
    assert invented == []
    headings = {h.replace("'", "\u2019") for h in _headings(markdown)} | set(_headings(markdown))
    for n, page in enumerate(pdf_text(rendered["pdf"]).split("\f")[:-1], start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not re.search(r"Page \d+ of \d+", line)]
        assert body and body[-1] not in headings, f"page {n} ends with the heading {body[-1]!r}"


def test_pdf_badges_and_names_in_narrow_columns_wrap_at_spaces_only(tmp_path):
    """Squeezed columns (given widths, not the content's) still break no word: "Green:
    tar-get met" and "As-sess-ment Cen-tral" were the PDF's before."""
    from safeguarding.markup import Fragment, Table
    from safeguarding.report import META_MIME, rag_span

    names = ["Assessment Central", "Safeguarding Partnership East"]
    table = Table(
        "Narrow",
        ["Team", "Status", "Notes"],
        [[n, rag_span("green", "target met"), "x"] for n in names],
        widths=(6, 6, 88),
    )
    outputs = [
        {"output_type": "display_data", "metadata": {}, "data": data}
        for data in (
            {META_MIME: fx.build().metadata().meta, "text/plain": ""},
            Fragment([table])._repr_mimebundle_(),
        )
    ]
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": outputs}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "narrow.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    pdf = render.render_notebook(path, tmp_path, formats=("pdf",))["pdf"]
    text = pdf_text(pdf)
    assert not HYPHENATION.search(text), HYPHENATION.search(text)
    for name in names:  # whole words, wrapped at spaces
        assert all(word in text.split() for word in name.split())


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


def test_typst_pieces_written_at_once_are_each_as_written_alone(tmp_path):
    """The Lua filter writes the Typst of every caption, label and front-sheet cell in one
    pandoc run at the end; each must be what writing it alone gives (pandoc's own typst
    writer, one run per piece), with no placeholder or separator left in the document."""
    pieces = ["Figure *one* with # and $5 and a [link](https://example.org)",
              "Commentary drafted from the figures", "Author", "Ann *Other*, 01234 567890",
              "Second caption: 25% fell \\- or rose"]  # fmt: skip
    markdown = "\n\n".join([
        f"Author\n\n:   {pieces[3]}\n",
        f"![{pieces[0]}](a.svg)",
        f"::: {{.commentary-label}}\n{pieces[1]}\n:::",
        "A paragraph between.",
        f"![{pieces[4]}](b.svg)",
    ])  # fmt: skip
    (tmp_path / "a.svg").write_text("<svg/>")
    (tmp_path / "b.svg").write_text("<svg/>")
    source = tmp_path / "doc.md"
    source.write_text(markdown, encoding="utf-8")
    filters = str(render.TEMPLATES / "filters.lua")

    def typst(text_or_path: str | Path, *extra: str) -> str:
        args = [pandoc_run.pandoc_path(), "--from=markdown", "--to=typst", *extra]
        if isinstance(text_or_path, Path):
            return subprocess.run([*args, str(text_or_path)], capture_output=True, text=True,
                                  check=True).stdout  # fmt: skip
        return subprocess.run(args, input=text_or_path, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip

    out = typst(source, f"--lua-filter={filters}")
    assert "\ue000" not in out and "safeguarding: next piece" not in out
    for piece in pieces:
        alone = typst(piece)
        assert alone and alone in out, (piece, alone, out)
    assert "#block(sticky: true)[" + typst(pieces[1]) + "]" in out
    assert out.count("#figure(") == 2


def test_the_callers_work_runs_while_pandoc_reads_and_its_error_stops_the_render(tmp_path):
    """``meanwhile`` (a run's notebook scan) is done while pandoc's reader process is alive;
    if it fails, the reader is stopped and nothing is written."""
    import psutil

    nb = fx.write_notebook(tmp_path / "quarterly_scorecard.ipynb")
    seen: list[list[str]] = []

    def look() -> None:
        seen.append([p.name() for p in psutil.Process().children()])

    written = render.render_notebook(nb, tmp_path / "out", formats=["html"], meanwhile=look)
    assert written["html"].is_file()
    assert len(seen) == 1 and any("pandoc" in name for name in seen[0]), seen

    def fail() -> None:
        raise RuntimeError("the scan failed")

    with pytest.raises(RuntimeError, match="the scan failed"):
        render.render_notebook(nb, tmp_path / "failed", formats=["html"], meanwhile=fail)
    assert not list((tmp_path / "failed").glob("*.html"))
    assert not [p for p in psutil.Process().children() if "pandoc" in p.name()]


def test_the_renderer_and_the_batch_do_not_import_the_charts():
    # the batch's own process renders a single run and writes the quarter's index; the
    # charts (matplotlib, about half a second to import) are drawn in the kernel only
    code = (
        "import sys, safeguarding.render, safeguarding.batch, safeguarding.commands.run; "
        "sys.exit(sorted({'matplotlib', 'safeguarding.charts'} & set(sys.modules)) or None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_page_embeds_only_the_reports_own_images(tmp_path):
    (tmp_path / "figure-01.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "commentary-image-01.png").write_bytes(b"\x89PNG")
    page = (
        '<p>a &lt;img src="x.png"&gt; in words</p>\n'
        '<img src="figure-01.svg" alt="Rose from 3 to 5 &amp; then fell" />\n'
        '<img src="commentary-image-01.png" style="width:50.0%" alt="A picture" />\n'
        '<img src="data:image/gif;base64,R0lG" alt="kept" />'
    )
    out = render.embed_images(page, tmp_path)
    assert out.splitlines()[0] == '<p>a &lt;img src="x.png"&gt; in words</p>'
    assert out.splitlines()[1] == (
        '<img role="img" aria-label="Rose from 3 to 5 &amp; then fell" '
        'src="data:image/svg+xml;base64,PHN2Zy8+" alt="Rose from 3 to 5 &amp; then fell" />'
    )
    assert out.splitlines()[2] == (
        '<img role="img" aria-label="A picture" src="data:image/png;base64,iVBORw==" '
        'style="width:50.0%" alt="A picture" />'
    )
    assert out.splitlines()[3] == '<img src="data:image/gif;base64,R0lG" alt="kept" />'
    # anything else is an error naming it, never a fetch or a read outside the folder
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    for src in (
        "https://example.org/a.png",
        "../figure-01.svg",
        "/etc/passwd",
        "missing.svg",
        "notes.txt",
    ):
        with pytest.raises(render.RenderError, match="cannot embed"):
            render.embed_images(f'<img src="{src}" alt="x" />', tmp_path)
