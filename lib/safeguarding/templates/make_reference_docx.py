"""Build ``reference.docx``, the Word house style, from pandoc's default reference document.

Run after changing the style (the result is committed; rendering never runs this):

    .venv/bin/python lib/safeguarding/templates/make_reference_docx.py

Changes to pandoc's default: Arial 11 pt and British English throughout, headings and title
in the house blue and left-aligned, tables with rules and a shaded header row, and the
character styles ``RAG Green``/``RAG Amber``/``RAG Red``/``RAG None``/``RAG Suppressed``/
``RAG Unavailable`` that the Lua filter gives status words (colour in Word as on screen; the
words stay for everyone else); A4 with the PDF's margins (``safeguarding.word``: Quarto's Word
output gets the page too), headings sized as in the PDF, and contents entries
(``TOC 1``/``TOC 2``) with dotted leaders to the page number.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pypandoc
from safeguarding.markup import RAG_COLOURS
from safeguarding.word import TEXT_WIDTH, section_xml

HERE = Path(__file__).resolve().parent
BRAND = "123B5F"
# one character style a status (RAG Green ... RAG Unavailable), in the report's own colours
RAG = {s.title(): (fill[1:].upper(), ink[1:].upper()) for s, (fill, ink) in RAG_COLOURS.items()}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _rag_styles() -> str:
    out = []
    for name, (fill, ink) in RAG.items():
        out.append(
            f'<w:style w:type="character" w:customStyle="1" w:styleId="RAG{name}">'
            f'<w:name w:val="RAG {name}"/><w:basedOn w:val="DefaultParagraphFont"/>'
            f'<w:rPr><w:b/><w:color w:val="{ink}"/>'
            f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:rPr></w:style>'
        )
    return "".join(out)


TABLE_STYLE = f"""<w:style w:type="table" w:default="1" w:styleId="Table">
    <w:name w:val="Table" />
    <w:basedOn w:val="TableNormal" />
    <w:qFormat />
    <w:rPr><w:sz w:val="16" /><w:szCs w:val="16" /></w:rPr>
    <w:tblPr>
      <w:tblInd w:w="0" w:type="dxa" />
      <w:tblBorders>
        <w:top w:val="single" w:sz="4" w:space="0" w:color="C9CED6"/>
        <w:bottom w:val="single" w:sz="4" w:space="0" w:color="C9CED6"/>
        <w:insideH w:val="single" w:sz="4" w:space="0" w:color="C9CED6"/>
      </w:tblBorders>
      <w:tblCellMar>
        <w:top w:w="40" w:type="dxa" />
        <w:left w:w="60" w:type="dxa" />
        <w:bottom w:w="40" w:type="dxa" />
        <w:right w:w="60" w:type="dxa" />
      </w:tblCellMar>
    </w:tblPr>
    <w:tblStylePr w:type="firstRow">
      <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
      <w:tcPr>
        <w:shd w:val="clear" w:color="auto" w:fill="{BRAND}"/>
        <w:vAlign w:val="bottom"/>
      </w:tcPr>
    </w:tblStylePr>
  </w:style>"""


TOC_STYLES = "".join(
    f'<w:style w:type="paragraph" w:styleId="TOC{level}"><w:name w:val="toc {level}"/>'
    '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>'
    f'<w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/>'
    f'</w:tabs><w:spacing w:before="{before}" w:after="0"/><w:ind w:left="{indent}"/></w:pPr>'
    f"<w:rPr>{bold}</w:rPr></w:style>"
    for level, before, indent, bold in ((1, 100, 0, "<w:b/>"), (2, 20, 340, ""))
)
# Labels over the text they introduce (the commentary's): kept on the same page as it.
LABEL_STYLE = (
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="CommentaryLabel">'
    '<w:name w:val="Commentary Label"/><w:basedOn w:val="BodyText"/><w:next w:val="BodyText"/>'
    '<w:pPr><w:keepNext/></w:pPr></w:style>'
)
# Heading sizes in half-points, as report.typ sets them (13, 11 and 10 pt; title 18 pt).
HEADING_SIZES = {"Title": 36, "Heading1": 26, "Heading2": 22, "Heading3": 20}


def _size(xml: str, style: str, half_points: int) -> str:
    start = xml.index(f'w:styleId="{style}"')
    end = xml.index("</w:style>", start)
    block = re.sub(r'(<w:szC?s? w:val=")\d+(")', rf"\g<1>{half_points}\2", xml[start:end])
    return xml[:start] + block + xml[end:]


def patch_document(xml: str) -> str:
    """The reference's own page: A4 with the PDF's margins (pandoc copies it)."""
    # after the footnote settings: the schema's order (Word rejects a section out of order)
    return xml.replace("</w:sectPr>", f"{section_xml()}</w:sectPr>", 1)


def patch_styles(xml: str) -> str:
    xml = re.sub(
        r"<w:rFonts w:asciiTheme=\"minorHAnsi\"[^>]*/>",
        '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial" />',
        xml,
        count=1,
    )
    xml = xml.replace(
        '<w:sz w:val="24" />\n        <w:szCs w:val="24" />',
        '<w:sz w:val="22" />\n        <w:szCs w:val="22" />',
        1,
    )
    xml = xml.replace('w:val="en-US"', 'w:val="en-GB"')
    # Headings and title: Arial in the house blue rather than the theme's font and colour.
    xml = re.sub(
        r"<w:rFonts w:asciiTheme=\"majorHAnsi\"\s+w:eastAsiaTheme=\"majorEastAsia\""
        r"\s+w:hAnsiTheme=\"majorHAnsi\"\s+w:cstheme=\"majorBidi\" />",
        '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial" /><w:b />',
        xml,
    )
    xml = re.sub(
        r"<w:color w:val=\"[0-9A-F]{6}\" w:themeColor=\"accent1\"\s+"
        r"w:themeShade=\"BF\" />",
        f'<w:color w:val="{BRAND}" />',
        xml,
    )
    xml = xml.replace('<w:jc w:val="center" />', '<w:jc w:val="left" />')
    start = xml.index('<w:style w:type="table" w:default="1" w:styleId="Table">')
    end = xml.index("</w:style>", start) + len("</w:style>")
    xml = xml[:start] + TABLE_STYLE + xml[end:]
    for style, size in HEADING_SIZES.items():
        xml = _size(xml, style, size)
    return xml.replace("</w:styles>", _rag_styles() + TOC_STYLES + LABEL_STYLE + "</w:styles>")


def build(out: Path = HERE / "reference.docx") -> Path:
    default = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True,
        check=True,
    ).stdout
    tmp = out.with_suffix(".default.docx")
    tmp.write_bytes(default)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            data = src.read(name)
            if name == "word/styles.xml":
                data = patch_styles(data.decode("utf-8")).encode("utf-8")
            elif name == "word/document.xml":
                data = patch_document(data.decode("utf-8")).encode("utf-8")
            dst.writestr(
                zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED
            )
    tmp.unlink()
    return out


if __name__ == "__main__":
    print(build())
