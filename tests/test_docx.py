"""The Word document of every report type: its XML (page, header and footer, contents, tables,
pictures, properties) and, where LibreOffice is installed, its pages as a reader sees them."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fixtures import report_fixture as fx
from lxml import etree
from safeguarding import render, word

NS = word.NS
W = f"{{{word.W_NS}}}"
REPORTS = {
    "quarterly_scorecard": ("public", ("front_door", "child_protection", "looked_after")),
    "child_protection": ("public", ("child_protection",)),
    "looked_after": ("restricted", ("looked_after", "care_leavers")),
}
TITLE = "Children's safeguarding performance scorecard"
STATUS_STYLES = {
    "Green": ("RAGGreen", "1A7A3A"),
    "Amber": ("RAGAmber", "F2C230"),
    "Red": ("RAGRed", "B3261E"),
    "No target": ("RAGNone", "E4E6EA"),
    "Suppressed": ("RAGSuppressed", "D6E4F0"),
    "Not computable": ("RAGUnavailable", "ECE3F5"),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    """The fixture's three report types rendered to Word (and PDF, to compare with)."""
    folder = tmp_path_factory.mktemp("docx")
    out = {}
    for report, (audience, themes) in REPORTS.items():
        nb = fx.notebook(fx.build(audience), themes)
        path = folder / f"{report}.ipynb"
        path.write_text(json.dumps(nb), encoding="utf-8")
        out[report] = render.render_notebook(path, folder, formats=("docx", "pdf"))["docx"]
    return out


def _text(element: etree._Element) -> str:
    """The text of Word's runs (not the XML's indentation)."""
    return "".join(t.text or "" for t in element.iter(W + "t"))


def _part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def _charts(report: str) -> int:
    nb = fx.notebook(fx.build(REPORTS[report][0]), REPORTS[report][1])
    return sum(
        "image/svg+xml" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
    )


@pytest.mark.parametrize("report", list(REPORTS))
def test_page_is_a4_with_the_pdfs_margins_header_and_footer(documents, report):
    doc = _part(documents[report], "word/document.xml")
    sect = doc.find("w:body/w:sectPr", NS)
    size, margins = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
    assert (int(size.get(W + "w")), int(size.get(W + "h"))) == (11906, 16838)  # 210 x 297 mm
    # report.typ: 18 mm at the sides and foot, 22 mm at the top (1 mm = 56.7 twips)
    assert {k: int(margins.get(W + k)) for k in ("top", "bottom", "left", "right")} == {
        "top": 1247,
        "bottom": 1020,
        "left": 1020,
        "right": 1020,
    }
    rels = _part(documents[report], "word/_rels/document.xml.rels")
    targets = {r.get("Id"): r.get("Target") for r in rels}
    header = sect.find("w:headerReference", NS).get(f"{{{word.R_NS}}}id")
    footer = sect.find("w:footerReference", NS).get(f"{{{word.R_NS}}}id")
    head = _part(documents[report], "word/" + targets[header])
    foot = _part(documents[report], "word/" + targets[footer])
    head_text = _text(head)
    assert "Children's Services Scrutiny Committee · 5 November 2024" in head_text
    assert ("Unrestricted" if REPORTS[report][0] == "public" else "Restricted") in head_text
    fields = [f.get(W + "instr").strip() for f in foot.iter(W + "fldSimple")]
    assert fields == ["PAGE", "NUMPAGES"]
    assert "Page 1 of 1" in _text(foot)  # the fields' results until updated
    assert f"Testshire · {TITLE} · 2024-25 Q2" in _text(foot)
    types = _part(documents[report], "[Content_Types].xml")
    parts = {o.get("PartName") for o in types}
    assert {"/word/header1.xml", "/word/footer1.xml"} <= parts


@pytest.mark.parametrize("report", list(REPORTS))
def test_contents_list_every_section_with_links_and_page_fields(documents, report):
    body = _part(documents[report], "word/document.xml").find("w:body", NS)
    sdt = body.find("w:sdt", NS)
    entries = sdt.findall("w:sdtContent/w:p", NS)[1:]
    headings = [
        p
        for p in body.iter(W + "p")
        if p.find("w:pPr/w:pStyle", NS) is not None
        and p.find("w:pPr/w:pStyle", NS).get(W + "val") in ("Heading1", "Heading2")
    ]
    assert len(entries) == len(headings) > 8
    names = {b.get(W + "name") for p in headings for b in p.iter(W + "bookmarkStart")}
    for entry, heading in zip(entries, headings, strict=True):
        link = entry.find("w:hyperlink", NS)
        assert _text(link) == _text(heading)
        assert link.get(W + "anchor") in names
        instr = "".join(t.text for t in entry.iter(W + "instrText"))
        assert f"PAGEREF {link.get(W + 'anchor')}" in instr
    # after the front sheet, on a page of its own, as in the PDF
    before = list(body)[: list(body).index(sdt)]
    assert any("Report to" in _text(b) for b in before)
    assert sdt.find(".//w:pageBreakBefore", NS) is not None
    settings = _part(documents[report], "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(W + "val") == "true"


def test_front_sheet_is_a_two_column_table_with_shaded_labels(documents):
    body = _part(documents["quarterly_scorecard"], "word/document.xml").find("w:body", NS)
    first = body.find("w:tbl", NS)
    rows = first.findall("w:tr", NS)
    labels = [_text(r.findall("w:tc", NS)[0]) for r in rows]
    assert labels == [
        "Report to",
        "Meeting date",
        "Report of",
        "Contact officer",
        "Report title",
        "Authority",
        "Period",
        "Classification",
        "Wards affected",
        "Decision type",
    ]
    assert all(len(r.findall("w:tc", NS)) == 2 for r in rows)
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows)
    fills = {r.find("w:tc/w:tcPr/w:shd", NS).get(W + "fill") for r in rows}
    assert fills == {word.LABEL_FILL}
    title = body.findall("w:p", NS)[:4]
    text = [_text(p) for p in title]
    assert text[0] == TITLE
    assert "Children's Services Scrutiny Committee, 5 November 2024" in text  # not the run date


def _scorecards(path: Path) -> list[etree._Element]:
    body = _part(path, "word/document.xml").find("w:body", NS)
    return [
        t
        for t in body.iter(W + "tbl")
        if "Status" in _text(t.find("w:tr", NS))
        and "Indicator" in _text(t.find("w:tr", NS))
    ]


@pytest.mark.parametrize("report", list(REPORTS))
def test_scorecards_repeat_header_rows_never_split_rows_and_shade_status(documents, report):
    tables = _scorecards(documents[report])
    assert tables
    for table in tables:
        rows = table.findall("w:tr", NS)
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])
        assert all(r.find("w:trPr/w:cantSplit", NS) is not None for r in rows)
        widths = [int(c.get(W + "w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
        assert abs(sum(widths) - word.TEXT_WIDTH) <= len(widths)  # the A4 text width
        assert widths[0] == max(widths)  # from content: the names, not equal shares
        for row in rows[1:]:
            status = row.findall("w:tc", NS)[-1]
            style = status.find(".//w:rStyle", NS).get(W + "val")
            fill = status.find("w:tcPr/w:shd", NS).get(W + "fill")
            assert fill == word.RAG_FILLS[style]
            words = re.match(r"Green|Amber|Red|No target|Suppressed|Not computable", _text(status))
            assert words
            # each status its own style and shading, as report.css colours it
            assert (style, fill) == STATUS_STYLES[words.group(0)]


def _least_twips(text: str) -> float:
    """A generous estimate of a word's width at the tables' 8 pt (Arial: a digit is 0.556 em,
    per cent 0.889 em), in twips, plus the cell's margins (2 x 60)."""
    em = 8 * 20
    return sum((0.889 if c == "%" else 0.556) * em for c in text) + 120


def test_no_figure_is_narrower_than_its_column(documents):
    """A column is at least as wide as its longest figure, so '628,750' never wraps."""
    for table in _scorecards(documents["quarterly_scorecard"]):
        widths = [int(c.get(W + "w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
        for row in table.findall("w:tr", NS)[1:]:
            for width, cell in zip(widths[1:-1], row.findall("w:tc", NS)[1:-1], strict=True):
                for figure in _text(cell).split():
                    assert _least_twips(figure) <= width, (figure, width)


@pytest.mark.parametrize("report", list(REPORTS))
def test_charts_are_pngs_at_print_resolution_with_alt_text(documents, report):
    with zipfile.ZipFile(documents[report]) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        pngs = {n: z.read(n) for n in media}
    assert media and all(n.endswith(".png") for n in media)  # no SVG (and no converter)
    assert len(media) == _charts(report)
    from PIL import Image

    for data in pngs.values():
        assert data.startswith(b"\x89PNG")
        image = Image.open(io.BytesIO(data))
        dpi = image.info["dpi"][0]
        assert round(dpi) == 220 and image.size[0] == round(6.4 * 220)
    doc = _part(documents[report], "word/document.xml")
    frames = list(doc.iter(f"{{{word.WP_NS}}}docPr"))
    pictures = list(doc.iter(f"{{{word.PIC_NS}}}cNvPr"))
    assert len(frames) == len(pictures) == len(media)
    for frame, picture in zip(frames, pictures, strict=True):
        alt = frame.get("descr")
        assert len(alt) > 40 and not alt.endswith((".png", ".svg"))
        assert picture.get("descr") == alt


@pytest.mark.parametrize("report", list(REPORTS))
def test_titles_name_authority_report_and_quarter_in_every_format(documents, report):
    expected = f"Testshire: {TITLE}, 2024-25 Q2"
    core = _part(documents[report], "docProps/core.xml")
    assert core.find("{http://purl.org/dc/elements/1.1/}title").text == expected
    import pypdf

    assert pypdf.PdfReader(documents[report].with_suffix(".pdf")).metadata.title == expected


def test_word_has_what_the_pdf_has(documents):
    """A reader of the Word file alone misses nothing: every line of the PDF's text (bar the
    running header and footer, and the contents' page numbers) is in the Word text."""
    from test_render import pdf_text

    path = documents["quarterly_scorecard"]
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    word_text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", xml)).replace("\u2019", "'")
    pdf = pdf_text(path.with_suffix(".pdf"))
    missing = []
    for line in pdf.split("\n"):
        squashed = re.sub(r"\s+", "", line).replace("\u2019", "'")
        if not squashed or re.search(r"Page\d+of\d+|\.\.\.\.", squashed):
            continue
        if squashed in ("Unrestricted", "UNRESTRICTED") or squashed.startswith(
            ("Children'sServicesScrutinyCommittee·", "Testshire·")
        ):
            continue  # the running header and footer (in Word's header and footer parts)
        if not re.search(r"[A-Za-z]{3}", squashed):
            continue  # chart axes and tick labels, drawn inside the pictures in Word
        words = re.findall(r"[A-Za-z][A-Za-z'-]{3,}", line)
        if any(w.replace("'", "'") not in word_text for w in words):
            missing.append(line.strip())
    # text drawn in the charts (legends): inside the pictures in Word
    nb = fx.notebook(fx.build("public"), REPORTS["quarterly_scorecard"][1])
    svg = " ".join(
        "".join(o["data"]["image/svg+xml"])
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "image/svg+xml" in o.get("data", {})
    )
    drawn = set(re.findall(r"[A-Za-z]+", " ".join(re.findall(r">([^<]+)</text>", svg))))
    missing = [m for m in missing if not set(re.findall(r"[A-Za-z]+", m)) <= drawn]
    assert missing == []


# --- as pictures: LibreOffice's conversion to PDF, then PNG pages ----------------------------
def _office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _to_pdf(docx: Path, out: Path) -> Path:
    profile = out / "lo-profile"
    subprocess.run(
        [
            _office(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return out / docx.with_suffix(".pdf").name


NO_OFFICE = "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"


@pytest.mark.skipif(_office() is None, reason=NO_OFFICE)
@pytest.mark.parametrize("report", list(REPORTS))
def test_libreoffice_pages_have_header_footer_contents_and_every_chart(documents, report, tmp_path):
    for tool in ("pdftotext", "pdfimages", "pdftoppm"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")
    pdf = _to_pdf(documents[report], tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert "(A4)" in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:pages]
    classification = "Unrestricted" if REPORTS[report][0] == "public" else "Restricted"
    for n, page in enumerate(text, start=1):
        assert "Children's Services Scrutiny Committee · 5 November 2024" in page
        assert classification in page.split("\n", 3)[0]
        assert f"Page {n} of {pages}" in page
    # the contents on page 2 with the pages LibreOffice laid out
    numbers = re.findall(r"^\s*Summary\.{4,}\s*(\d+)\s*$", text[1], re.M)
    assert numbers and 1 <= int(numbers[0]) <= pages
    summary_page = next(
        n for n, page in enumerate(text, 1) if re.search(r"^\s*Summary\s*$", page, re.M)
    )
    assert int(numbers[0]) == summary_page
    # every chart is drawn (an SVG-only picture is blank space in LibreOffice)
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    pictures = [line for line in images if line.split()[2] == "image"]  # not the alpha masks
    assert len(pictures) == _charts(report)
    # and the pages as pictures, for a person to look at
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        grey = Image.open(png).convert("L")
        inked = sum(grey.histogram()[:200])
        assert inked > 0.01 * grey.size[0] * grey.size[1]  # every page has something on it
