"""Document building blocks that write themselves as pandoc Markdown and as HTML.

Report objects are made of these blocks: the Markdown is what the renderer turns into HTML,
PDF and Word; the HTML is what JupyterLab shows while an analyst works. Only a few inline
constructs are used (bold, emphasis, superscript, links, classed spans) so that a small
converter gives the notebook view without calling pandoc for every display.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|^~$@])")


def esc(text: object) -> str:
    """Escape a plain string (a name, a title) for use inside pandoc Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def span(text: str, *classes: str) -> str:
    """An inline span with classes: ``[text]{.a .b}`` (``text`` is already Markdown)."""
    return f"[{text}]{{{' '.join('.' + c for c in classes)}}}"


def sup(text: str) -> str:
    return f"^{esc(text).replace(' ', chr(92) + ' ')}^"


_INLINE = [
    (re.compile(r"(?<!\\)`([^`]+)`"), "code"),
    (re.compile(r"\[([^\]]*)\]\{([^}]*)\}"), "span"),
    (re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)"), "link"),
    (re.compile(r"\*\*(.+?)\*\*"), "strong"),
    (re.compile(r"(?<![\\*])\*(?!\s)(.+?)(?<![\\\s])\*"), "em"),
    (re.compile(r"\^((?:\\.|[^^])+)\^"), "sup"),
]
_UNESCAPE = re.compile(r"\\(.)")
# The notebook output that carries a report's metadata to the renderer (``r.metadata()``):
# here, not in the report package, so that the renderer and the batch's index read it
# without importing the report's charts (matplotlib).
META_MIME = "application/vnd.safeguarding.meta+json"
# A status in words, beside its colour (a reader who cannot tell the colours apart)
RAG_WORDS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "none": "No target",
    "suppressed": "Suppressed",
    "unavailable": "Not computable",
}
# Status colours (fill, ink), as report.css, report.typ and the Word styles have them. The
# notebook view carries them inline: JupyterLab and nbconvert have no house stylesheet.
RAG_COLOURS = {
    "green": ("#1a7a3a", "#ffffff"),
    "amber": ("#f2c230", "#000000"),
    "red": ("#b3261e", "#ffffff"),
    "none": ("#e4e6ea", "#000000"),
    "suppressed": ("#d6e4f0", "#000000"),
    "unavailable": ("#ece3f5", "#000000"),
}


def _rag_style(classes: Sequence[str]) -> str:
    status = next((c[4:] for c in classes if c.startswith("rag-")), None)
    if "rag" not in classes or status not in RAG_COLOURS:
        return ""
    fill, ink = RAG_COLOURS[status]
    return (
        f' style="background:{fill};color:{ink};font-weight:bold;padding:0.05em 0.4em;'
        'border-radius:0.2em;white-space:nowrap"'
    )


def inline_html(markdown: str) -> str:
    """HTML for the small inline Markdown subset the report objects write."""
    for pattern, kind in _INLINE:
        markdown = pattern.sub(lambda m, k=kind: _inline_sub(m, k), markdown)
    # Escape what is left, keeping the tags made above (marked by \x00 ... \x01).
    parts = re.split(r"(\x00[^\x01]*\x01)", markdown)
    out = []
    for part in parts:
        if part.startswith("\x00"):
            out.append(part[1:-1])
        else:
            out.append(html.escape(_UNESCAPE.sub(r"\1", part), quote=False))
    return "".join(out)


def _inline_sub(match: re.Match, kind: str) -> str:
    def tag(text: str) -> str:
        return f"\x00{text}\x01"

    if kind == "code":  # literal text: no inline marks inside
        return tag(f"<code>{html.escape(match.group(1), quote=False)}</code>")
    inner = inline_html(match.group(1))
    if kind == "span":
        names = [c[1:] for c in match.group(2).split() if c.startswith(".")]
        return tag(f'<span class="{" ".join(names)}"{_rag_style(names)}>{inner}</span>')
    if kind == "link":
        return tag(f'<a href="{html.escape(match.group(2))}">{inner}</a>')
    return tag(f"<{kind}>{inner}</{kind}>")


class Block:
    """Something that writes itself as Markdown and as HTML."""

    def md(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError


def _attrs(ident: str | None, classes: Sequence[str]) -> str:
    bits = ([f"#{ident}"] if ident else []) + [f".{c}" for c in classes]
    return f" {{{' '.join(bits)}}}" if bits else ""


@dataclass
class Heading(Block):
    level: int
    text: str  # Markdown
    ident: str | None = None
    classes: tuple[str, ...] = ()

    def md(self) -> str:
        return f"{'#' * self.level} {self.text}{_attrs(self.ident, self.classes)}"

    def html(self) -> str:
        ident = f' id="{self.ident}"' if self.ident else ""
        return f"<h{self.level}{ident}>{inline_html(self.text)}</h{self.level}>"


@dataclass
class Para(Block):
    text: str  # Markdown (one paragraph)
    classes: tuple[str, ...] = ()

    def md(self) -> str:
        body = self.text.replace("\n", " ")
        if self.classes:
            return f"::: {{{' '.join('.' + c for c in self.classes)}}}\n{body}\n:::"
        return body

    def html(self) -> str:
        cls = f' class="{" ".join(self.classes)}"' if self.classes else ""
        return f"<p{cls}>{inline_html(self.text)}</p>"


@dataclass
class Raw(Block):
    """Markdown written by a person (an analyst's commentary): passed through as it is."""

    text: str

    def md(self) -> str:
        return self.text.strip()

    def html(self) -> str:
        paras = [p.strip() for p in re.split(r"\n\s*\n", self.text.strip()) if p.strip()]
        return "".join(f"<p>{inline_html(p)}</p>" for p in paras)


@dataclass
class ItemList(Block):
    items: list[str]  # Markdown
    ordered: bool = False

    def md(self) -> str:
        marker = "1." if self.ordered else "-"
        return "\n".join(f"{marker} {i}" for i in self.items)

    def html(self) -> str:
        tag = "ol" if self.ordered else "ul"
        return f"<{tag}>" + "".join(f"<li>{inline_html(i)}</li>" for i in self.items) + f"</{tag}>"


@dataclass
class DefList(Block):
    """Label and value pairs (the front sheet)."""

    items: list[tuple[str, str]]  # (label, Markdown value)

    def md(self) -> str:
        return "\n\n".join(f"{label}\n:   {value}" for label, value in self.items)

    def html(self) -> str:
        rows = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{inline_html(value)}</dd>"
            for label, value in self.items
        )
        return f"<dl>{rows}</dl>"


# Marks that take no width on the page: classed spans' braces, emphasis, superscript carets
# and escapes (what is left is what a reader sees).
_MARKS = re.compile(r"\]\{[^}]*\}|\*\*|(?<!\\)[*^`\[]|\\(?=.)")
# A row of the widest table, in units of an average character at the tables' size (8 pt in
# Word, 7.5 pt in the PDF) across the A4 text width (174 mm): about 110.
TABLE_WIDTH = 110
CELL_PADDING = 2.0  # the cell's left and right margins and a little air, in the same units
# Arial's widths relative to a digit's: full stops, commas and i/l about half, hyphens,
# brackets and slashes 0.6, per cent and m/w about 1.6.
_NARROW, _SEMI, _WIDE = set(" .,:;'il|!"), set("-/()"), set("%MWmw@")


def visible_text(markdown: str) -> str:
    """What a cell shows, without the inline Markdown marks (for sizing columns)."""
    return _MARKS.sub("", markdown).replace("\\ ", " ")


def text_width(text: str) -> float:
    """Roughly how wide ``text`` is, in average characters (narrow and wide letters count
    less and more): enough to keep a figure on one line without measuring fonts."""
    return sum(
        0.5 if c in _NARROW else 0.6 if c in _SEMI else 1.6 if c in _WIDE else 1.0 for c in text
    )


def content_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], total: float = TABLE_WIDTH
) -> list[int]:
    """Relative column widths from the cells' text: every column at least as wide as its
    longest word (a figure such as ``628,750`` is never split over two lines), the room left
    shared in proportion to how much longer each column's longest cell is than that."""
    cells = [[visible_text(c) for c in col] for col in zip(columns, *rows, strict=True)]

    def longest_word(col: list[str]) -> float:
        head, *body = col
        words = [text_width(w) * 1.1 for w in head.split()]  # the header is bold
        words += [text_width(w) for c in body for w in c.split()]
        return max(words, default=1.0) + CELL_PADDING

    least = [longest_word(col) for col in cells]
    natural = [max(text_width(c) for c in col) + CELL_PADDING for col in cells]
    room = total - sum(least)
    if room <= 0 or sum(natural) <= total:
        weights = least if room <= 0 else natural
    else:
        extra = [max(0.0, n - m) for n, m in zip(natural, least, strict=True)]
        spare = sum(extra) or 1.0
        weights = [m + room * e / spare for m, e in zip(least, extra, strict=True)]
    return [max(3, round(w)) for w in weights]


@dataclass
class Table(Block):
    """A pipe table with a caption, a header row, row headers and optional notes beneath.

    Column widths come from the cells' content (:func:`content_widths`) unless ``widths``
    gives relative widths; the Word and Typst writers keep them, while HTML lets the browser
    size columns to their content (the Lua filter). ``align`` is ``l`` or ``r`` per column. The
    first ``row_headers`` columns label their rows (``<th scope="row">`` in HTML).
    """

    caption: str
    columns: list[str]
    rows: list[list[str]]  # Markdown cells
    align: str = ""
    widths: Sequence[int] = ()
    notes: list[str] = field(default_factory=list)
    ident: str | None = None
    row_headers: int = 1

    @property
    def column_widths(self) -> list[int]:
        if self.widths:
            return list(self.widths)
        return content_widths(self.columns, self.rows, TABLE_WIDTH)

    def _align(self) -> str:
        return self.align or "l" + "r" * (len(self.columns) - 1)

    def _sep(self) -> str:
        cells = []
        for w, a in zip(self.column_widths, self._align(), strict=True):
            dashes = "-" * max(3, int(w))
            # explicit alignment: Typst would otherwise inherit pandoc's centred wrapper
            cells.append(dashes[:-1] + ":" if a == "r" else ":" + dashes[1:])
        return "|" + "|".join(cells) + "|"

    def md(self) -> str:
        def row(cells: Iterable[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") or " " for c in cells) + " |"

        lines = [row(self.columns), self._sep(), *(row(r) for r in self.rows)]
        classes = (f"row-headers-{self.row_headers}",) if self.row_headers else ()
        lines += ["", f": {self.caption}{_attrs(self.ident, classes)}"]
        body = "\n".join(lines)
        if self.notes:
            notes = "\n\n".join(self.notes)
            body += f"\n\n::: {{.table-notes}}\n{notes}\n:::"
        return body

    def html(self) -> str:
        align = self._align()

        def style(i: int) -> str:
            return ' style="text-align:right"' if align[i] == "r" else ""

        def cell(i: int, text: str) -> str:
            if i < self.row_headers:
                return f'<th scope="row"{style(i)}>{inline_html(text)}</th>'
            return f"<td{style(i)}>{inline_html(text)}</td>"

        head = "".join(
            f'<th scope="col"{style(i)}>{inline_html(c)}</th>' for i, c in enumerate(self.columns)
        )
        body = "".join(
            "<tr>" + "".join(cell(i, c) for i, c in enumerate(r)) + "</tr>" for r in self.rows
        )
        notes = "".join(f'<p class="table-notes">{inline_html(n)}</p>' for n in self.notes)
        label = html.escape(visible_text(self.caption))
        return (
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}"'
            ' style="overflow-x:auto;max-width:100%">'
            f"<table><caption>{inline_html(self.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{notes}"
        )


@dataclass
class Div(Block):
    classes: tuple[str, ...]
    blocks: list[Block]
    ident: str | None = None

    def md(self) -> str:
        inner = "\n\n".join(b.md() for b in self.blocks)
        return f":::{_attrs(self.ident, self.classes)}\n{inner}\n:::"

    def html(self) -> str:
        ident = f' id="{self.ident}"' if self.ident else ""
        inner = "".join(b.html() for b in self.blocks)
        return f'<div{ident} class="{" ".join(self.classes)}">{inner}</div>'


@dataclass
class Fragment:
    """A displayable run of blocks: ``text/markdown`` for the renderer, ``text/html`` for Lab."""

    blocks: list[Block]
    part: str = ""  # e.g. "front-sheet": the renderer places the contents page after it

    @property
    def markdown(self) -> str:
        return "\n\n".join(b.md() for b in self.blocks) + "\n"

    @property
    def html(self) -> str:
        return '<div class="safeguarding">' + "".join(b.html() for b in self.blocks) + "</div>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        data = {"text/markdown": self.markdown, "text/html": self.html}
        if self.part:
            return data, {"safeguarding": {"part": self.part}}
        return data
