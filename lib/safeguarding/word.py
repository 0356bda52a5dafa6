"""The Word document's finishing: what pandoc's docx writer leaves out of a committee paper.

Pandoc writes the body (with ``templates/reference.docx`` for the styles); this module then
rewrites the package once, deterministically (same entries, same order, same dates):

* the page: A4 with the PDF's margins, a header (committee, meeting date, classification)
  and a footer (authority, report title, quarter, "Page N of M" as PAGE/NUMPAGES fields) on
  every page;
* a real table of contents: pandoc leaves the TOC field empty for Word to fill on opening
  (LibreOffice and Word's protected view show nothing). The entries are written in, each a
  link to its heading with a PAGEREF field for the page number (Word refreshes the whole
  field when the document is opened, as before; LibreOffice computes PAGEREF itself);
* tables: no row split across pages, and a short table (up to 15 rows) kept on one page
  (header rows are already repeated: pandoc marks them),
  status cells shaded in their RAG colour behind the words, label/value tables (the front
  sheet) with their labels shaded as in the PDF;
* charts: the alt text on the picture as well as on its frame;
* the core properties' title: "<Authority>: <report title>, <quarter>".
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from .markup import RAG_COLOURS

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DC_NS = "http://purl.org/dc/elements/1.1/"
NS = {"w": W_NS, "r": R_NS, "pic": PIC_NS, "wp": WP_NS}
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def mm(value: float) -> int:
    """Millimetres in twentieths of a point (Word's page unit)."""
    return round(value * 1440 / 25.4)


# The PDF's page (templates/report.typ): A4, 18 mm at the sides and foot, 22 mm at the top.
PAGE = {"width": mm(210), "height": mm(297)}
MARGINS = {"top": mm(22), "bottom": mm(18), "left": mm(18), "right": mm(18)}
HEADER_DISTANCE, FOOTER_DISTANCE = mm(10), mm(8)
TEXT_WIDTH = PAGE["width"] - MARGINS["left"] - MARGINS["right"]
TOC_DEPTH = 2
KEEP_TOGETHER_ROWS = 15  # body rows; as templates/filters.lua
# Status fills by Word character style (RAGGreen ... RAGUnavailable: every status the report
# shows), from the colours report.css and report.typ have; the label column as the PDF's zebra.
RAG_FILLS = {f"RAG{s.title()}": fill[1:].upper() for s, (fill, _) in RAG_COLOURS.items()}
LABEL_FILL = "F3F5F8"
RUNNING_INK = "595959"
HEADER_PART, FOOTER_PART = "word/header1.xml", "word/footer1.xml"
CONTENTS_BOOKMARK = "contents-page"
# A paragraph the renderer places after the front sheet: the contents are moved there.
CONTENTS_MARKER = (
    f'<w:p><w:bookmarkStart w:id="89999" w:name="{CONTENTS_BOOKMARK}"/>'
    '<w:bookmarkEnd w:id="89999"/></w:p>'
)


def section_xml() -> str:
    """The page set-up, as reference.docx and every finished document carry it."""
    return (
        f'<w:pgSz w:w="{PAGE["width"]}" w:h="{PAGE["height"]}"/>'
        f'<w:pgMar w:top="{MARGINS["top"]}" w:right="{MARGINS["right"]}" '
        f'w:bottom="{MARGINS["bottom"]}" w:left="{MARGINS["left"]}" '
        f'w:header="{HEADER_DISTANCE}" w:footer="{FOOTER_DISTANCE}" w:gutter="0"/>'
    )


def document_title(meta: Mapping[str, Any]) -> str:
    """``<Authority>: <report title>, <quarter>``: the title every format's metadata carries,
    so that a reader's list of open files tells one authority's report from another's."""
    title = str(meta.get("title") or "Report")
    authority = str(meta.get("authority_name") or "")
    quarter = str(meta.get("quarter") or "")
    return f"{authority + ': ' if authority else ''}{title}{', ' + quarter if quarter else ''}"


# --- the header and footer ---------------------------------------------------------------------
def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run(text: str) -> str:
    return (
        f'<w:r><w:rPr><w:color w:val="{RUNNING_INK}"/><w:sz w:val="15"/><w:szCs w:val="15"/>'
        f'</w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'
    )


def _field(instr: str, shown: str) -> str:
    return f'<w:fldSimple w:instr=" {instr} ">{_run(shown)}</w:fldSimple>'


def _running(kind: str, left: str, right: str, border: str) -> str:
    """A header or footer part: one line, text at the left, more at the right margin."""
    tag = "hdr" if kind == "header" else "ftr"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:{tag} xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr>'
        f'<w:pBdr><w:{border} w:val="single" w:sz="4" w:space="4" w:color="C9CED6"/></w:pBdr>'
        f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>'
        '<w:spacing w:before="0" w:after="0"/></w:pPr>'
        f'{left}<w:r><w:tab/></w:r>{right}</w:p></w:{tag}>'
    )


def header_xml(meta: Mapping[str, Any]) -> str:
    committee = " · ".join(
        str(meta.get(k)) for k in ("committee", "meeting_date_text") if meta.get(k)
    )
    return _running(
        "header", _run(committee), _run(str(meta.get("classification") or "")), "bottom"
    )


def footer_xml(meta: Mapping[str, Any]) -> str:
    about = " · ".join(
        str(meta.get(k)) for k in ("authority_name", "title", "quarter") if meta.get(k)
    )
    pages = _run("Page ") + _field("PAGE", "1") + _run(" of ") + _field("NUMPAGES", "1")
    return _running("footer", _run(about), pages, "top")


# --- the body ----------------------------------------------------------------------------------
def _el(tag: str, **attrs: str) -> etree._Element:
    node = etree.Element(w(tag))
    for key, value in attrs.items():
        node.set(w(key), value)
    return node


def _child(parent: etree._Element, tag: str, first: bool = False, **attrs: str):
    node = parent.find(f"w:{tag}", NS)
    if node is None:
        node = _el(tag, **attrs)
        if first:
            parent.insert(0, node)
        else:
            parent.append(node)
    return node


def _section(body: etree._Element, header_id: str, footer_id: str) -> None:
    old = body.find("w:sectPr", NS)
    sect = _el("sectPr")
    for kind, rid in (("headerReference", header_id), ("footerReference", footer_id)):
        ref = _el(kind, type="default")
        ref.set(f"{{{R_NS}}}id", rid)
        sect.append(ref)
    if old is not None:  # pandoc's footnote numbering, kept
        sect.extend(old.findall("w:footnotePr", NS))
        body.remove(old)
    fragment = etree.fromstring(f'<w:x xmlns:w="{W_NS}">{section_xml()}</w:x>')
    sect.extend(list(fragment))
    body.append(sect)


def _heading_level(p: etree._Element) -> int:
    style = p.find("w:pPr/w:pStyle", NS)
    found = re.fullmatch(r"Heading(\d)", style.get(w("val")) if style is not None else "")
    return int(found.group(1)) if found else 0


def _bookmark(p: etree._Element, n: int) -> str:
    """A bookmark inside the heading paragraph for its contents entry. (Pandoc's own wrap
    the section at body level, where LibreOffice drops those that follow a table.)"""
    name = f"_Toc{n:04d}"
    start, end = _el("bookmarkStart", id=str(90000 + n), name=name), _el("bookmarkEnd")
    end.set(w("id"), str(90000 + n))
    p.insert(1 if p.find("w:pPr", NS) is not None else 0, start)
    p.append(end)
    return name


def _fld(kind: str) -> etree._Element:
    run = _el("r")
    run.append(_el("fldChar", fldCharType=kind))
    return run


def _instr(text: str) -> etree._Element:
    return _text_run(text, "instrText")


def _text_run(text: str, tag: str = "t") -> etree._Element:
    """A run holding ``text`` as it is (spaces kept), as text or a field's instruction."""
    run = _el("r")
    node = _el(tag)
    node.text = text
    node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run.append(node)
    return run


def _toc_entry(level: int, text: str, anchor: str) -> etree._Element:
    p = _el("p")
    ppr = _child(p, "pPr")
    ppr.append(_el("pStyle", val=f"TOC{level}"))
    link = _el("hyperlink", anchor=anchor, history="1")
    link.append(_text_run(text))
    p.append(link)
    tab = _el("r")
    tab.append(_el("tab"))
    p.append(tab)
    p.extend([_fld("begin"), _instr(f" PAGEREF {anchor} \\h "), _fld("separate")])
    p.extend([_text_run(""), _fld("end")])
    return p


def _table_of_contents(body: etree._Element) -> bool:
    """Fill the contents (pandoc's TOC control) with an entry per heading; True if done.

    Entries are paragraphs in the TOC styles, each a link to its heading and a PAGEREF field
    for its page, inside the control but not inside a TOC field: LibreOffice keeps a TOC
    field's text as it finds it, while it computes PAGEREF fields itself; Word computes them
    when it updates the fields on opening (``updateFields`` in the settings).
    """
    sdt = next(
        (
            s
            for s in body.iter(w("sdt"))
            if s.find(".//w:docPartGallery[@w:val='Table of Contents']", NS) is not None
        ),
        None,
    )
    if sdt is None or sdt.getparent() is not body:
        return False
    _move_to_marker(body, sdt)
    content = sdt.find("w:sdtContent", NS)
    # every heading, as the PDF's outline has them (the front sheet's come before it)
    blocks = [b for b in body if b is not sdt]
    headings = [p for block in blocks for p in block.iter(w("p")) if _heading_level(p)]
    entries = []
    for n, p in enumerate(headings, start=1):
        level = _heading_level(p)
        if level <= TOC_DEPTH:
            text = "".join(t.text or "" for t in p.iter(w("t")))
            entries.append(_toc_entry(level, text, _bookmark(p, n)))
    if not entries:
        return False
    for p in content.findall("w:p", NS)[1:]:  # pandoc: the heading, then the empty field
        content.remove(p)
    content.extend(entries)
    return True


def _move_to_marker(body: etree._Element, sdt: etree._Element) -> None:
    """Put the contents where the marker paragraph is (after the front sheet), on a page of
    their own, as in the PDF."""
    marker = next(
        (
            b.getparent()
            for b in body.iter(w("bookmarkStart"))
            if b.get(w("name")) == CONTENTS_BOOKMARK and b.getparent().tag == w("p")
        ),
        None,
    )
    if marker is None or marker.getparent() is not body:
        return
    body.remove(sdt)
    marker.addprevious(sdt)
    body.remove(marker)
    heading = sdt.find("w:sdtContent/w:p", NS)
    ppr = _child(heading, "pPr", first=True)
    ppr.append(_el("pageBreakBefore"))
    after = _el("p")
    run = _el("r")
    run.append(_el("br", type="page"))
    after.append(run)
    sdt.addnext(after)


def update_fields_on_open(xml: bytes) -> bytes:
    """``word/settings.xml`` asking Word to update fields (the contents' page numbers) when
    the document is opened."""
    root = etree.fromstring(xml)
    if root.find("w:updateFields", NS) is None:
        node = _el("updateFields", val="true")
        # where the schema's sequence puts it: before the first of these that is present
        later = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")
        anchor = next((n for n in root if etree.QName(n).localname in later), None)
        if anchor is not None:
            anchor.addprevious(node)
        else:
            root.append(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _shade(cell: etree._Element, fill: str) -> None:
    tcpr = _child(cell, "tcPr", first=True)
    for old in tcpr.findall("w:shd", NS):
        tcpr.remove(old)
    tcpr.append(_el("shd", val="clear", color="auto", fill=fill))


def _tables(body: etree._Element) -> None:
    for tbl in body.iter(w("tbl")):
        rows = tbl.findall("w:tr", NS)
        labelled = all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows)
        for row in rows:
            trpr = row.find("w:trPr", NS)
            if trpr is None:
                trpr = _el("trPr")
                row.insert(1 if row.find("w:tblPrEx", NS) is not None else 0, trpr)
            if trpr.find("w:cantSplit", NS) is None:
                trpr.insert(0, _el("cantSplit"))
            cells = row.findall("w:tc", NS)
            if labelled and cells:
                _shade(cells[0], LABEL_FILL)
            for cell in cells:
                styles = {s.get(w("val")) for s in cell.iter(w("rStyle"))}
                fill = next((RAG_FILLS[s] for s in sorted(styles) if s in RAG_FILLS), None)
                if fill:
                    _shade(cell, fill)
        cols = tbl.findall("w:tblGrid/w:gridCol", NS)
        widths = [int(c.get(w("w"), "0")) for c in cols]
        if widths and sum(widths):  # pandoc's grid is for US Letter: the same shares of A4
            for col, width in zip(cols, widths, strict=True):
                col.set(w("w"), str(round(width * TEXT_WIDTH / sum(widths))))
        layout = tbl.find("w:tblPr/w:tblLayout", NS)
        if layout is not None:  # Word may widen a column rather than split a word in it
            layout.set(w("type"), "autofit")
        if len(rows) <= KEEP_TOGETHER_ROWS + 1:  # a short table stays on one page
            for row in rows[:-1]:
                for p in row.iter(w("p")):
                    ppr = _child(p, "pPr", first=True)
                    if ppr.find("w:keepNext", NS) is None:
                        style = ppr.find("w:pStyle", NS)
                        node = _el("keepNext")
                        if style is not None:
                            style.addnext(node)
                        else:
                            ppr.insert(0, node)
        if labelled:  # no header row: the table style's first-row colours do not apply
            look = tbl.find("w:tblPr/w:tblLook", NS)
            if look is not None:
                look.set(w("firstRow"), "0")
                look.set(w("val"), "0000")


def _pictures(body: etree._Element) -> None:
    for drawing in body.iter(w("drawing")):
        frame = drawing.find(".//wp:docPr", NS)
        pic = drawing.find(".//pic:cNvPr", NS)
        if frame is not None and pic is not None and frame.get("descr"):
            pic.set("descr", frame.get("descr"))


def finish_document(xml: bytes, header_id: str, footer_id: str) -> tuple[bytes, bool]:
    """``word/document.xml`` with the page, contents, tables and pictures finished, and
    whether it has a table of contents to update."""
    root = etree.fromstring(xml)
    body = root.find("w:body", NS)
    contents = _table_of_contents(body)
    _tables(body)
    _pictures(body)
    _section(body, header_id, footer_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), contents


# --- the package -------------------------------------------------------------------------------
def _add_relationships(xml: bytes) -> tuple[bytes, str, str]:
    root = etree.fromstring(xml)
    used = {r.get("Id") for r in root}
    ids = []
    for kind, target in (("header", "header1.xml"), ("footer", "footer1.xml")):
        n = 1
        while f"rIdRun{kind}{n}" in used:
            n += 1
        rid = f"rIdRun{kind}{n}"
        rel = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
        rel.set("Type", REL_TYPE + kind)
        rel.set("Id", rid)
        rel.set("Target", target)
        ids.append(rid)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), ids[0], ids[1]


def _add_content_types(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    base = "application/vnd.openxmlformats-officedocument.wordprocessingml."
    for part, kind in ((HEADER_PART, "header"), (FOOTER_PART, "footer")):
        node = etree.SubElement(root, f"{{{CT_NS}}}Override")
        node.set("PartName", "/" + part)
        node.set("ContentType", f"{base}{kind}+xml")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_title(xml: bytes, title: str) -> bytes:
    root = etree.fromstring(xml)
    node = root.find(f"{{{DC_NS}}}title")
    if node is None:
        node = etree.SubElement(root, f"{{{DC_NS}}}title")
    node.text = title
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def finish(path: Path, meta: Mapping[str, Any]) -> None:
    """Rewrite the docx pandoc wrote at ``path`` in place (see the module's description)."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    parts = {info.filename: data for info, data in entries}
    rels, header_id, footer_id = _add_relationships(parts["word/_rels/document.xml.rels"])
    document, contents = finish_document(parts["word/document.xml"], header_id, footer_id)
    changed = {
        "word/_rels/document.xml.rels": rels,
        "[Content_Types].xml": _add_content_types(parts["[Content_Types].xml"]),
        "word/document.xml": document,
    }
    if contents and "word/settings.xml" in parts:
        changed["word/settings.xml"] = update_fields_on_open(parts["word/settings.xml"])
    if "docProps/core.xml" in parts:
        changed["docProps/core.xml"] = _set_title(parts["docProps/core.xml"], document_title(meta))
    stamp = next(i for i, _ in entries if i.filename == "word/document.xml")
    added = {
        HEADER_PART: header_xml(meta).encode("utf-8"),
        FOOTER_PART: footer_xml(meta).encode("utf-8"),
    }
    tmp = path.with_suffix(".finishing")
    with zipfile.ZipFile(tmp, "w") as dst:
        for info, data in entries:
            dst.writestr(info, changed.get(info.filename, data), compress_type=info.compress_type)
            if info.filename == "word/document.xml":
                for name, body in added.items():
                    new = zipfile.ZipInfo(name, stamp.date_time)
                    dst.writestr(new, body, compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)
