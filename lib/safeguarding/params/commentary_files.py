"""``params/commentary/<YYYY-YY-Qn>/<authority>/<INDICATOR>.md``: the analyst's text for
one indicator, with its mode in optional front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..validation import InputError, Issue, safe_yaml
from .fields import Checker, mapping_of, unknown_keys
from .records import COMMENTARY_MODES

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Commentary:
    text: str
    mode: str  # "replace": the analyst's text replaces the drafted paragraph; "follow": after it
    path: Path


def read_commentary(
    path: Path, rel: str, root: Path | None = None, safe: bool = True
) -> Commentary:
    """One commentary file: Markdown with optional YAML front matter ``mode: replace|follow``.
    Its text is checked and rewritten by :func:`safeguarding.commentary.sanitise` (``safe``;
    ``root``, the project folder, bounds where its images may come from)."""
    raw = path.read_text(encoding="utf-8")
    first_line = 1
    check = Checker(rel)
    mode = "replace"
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            meta = safe_yaml(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise InputError(
                [
                    Issue(
                        "error",
                        rel,
                        "yaml",
                        f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}",
                    )
                ]
            ) from None
        meta = mapping_of(meta, check, "front matter")
        unknown_keys(meta, ("mode",), check, "front matter")
        mode = str(meta.get("mode", mode))
        if mode not in COMMENTARY_MODES:
            check.error("front matter.mode", "mode is replace or follow", "commentary-mode", mode)
        first_line += raw[: match.end()].count("\n")
        raw = raw[match.end() :]
    check.raise_if_any()
    text = raw.strip()
    if safe:
        from ..commentary import sanitise

        first_line += raw[: len(raw) - len(raw.lstrip())].count("\n")  # blank lines stripped
        text = sanitise(text, rel, path.parent, root, first_line)
    return Commentary(text, mode, path)
