"""Analyst commentary made safe to publish: Markdown in, checked Markdown out.

Commentary under ``params/commentary/`` is written by people and reaches HTML pages, PDFs and
Word documents that the public reads. It may use Markdown's text constructs (paragraphs,
emphasis, lists, tables, block quotes, headings, footnotes, links, images) and nothing that
speaks to one output format directly. The text is parsed by pandoc (the same reader the
renderer uses) into its JSON AST, and the AST is walked:

* raw HTML, raw Typst, raw OpenXML, raw LaTeX (``RawBlock``/``RawInline``) and TeX maths are
  refused: each is a way to put code or markup of its own into a page;
* headings above level 4 (they would break the report's structure and contents), and
  attributes other than classes and identifiers (``{onclick=…}``, ``{custom-style=…}``,
  ``{style=…}``) are refused, except an image's ``width`` and ``height``;
* a link must go to ``https:``, ``http:`` or ``mailto:``;
* an image must be one of the project's own files (PNG, JPEG or GIF, inside the project
  folder, at most :data:`MAX_IMAGE_BYTES`), named relative to the commentary file. It is
  embedded as a data URI, so the executed notebook carries it and the report stays
  self-contained.

A refusal is an :class:`~safeguarding.exceptions.InputError` whose issues name the file, the
line and the construct. What passes is written back by pandoc as Markdown, so the report
embeds the checked document and nothing the check did not see: an unclosed code fence or a
reference-link definition cannot reach beyond its own file.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exceptions import InputError, RenderError
from .pandoc_run import pandoc_path

READER = "markdown-smart+smart"  # pandoc's reader of commentary and of every report
WRITER = "markdown"
LINK_SCHEMES = ("https", "http", "mailto")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
MAX_IMAGE_BYTES = 2_000_000
IMAGE_SIZE_KEYS = ("width", "height")
RULE = "commentary-safe"
# commentary sits inside an indicator's section (level 3): a higher heading would break the
# report's contents and its document structure
MIN_HEADING_LEVEL = 4

_SAFE_BLOCKS = {
    "Plain", "Para", "LineBlock", "CodeBlock", "BlockQuote", "OrderedList", "BulletList",
    "DefinitionList", "Header", "HorizontalRule", "Table", "Figure", "Div",
}  # fmt: skip
_SAFE_INLINES = {
    "Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps",
    "Quoted", "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Link", "Image", "Note", "Span",
}  # fmt: skip
# the AST's enumerations (quote, list-number, alignment and citation kinds) are nodes too
_ENUMS = {
    "DoubleQuote", "SingleQuote", "DefaultStyle", "Example", "Decimal", "LowerRoman",
    "UpperRoman", "LowerAlpha", "UpperAlpha", "DefaultDelim", "Period", "OneParen", "TwoParens",
    "AlignLeft", "AlignRight", "AlignCenter", "AlignDefault", "ColWidth", "ColWidthDefault",
    "AuthorInText", "SuppressAuthor", "NormalCitation", "InlineMath", "DisplayMath",
}  # fmt: skip
# where each node keeps its attributes ([identifier, classes, key-values]) in "c"
_ATTR_AT = {
    "Div": 0, "Span": 0, "Header": 1, "CodeBlock": 0, "Code": 0, "Link": 0, "Image": 0,
    "Table": 0, "Figure": 0,
}  # fmt: skip
_RAW_NAMES = {
    "html": "raw HTML", "html5": "raw HTML", "typst": "raw Typst", "openxml": "raw OpenXML",
    "latex": "raw LaTeX", "tex": "raw LaTeX",
}  # fmt: skip
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
_SIZE = re.compile(r"^\d+(?:\.\d+)?(?:%|px|cm|mm|in)?$")
_CLASS = re.compile(r"^[A-Za-z][\w-]*$")


@dataclass(frozen=True)
class Refusal:
    """One forbidden construct: where it is (1-based line of the file) and what it is."""

    line: int
    construct: str


def sanitise(
    markdown: str,
    rel: str,
    folder: Path | None = None,
    root: Path | None = None,
    first_line: int = 1,
) -> str:
    """The commentary as checked Markdown, its images embedded; :class:`InputError` naming
    ``rel``, the line and the construct when anything is refused.

    ``folder`` is the commentary file's folder (images are named relative to it) and ``root``
    the project folder (no image outside it); without them no image is accepted.
    ``first_line`` is the file line the text starts on (after its front matter)."""
    if not markdown.strip():
        return ""
    ast = parse(markdown)
    refusals = list(check(ast, markdown, folder, root, first_line))
    if refusals:
        from .validation import Issue

        raise InputError(
            [
                Issue(
                    "error",
                    rel,
                    RULE,
                    f"{r.construct} is not allowed in commentary",
                    row=f"line {r.line}",
                )
                for r in refusals
            ]
        )
    return write(ast).strip()


def parse(markdown: str) -> dict[str, Any]:
    """Pandoc's JSON AST of ``markdown`` (the renderer's reader)."""
    return json.loads(_pandoc(["--from", READER, "--to", "json"], markdown))


def write(ast: dict[str, Any]) -> str:
    """Markdown that pandoc's reader reads back as ``ast``."""
    return _pandoc(["--from", "json", "--to", WRITER, "--wrap=none"], json.dumps(ast))


def _pandoc(args: list[str], text: str) -> str:
    proc = subprocess.run(
        [pandoc_path(), *args], input=text.encode("utf-8"), capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise RenderError(f"pandoc: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout.decode("utf-8")


def check(
    ast: dict[str, Any],
    markdown: str,
    folder: Path | None,
    root: Path | None,
    first_line: int = 1,
) -> Iterator[Refusal]:
    """Every forbidden construct of ``ast`` (parsed from ``markdown``), in reading order.
    Allowed images are rewritten in place as data URIs."""
    finder = _LineFinder(markdown, first_line)
    for node in nodes(ast.get("blocks", [])):
        kind = node["t"]
        content = node.get("c")
        if kind in ("RawBlock", "RawInline"):
            fmt, raw = content
            name = _RAW_NAMES.get(str(fmt).lower(), f"raw {fmt}")
            yield Refusal(finder.find(raw), f"{name} ({_shown(raw)})")
            continue
        if kind == "Math":
            yield Refusal(finder.find(content[1]), f"TeX maths (${_shown(content[1])}$)")
            continue
        if kind in _ENUMS:
            continue
        if kind not in _SAFE_BLOCKS and kind not in _SAFE_INLINES:
            yield Refusal(finder.find(""), f"the construct {kind}")
            continue
        if kind in _ATTR_AT:
            yield from _check_attr(kind, content[_ATTR_AT[kind]], finder)
        if kind == "Header" and content[0] < MIN_HEADING_LEVEL:
            yield Refusal(
                finder.find(next((n["c"] for n in nodes(content[2]) if n["t"] == "Str"), "#")),
                f"a level-{content[0]} heading (the report's own sections; use "
                f"{'#' * MIN_HEADING_LEVEL} or bold text)",
            )
        if kind == "Link":
            url = content[2][0]
            if not _allowed_link(url):
                yield Refusal(finder.find(url), f"a link to {_shown(url)}")
        elif kind == "Image":
            src = content[2][0]
            problem, uri = _image(src, folder, root)
            if problem:
                yield Refusal(finder.find(src), problem)
            else:
                content[2][0] = uri


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every pandoc AST node under ``value``, depth first in document order."""
    if isinstance(value, dict):
        if "t" in value:
            yield value
        for child in value.values():
            yield from nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from nodes(child)


def _check_attr(kind: str, attr: list[Any], finder: _LineFinder) -> Iterator[Refusal]:
    _identifier, classes, pairs = attr
    for cls in classes:
        if not _CLASS.match(cls):
            yield Refusal(finder.find(cls), f"the class {_shown(cls)}")
    for key, value in pairs:
        if kind == "Image" and key in IMAGE_SIZE_KEYS and _SIZE.match(value):
            continue
        yield Refusal(finder.find(f"{key}="), f"the attribute {_shown(key)}")


def _allowed_link(url: str) -> bool:
    scheme = _SCHEME.match(url)
    if not scheme or scheme.group(1).lower() not in LINK_SCHEMES:
        return False
    if scheme.group(1).lower() == "mailto":
        return True
    return bool(re.match(r"^https?://[^\s/?#]+", url, re.IGNORECASE))


def _image(src: str, folder: Path | None, root: Path | None) -> tuple[str, str]:
    """``(why it is refused, "")`` or ``("", its data URI)``."""
    shown = _shown(src)
    if _SCHEME.match(src) or src.startswith("//"):
        return f"an image from outside the project ({shown})", ""
    if folder is None or root is None:
        return f"an image ({shown}) outside a project's commentary folder", ""
    path = Path(src)
    if path.is_absolute():
        return f"an image by absolute path ({shown})", ""
    resolved = (folder / path).resolve()
    if not resolved.is_relative_to(root.resolve()):
        return f"an image outside the project folder ({shown})", ""
    mime = IMAGE_TYPES.get(resolved.suffix.lower())
    if mime is None:
        return (
            f"an image of type {resolved.suffix or 'unknown'} ({shown}; use PNG, JPEG or GIF)",
            "",
        )
    if not resolved.is_file():
        return f"an image that does not exist ({shown})", ""
    data = resolved.read_bytes()
    if len(data) > MAX_IMAGE_BYTES:
        return f"an image larger than {MAX_IMAGE_BYTES // 1_000_000} MB ({shown})", ""
    return "", f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _shown(text: str, width: int = 40) -> str:
    """A construct as a message quotes it: one line, at most ``width`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"


class _LineFinder:
    """The file line of each construct, found by its text from the last one found (the AST
    carries no positions; constructs are met in reading order)."""

    def __init__(self, markdown: str, first_line: int):
        self.lines = markdown.splitlines() or [""]
        self.first_line = first_line
        self.at = 0

    def find(self, needle: str) -> int:
        probe = next((s.strip() for s in str(needle).splitlines() if s.strip()), "")
        # pandoc may respell what it read (quotes round attributes, escapes in URLs): the
        # whole text first, then its start, then its first word
        probes = [probe, probe[:12], probe.split()[0] if probe.split() else ""]
        for text in dict.fromkeys(p for p in probes if p):
            for start in (self.at, 0):
                for index in range(start, len(self.lines)):
                    if text in self.lines[index]:
                        self.at = index
                        return index + self.first_line
        return self.at + self.first_line
