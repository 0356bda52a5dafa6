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
    (re.compile(r"\[([^\]]*)\]\{([^}]*)\}"), "span"),
    (re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)"), "link"),
    (re.compile(r"\*\*(.+?)\*\*"), "strong"),
    (re.compile(r"(?<![\\*])\*(?!\s)(.+?)(?<![\\\s])\*"), "em"),
    (re.compile(r"\^((?:\\.|[^^])+)\^"), "sup"),
]
_UNESCAPE = re.compile(r"\\(.)")


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

    inner = inline_html(match.group(1))
    if kind == "span":
        classes = " ".join(c[1:] for c in match.group(2).split() if c.startswith("."))
        return tag(f'<span class="{classes}">{inner}</span>')
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


@dataclass
class Table(Block):
    """A pipe table with a caption, a header row and optional notes beneath.

    ``widths`` are relative column widths (the renderer keeps them: pandoc reads them from the
    separator line); ``align`` is ``l`` or ``r`` per column.
    """

    caption: str
    columns: list[str]
    rows: list[list[str]]  # Markdown cells
    align: str = ""
    widths: Sequence[int] = ()
    notes: list[str] = field(default_factory=list)
    ident: str | None = None

    def _sep(self) -> str:
        widths = list(self.widths) or [max(3, len(c)) for c in self.columns]
        align = self.align or "l" + "r" * (len(self.columns) - 1)
        cells = []
        for w, a in zip(widths, align, strict=True):
            dashes = "-" * max(3, int(w))
            # explicit alignment: Typst would otherwise inherit pandoc's centred wrapper
            cells.append(dashes[:-1] + ":" if a == "r" else ":" + dashes[1:])
        return "|" + "|".join(cells) + "|"

    def md(self) -> str:
        def row(cells: Iterable[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") or " " for c in cells) + " |"

        lines = [row(self.columns), self._sep(), *(row(r) for r in self.rows)]
        lines += ["", f": {self.caption}{_attrs(self.ident, ())}"]
        body = "\n".join(lines)
        if self.notes:
            notes = "\n\n".join(self.notes)
            body += f"\n\n::: {{.table-notes}}\n{notes}\n:::"
        return body

    def html(self) -> str:
        align = self.align or "l" + "r" * (len(self.columns) - 1)

        def style(i: int) -> str:
            return ' style="text-align:right"' if align[i] == "r" else ""

        head = "".join(
            f'<th scope="col"{style(i)}>{inline_html(c)}</th>' for i, c in enumerate(self.columns)
        )
        body = "".join(
            "<tr>"
            + "".join(f"<td{style(i)}>{inline_html(c)}</td>" for i, c in enumerate(r))
            + "</tr>"
            for r in self.rows
        )
        notes = "".join(f'<p class="table-notes">{inline_html(n)}</p>' for n in self.notes)
        return (
            f"<table><caption>{inline_html(self.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}"
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
