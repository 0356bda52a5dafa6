"""Executed notebook -> pandoc Markdown -> HTML, PDF (via Typst) and Word; the quarter index.

The notebook's code never reaches a report: the renderer keeps markdown cells and the
``text/markdown`` and ``image/svg+xml`` outputs the library's report objects display, drops
every code cell's source and the injected-parameters cell, and reads the report's metadata
from the one ``application/vnd.safeguarding.meta+json`` output.

* HTML: one self-contained file (styles inlined, charts as data URIs, no web fonts, no URL
  that loads anything), contents, ``lang="en-GB"``, skip link, print stylesheet.
* PDF: pandoc writes Typst with the house template, the ``typst`` package compiles it (A4,
  charts as vectors, tagged, PDF/UA-1 where this Typst supports it).
* DOCX: pandoc with the house reference document.

Rendering is reproducible: dates come from the run's recorded time (or ``SOURCE_DATE_EPOCH``),
never the clock, so the same executed notebook renders to byte-identical files. One pandoc
process reads the Markdown once and writes every format (:mod:`safeguarding.pandoc_run`); the
Typst compiler (and its fonts) is loaded once per process.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import html
import json
import math
import mimetypes
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import typst

from . import cache, pandoc_run, word
from .commentary import READER, nodes
from .exceptions import ParameterError, RenderError
from .manifest import atomic_write_text
from .markup import META_MIME, RAG_WORDS, esc
from .params.records import FORMAT_NAMES, FORMATS
from .word import document_title

TEMPLATES = Path(__file__).with_name("templates")
# Every page: no script of any kind runs, nothing is fetched (images are data URIs, styles
# inline), no form posts, no <base> redirects relative links. Inline styles stay allowed:
# the house stylesheet is inlined and pandoc writes column widths as style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
HTML_TOC_DEPTH = 3
PDF_TOC_DEPTH = 2
# Where the contents go: after the front sheet, on a page of their own (the Lua filter makes
# the empty div Word's marker paragraph, to which word.finish moves the contents).
CONTENTS_TYPST = "```{=typst}\n#contents-page()\n```\n\n::: {.contents-page}\n:::"


@lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _compiler() -> typst.Compiler:
    """One compiler per process: fonts are scanned once."""
    return typst.Compiler()


# typst-py ages every memoised result (comemo) at each compile and drops those unused for
# this many compiles; a result is made after that step, so it outlives ten more compiles
TYPST_CACHE_AGE = 10


def release_typst_memory() -> None:
    """Let Typst free what it memoised for the compiles before: a scorecard's Word pictures
    are ~70 MB of 220 dpi pixmaps, and Typst keeps a compile's results until ten later
    compiles have passed without using them, so a worker rendering report after report held
    ten reports' worth (~1.3 GB). Eleven empty compiles (~2 ms) age them out."""
    compiler = _compiler()
    for _ in range(TYPST_CACHE_AGE + 1):
        with contextlib.suppress(Exception):  # an empty document; nothing to report
            compiler.compile(input=b"", format="svg")


@lru_cache(maxsize=1)
def pdf_standards() -> tuple[str, ...]:
    """PDF/UA-1 when this Typst can produce it (0.14 and later), else plain tagged PDF."""
    try:
        _compiler().compile(
            input=b'#set document(title: [t])\n#set text(lang: "en")\nt',
            format="pdf",
            pdf_standards=["ua-1"],
        )
        return ("ua-1",)
    except Exception:  # noqa: BLE001 - an older Typst names the standard differently or not at all
        return ()


# --- Word's pictures ---------------------------------------------------------------------
# Word's PNG of a chart, at the chart's size on the page: Word's own print resolution (its
# "Default resolution", to which it downsamples any larger picture when the file is saved)
PRINT_DPI = 220


def write_pngs(
    svgs: Iterable[Path], dpi: int = PRINT_DPI, cache_dir: Path | None = None
) -> list[Path]:
    """Word's copy of each chart: ``figure-NN.png`` beside ``figure-NN.svg``, at ``dpi``
    and the SVG's own size (older Word and LibreOffice cannot show SVG). Typst draws them,
    as it draws the same SVGs in the PDF, all in one compile (a page each, sized to its
    picture); a PNG already there (a notebook that carried one) is kept. With ``cache_dir``,
    a PNG drawn before from the same SVG bytes at the same resolution (a rerun, or a
    thematic report repeating the scorecard's charts) is copied from there. Returns the
    PNGs."""
    svgs = list(svgs)
    todo = []
    for svg in svgs:
        png = svg.with_suffix(".png")
        if png.is_file():
            continue
        cached = _picture_cache(cache_dir, svg, dpi)
        if cached is not None and cached.is_file():
            shutil.copyfile(cached, png)
        else:
            todo.append(svg)
    if todo:
        for svg, png in zip(todo, _draw_pngs(todo, dpi), strict=True):
            svg.with_suffix(".png").write_bytes(png)
            cached = _picture_cache(cache_dir, svg, dpi)
            if cached is not None:
                cache.store(cached, png)
    return [p.with_suffix(".png") for p in svgs]


def _draw_pngs(svgs: list[Path], dpi: int) -> list[bytes]:
    folder = svgs[0].parent
    pages = "\n#pagebreak()\n".join(
        f"#image({json.dumps(p.relative_to(folder).as_posix())})" for p in svgs
    )
    source = folder / ".pictures.typ"
    source.write_text(
        f"#set page(width: auto, height: auto, margin: 0pt)\n{pages}\n", encoding="utf-8"
    )
    try:
        images = _compiler().compile(
            input=str(source), root=str(folder), format="png", ppi=float(dpi)
        )
    except Exception as exc:  # noqa: BLE001 - typst raises its own error types
        raise RenderError(f"typst (pictures for Word): {str(exc).strip()[:300]}") from None
    finally:
        source.unlink(missing_ok=True)
        release_typst_memory()
    if isinstance(images, bytes):
        images = [images]
    return [_with_dpi(png, dpi) for png in images]


def _picture_cache(cache_dir: Path | None, svg: Path, dpi: int) -> Path | None:
    """Where the PNG of ``svg``'s bytes at ``dpi`` is kept (keyed by them and Typst's
    version, which draws it)."""
    if cache_dir is None:
        return None
    digest = hashlib.sha256(svg.read_bytes())
    digest.update(f"\0{dpi}\0{getattr(typst, '__version__', '')}".encode())
    key = digest.hexdigest()
    return Path(cache_dir) / key[:2] / f"{key}.png"


def _with_dpi(png: bytes, dpi: int) -> bytes:
    """``png`` with a ``pHYs`` chunk saying its resolution (Typst writes none), so that Word
    and pandoc size it as printed: the chunk goes straight after the header. Pixels per metre
    are rounded up, since pandoc reads them as whole dots per inch rounded down (11811 is
    299.99 dpi, read as 299: a 6.4 inch chart placed at 6.42)."""
    per_metre = math.ceil(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    header_end = 8 + 8 + 13 + 4  # signature, IHDR length and type, its data, its CRC
    if png[12:16] != b"IHDR" or b"pHYs" in png[:header_end + 64]:
        return png
    return png[:header_end] + chunk + png[header_end:]


# --- notebook -> Markdown ----------------------------------------------------------------------
@dataclass
class Document:
    """A notebook's report content: Markdown, its metadata and the chart files it refers to."""

    markdown: str
    meta: dict[str, Any]
    figures: list[Path]


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def _attr(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def notebook_to_markdown(notebook: Mapping[str, Any], fig_dir: Path) -> Document:
    """The report's pandoc Markdown; SVG outputs are written to ``fig_dir``."""
    parts: list[str] = []
    meta: dict[str, Any] = {}
    figures: list[Path] = []
    contents_placed = False
    for n, cell in enumerate(notebook.get("cells", []), start=1):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") == "markdown":
            if "remove" not in tags:
                parts.append(_text(cell.get("source", "")))
            continue
        if cell.get("cell_type") != "code" or tags & {"parameters", "injected-parameters"}:
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                raise RenderError(
                    f"cell {n} failed with {output.get('ename')}: {output.get('evalue')}"
                )
            if kind not in ("display_data", "execute_result"):
                continue  # streams (print, warnings) are not part of a report
            data = output.get("data", {})
            extra = output.get("metadata", {}).get("safeguarding", {})
            if META_MIME in data:
                meta.update(data[META_MIME])
            elif "text/markdown" in data:
                parts.append(_text(data["text/markdown"]))
                if extra.get("part") == "front-sheet" and not contents_placed:
                    parts.append(CONTENTS_TYPST)
                    contents_placed = True
            elif "image/svg+xml" in data:
                path = fig_dir / f"figure-{len(figures) + 1:02d}.svg"
                path.write_text(_text(data["image/svg+xml"]), encoding="utf-8")
                figures.append(path)
                if "image/png" in data:  # Word's copy beside it (the Lua filter picks it)
                    png = path.with_suffix(".png")
                    png.write_bytes(base64.b64decode(_text(data["image/png"])))
                alt = extra.get("alt") or extra.get("caption") or "Chart"
                caption = esc(extra.get("caption") or alt)
                parts.append(f'![{caption}]({path.name}){{alt="{_attr(alt)}"}}')
    if not meta:
        raise RenderError(f"no {META_MIME} output: the notebook must display r.metadata()")
    if not contents_placed:
        parts.insert(0, CONTENTS_TYPST)
    return Document("\n\n".join(p.strip("\n") for p in parts) + "\n", meta, figures)


# --- dates -------------------------------------------------------------------------------------
def resolve_time(run_time: str | dt.datetime | None, meta: Mapping[str, Any]) -> dt.datetime:
    """The time stamped into outputs: the argument, the notebook's run time,
    ``SOURCE_DATE_EPOCH``, else midnight after the quarter's last day (never the clock)."""
    for candidate in (run_time, meta.get("run_time")):
        if isinstance(candidate, dt.datetime):
            stamp = candidate
            break
        if candidate:
            stamp = dt.datetime.fromisoformat(str(candidate).replace("Z", "+00:00"))
            break
    else:
        if os.environ.get("SOURCE_DATE_EPOCH"):
            return dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
        from .periods import parse_period

        end = parse_period(meta.get("quarter", "2000-01 Q1")).end
        stamp = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


# --- pandoc -----------------------------------------------------------------------------------
_TYPST_SPECIAL = re.compile(r"([\\#\[\]$*_`@<>~=/+-])")


def _typst_escape(text: str) -> str:
    return _TYPST_SPECIAL.sub(r"\\\1", text)


def _variables(meta: Mapping[str, Any], escape: Any) -> tuple[tuple[str, str], ...]:
    fields = {
        "title": meta.get("title", "Report"),
        "document-title": document_title(meta),
        "authority-name": meta.get("authority_name", ""),
        "committee": meta.get("committee", ""),
        "meeting-date-text": meta.get("meeting_date_text", ""),
        "classification": meta.get("classification", ""),
        "quarter": meta.get("quarter", ""),
    }
    return tuple((key, escape(str(value))) for key, value in fields.items())


# Every format reads the report alike: as commentary is read, and at the column width that
# sizes wide pipe tables' columns when read.
READING = pandoc_run.Reading(
    reader=READER,
    filter=TEMPLATES / "filters.lua",
    columns=40,
    meta=(("lang", "en-GB"),),
)


def writer_job(fmt: str, doc: Document, stamp: dt.datetime, out: Path) -> pandoc_run.WriterJob:
    """What pandoc is asked to write for ``fmt`` (``html``, ``pdf``: its Typst, ``docx``)."""
    meta = doc.meta
    if fmt == "html":
        return pandoc_run.WriterJob(
            "html5",
            out,
            template=TEMPLATES / "report.html",
            variables=(
                ("house-css", _css()),
                ("content-security-policy", CONTENT_SECURITY_POLICY),
                ("pagetitle", document_title(meta)),
                ("run-date", f"{stamp:%Y-%m-%d}"),
                *_variables(meta, html.escape),
            ),
            options={
                "table_of_contents": True,
                "toc_depth": HTML_TOC_DEPTH,
                "section_divs": True,
            },
        )
    if fmt == "pdf":
        return pandoc_run.WriterJob(
            "typst",
            out,
            template=TEMPLATES / "report.typ",
            variables=(("toc-depth", str(PDF_TOC_DEPTH)), *_variables(meta, _typst_escape)),
            shift=-1,
        )
    if fmt == "docx":
        # The title block as the PDF's masthead has it: the report, the authority and quarter,
        # the committee and its meeting date (never the run date); the classification is in
        # every page's header (word.finish). Headings shift up one level as in the PDF, so
        # the sections are Word's Heading 1 and the contents match the PDF's.
        meeting = ", ".join(
            str(meta[k]) for k in ("committee", "meeting_date_text") if meta.get(k)
        )
        return pandoc_run.WriterJob(
            "docx",
            out,
            meta=(
                ("toc-title", "Contents"),
                ("title", str(meta.get("title", "Report"))),
                ("subtitle", str(meta.get("subtitle", ""))),
                ("author", str(meta.get("authority_name", ""))),
                ("date", meeting),
            ),
            shift=-1,
            options={
                "table_of_contents": True,
                "toc_depth": PDF_TOC_DEPTH,
                "reference_doc": str(TEMPLATES / "reference.docx"),
            },
        )
    raise ParameterError(f"unknown format {fmt!r}")


# --- what a published page may hold -------------------------------------------------------
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=\s]+)$")
_PAGE_LINK = re.compile(r"^(?:https?://[^\s/?#]+|mailto:|#)", re.IGNORECASE)


def guard_document(ast_path: Path) -> bool:
    """The whole document's last check before any writer runs (commentary is checked when it
    is read, :mod:`safeguarding.commentary`): no raw HTML or OpenXML, links only to
    ``https:``, ``http:``, ``mailto:`` or within the page, and images only from the report's
    own files. Embedded images (``data:`` URIs from commentary) are written beside the
    document, so every writer reads a local file; a page then loads nothing from outside.
    Returns whether it rewrote the document (it did if it wrote out an embedded image)."""
    doc = json.loads(ast_path.read_text(encoding="utf-8"))
    folder = ast_path.parent
    written = 0
    for node in nodes(doc.get("blocks", [])):
        kind, content = node.get("t"), node.get("c")
        if kind in ("RawBlock", "RawInline") and content[0] in ("html", "html5", "openxml"):
            raise RenderError(f"raw {content[0]} in the report: {content[1][:60]!r}")
        if kind == "Link" and not _PAGE_LINK.match(content[2][0]):
            raise RenderError(f"a link the report may not carry: {content[2][0][:60]!r}")
        if kind != "Image":
            continue
        src = content[2][0]
        embedded = _DATA_IMAGE.match(src)
        if embedded:
            written += 1
            suffix = {"jpeg": "jpg"}.get(embedded.group(1), embedded.group(1))
            name = f"commentary-image-{written:02d}.{suffix}"
            (folder / name).write_bytes(base64.b64decode(embedded.group(2)))
            content[2][0] = name
        elif not _own_file(folder, src):
            raise RenderError(f"an image that is not one of the report's own files: {src[:60]!r}")
    if written:
        ast_path.write_text(json.dumps(doc), encoding="utf-8")
    return written > 0


def _own_file(folder: Path, src: str) -> bool:
    """Whether ``src`` names a file of the report's own folder (a plain name, no path)."""
    return not ("/" in src or "\\" in src or ":" in src) and (folder / src).is_file()


_PAGE_IMAGE = re.compile(r"<img\b([^>]*)>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_ALT_TEXT = re.compile(r'\salt="([^"]*)"')


def embed_images(page: str, folder: Path) -> str:
    """``page`` (pandoc's HTML) with each image as a ``data:`` URI, labelled for screen readers
    as pandoc's ``--embed-resources`` labels it (``role="img"``, ``aria-label`` its alt text).

    The images are the page's only resources (its stylesheet is in the template), and each is
    one of the report's own files in ``folder``, which ``guard_document`` made sure of; any
    other is an error, never a fetch. Pandoc's own pass parsed and rewrote the whole page: a
    third to a half of the HTML writer's time (0.08-0.16 s of CPU for a scorecard) for what
    this does in a millisecond. Pandoc writes ``<`` in text as ``&lt;``, so every ``<img``
    here is a tag."""

    def inline(match: re.Match[str]) -> str:
        attrs = match.group(1)
        src = _SRC.search(attrs)
        if src is None or src.group(1).startswith("data:"):
            return match.group(0)
        name = src.group(1)
        mime = mimetypes.guess_type(name)[0]
        if not _own_file(folder, name) or not (mime or "").startswith("image/"):
            raise RenderError(f"an image the page cannot embed: {name[:60]!r}")
        alt = _ALT_TEXT.search(attrs)
        label = f' aria-label="{alt.group(1)}"' if alt else ""
        data = base64.b64encode((folder / name).read_bytes()).decode("ascii")
        rest = attrs[: src.start()] + attrs[src.end() :]
        return f'<img role="img"{label} src="data:{mime};base64,{data}"{rest}>'

    return _PAGE_IMAGE.sub(inline, page)


def _compile_pdf(typ: Path, out: Path, stamp: dt.datetime) -> None:
    try:
        pdf = _compiler().compile(
            input=str(typ),
            root=str(typ.parent),
            format="pdf",
            pdf_standards=list(pdf_standards()),
            timestamp=int(stamp.timestamp()),
        )
    finally:
        release_typst_memory()
    out.write_bytes(pdf)


def render_notebook(
    executed_ipynb: str | Path,
    out_dir: str | Path,
    formats: Iterable[str] = FORMATS,
    run_time: str | dt.datetime | None = None,
    picture_cache: str | Path | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Path]:
    """Render an executed report notebook; return ``{format: path}`` for what was written.

    Outputs are named after the notebook (``<stem>.html`` etc.) in ``out_dir``.
    ``picture_cache``: a folder keeping Word's PNGs of charts by their SVG (the project's
    ``.cache/charts``), so that a chart drawn again is not rasterised again.
    ``meanwhile``: work of the caller's (the executed notebook's privacy scan) done while
    pandoc reads the document in its own process, as Word's pictures are drawn then.
    """
    source = Path(executed_ipynb)
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ParameterError(f"unknown formats {sorted(unknown)}; choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = json.loads(source.read_text(encoding="utf-8"))
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="render-") as tmp_name:
        tmp = Path(tmp_name)
        doc = notebook_to_markdown(notebook, tmp)
        stamp = resolve_time(run_time, doc.meta)
        md = tmp / "report.md"
        md.write_text(doc.markdown, encoding="utf-8")
        targets = {
            "html": tmp / "report.html",
            "pdf": tmp / "report.typ",
            "docx": tmp / "report.docx",
        }
        jobs = [writer_job(fmt, doc, stamp, targets[fmt]) for fmt in formats]

        def while_pandoc_reads() -> None:
            if "docx" in formats:
                write_pngs(doc.figures, cache_dir=Path(picture_cache) if picture_cache else None)
            if meanwhile is not None:
                meanwhile()

        pandoc_run.read_check_write(md, READING, jobs, guard_document, stamp, while_pandoc_reads)
        if "html" in formats:
            page = targets["html"].read_text(encoding="utf-8")
            targets["html"].write_text(embed_images(page, tmp), encoding="utf-8")
        if "docx" in formats:
            word.finish(targets["docx"], doc.meta)
        if "pdf" in formats:
            _compile_pdf(targets["pdf"], tmp / "report.pdf", stamp)
            targets["pdf"] = tmp / "report.pdf"
        for fmt in formats:
            final = out_dir / f"{source.stem}.{fmt}"
            shutil.copyfile(targets[fmt], final)
            written[fmt] = final
    return written


def read_meta(executed_ipynb: str | Path) -> dict[str, Any]:
    """The report metadata an executed notebook displayed (empty if none)."""
    notebook = json.loads(Path(executed_ipynb).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if META_MIME in data:
                return dict(data[META_MIME])
    return {}


# --- the quarter index -------------------------------------------------------------------------
REPORT_TITLES = {
    "quarterly_scorecard": "Performance scorecard",
    "child_protection": "Child protection (partnership)",
    "looked_after": "Children looked after (corporate parenting)",
}


def rag_line(counts: Mapping[str, int] | None) -> str:
    """``3 green, 2 amber, 1 red, 4 without a target``."""
    if not counts:
        return "No status recorded"
    words = [f"{counts.get(k, 0)} {k}" for k in ("green", "amber", "red")]
    words.append(f"{counts.get('none', 0)} without a target")
    return ", ".join(words)


FILE_LABELS = {**FORMAT_NAMES, "ipynb": "Notebook"}


def _index_row(quarter_dir: Path, run: Mapping[str, Any], internal: bool = True) -> str:
    """One report's row. ``run["files"]`` maps each format to its link (relative to the
    index); without it the files are looked for at ``<authority>/<report>.<format>``.
    ``run["meta"]`` is the report's metadata; without it, read from the executed notebook."""
    authority, report = str(run["authority"]), str(run["report"])
    folder = quarter_dir / authority
    files = run.get("files")
    if files is None:
        files = {
            fmt: f"{authority}/{report}.{fmt}"
            for fmt in FORMATS
            if (folder / f"{report}.{fmt}").is_file()
        }
    meta = run.get("meta")
    if meta is None:
        notebook = folder / f"{report}.ipynb"
        meta = read_meta(notebook) if notebook.is_file() else {}
    name = html.escape(str(run.get("authority_name") or meta.get("authority_name") or authority))
    title = html.escape(str(meta.get("title") or REPORT_TITLES.get(report, report)))
    status = str(run.get("status", "ok"))
    links = [
        f'<a href="{html.escape(files[fmt])}">{label}'
        f'<span class="visually-hidden"> of {title}, {name}</span></a>'
        for fmt, label in FILE_LABELS.items()
        if fmt in files
    ]
    counts = meta.get("rag_summary")
    summary = html.escape(rag_line(counts))
    if counts:
        badges = " ".join(
            f'<span class="rag rag-{k}">{counts.get(k, 0)} {RAG_WORDS[k].lower()}</span>'
            for k in ("green", "amber", "red")
        )
        summary = f'{badges}<span class="visually-hidden">: {summary}</span>'
    if internal and status not in ("ok", "skipped", "published"):
        reason = html.escape(str(run.get("reason", "")))
        summary = f'<span class="rag rag-red">Failed</span> {reason}'
    audience = html.escape(str(meta.get("audience") or run.get("audience") or ""))
    committee = html.escape(str(meta.get("committee") or run.get("committee") or ""))
    return (
        f'<tr><th scope="row">{name} ({html.escape(authority)})</th><td>{title}</td>'
        f"<td>{committee}</td><td>{audience}</td><td>{summary}</td>"
        f"<td>{' · '.join(links) or 'None'}</td></tr>"
    )


def render_index(
    quarter_dir: str | Path,
    runs: Iterable[Mapping[str, Any]],
    out_name: str = "index.html",
    internal: bool = True,
) -> Path:
    """``<quarter_dir>/<out_name>``: every authority and report, status line and links.

    ``runs`` are mappings with ``authority`` and ``report`` (and optionally ``status``,
    ``reason``, ``authority_name``, ``committee``, ``audience``, ``files``, ``meta``: see
    :func:`_index_row`). The *internal* index shows failures and their reasons and says the
    page is not for publication; the public one (``internal=False``) lists reports only.
    """
    quarter_dir = Path(quarter_dir)
    ordered = sorted(runs, key=lambda r: (str(r["authority"]), str(r["report"])))
    quarter = _quarter_of(quarter_dir)
    rows = "\n".join(_index_row(quarter_dir, r, internal) for r in ordered)
    if internal:
        masthead = (
            '<p class="classification">Internal: not for publication. Publish the '
            "<code>public/</code> folder only.</p>\n"
        )
        subtitle = "Every authority and report in the quarter, with its status summary"
    else:
        masthead = ""
        subtitle = "Published reports for the quarter, with their status summaries"
    page = f"""<!DOCTYPE html>
<html lang="en-GB" xml:lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Safeguarding performance reports, {html.escape(quarter)}</title>
<style>
{_css()}
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="masthead">
{masthead}<p class="authority">Safeguarding performance reports</p>
<h1 class="title">Reports for {html.escape(quarter)}</h1>
<p class="subtitle">{subtitle}</p>
</header>
<main id="main" tabindex="-1">
<table>
<caption>Reports for {html.escape(quarter)}: status counts are for the quarter's indicators
against target (green on target, amber close, red off target)</caption>
<thead><tr><th scope="col">Authority</th><th scope="col">Report</th><th scope="col">Committee</th>
<th scope="col">Audience</th><th scope="col">Status</th><th scope="col">Files</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""
    out = quarter_dir / out_name
    atomic_write_text(out, page)
    return out


def _quarter_of(folder: Path) -> str:
    """``2024-25 Q2`` from ``.../2024-25-Q2`` or ``.../2024-25-Q2/public``."""
    for part in (folder.name, folder.parent.name):
        if re.fullmatch(r"\d{4}-\d{2}-Q[1-4]", part):
            return part.replace("-Q", " Q")
    return folder.name.replace("-Q", " Q")
