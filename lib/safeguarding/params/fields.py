"""The field checks every ``params/`` file shares: YAML read with the line of a syntax
error, and each problem collected as an :class:`~safeguarding.validation.Issue` naming the
field (``authorities[2].committees[0].meeting_date``), all of a file's raised together."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..validation import InputError, Issue, safe_yaml
from .records import FORMATS, IMPLICATIONS

_CODE = re.compile(r"^\d{3}$")


class Checker:
    """Collects issues for one file; fields are named like ``authorities[2].name``."""

    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []

    def error(self, where: str, message: str, rule: str, value: Any = None) -> None:
        self.issues.append(Issue.error_at(self.file, rule, message, where or None, value=value))

    def text(self, mapping: dict, key: str, where: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(
                    join_field(where, key),
                    f"{key!r} is required (write N/A if it does not apply)"
                    if key in IMPLICATIONS
                    else f"{key!r} is required",
                    "required-field",
                )
            return ""
        if not isinstance(value, str | int | float):
            self.error(join_field(where, key), f"{key!r} must be text", "text-field", value)
            return ""
        return str(value).strip()

    def mappings(
        self, entries: list, where: str, what: str, allowed: tuple[str, ...]
    ) -> Iterator[tuple[str, dict]]:
        """Each entry of a YAML list that is a mapping, with its field (``where[n]``), its
        unknown keys reported; an entry of another kind is an error ("each {what} is a
        mapping")."""
        for n, entry in enumerate(entries):
            at = f"{where}[{n}]"
            if not isinstance(entry, dict):
                self.error(at, f"each {what} is a mapping", "yaml-mapping")
                continue
            unknown_keys(entry, allowed, self, at)
            yield at, entry

    def raise_if_any(self) -> None:
        if self.issues:
            raise InputError(self.issues)


def join_field(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def read_yaml(path: Path, rel: str) -> Any:
    return parse_yaml(file_text(path, rel), rel)


def file_text(path: Path, rel: str) -> str:
    """The text of the project file ``rel``; a missing one is an input error naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Issue("error", rel, "file-exists", "file not found")]) from None


def parse_yaml(text: str, rel: str) -> Any:
    """``text`` (the file ``rel``) as YAML; a syntax error names the file and line."""
    try:
        return safe_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            [Issue("error", rel, "yaml", f"not valid YAML: {problem}", row=row)]
        ) from None


def authority_code(value: Any, check: Checker, where: str) -> str | None:
    """A DfE code as 3-digit text. YAML reads ``901`` as a number; that is fine, but a
    number below 100 lost its leading zero (and ``012`` may even be read as octal)."""
    if isinstance(value, bool) or value is None:
        check.error(
            where, 'an authority code (3 digits, e.g. "901") is required', "authority-code", value
        )
        return None
    if isinstance(value, int):
        if value < 100:
            check.error(
                where,
                'codes with leading zeros must be quoted, e.g. "012"',
                "authority-code",
                value,
            )
            return None
        value = str(value)
    value = str(value).strip()
    if not _CODE.match(value):
        check.error(where, 'an authority code is 3 digits, e.g. "901"', "authority-code", value)
        return None
    return value


def iso_date(value: Any, check: Checker, where: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        check.error(where, "a date is written YYYY-MM-DD, e.g. 2024-11-12", "iso-date", value)
        return None


def mapping_of(value: Any, check: Checker, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.error(where, "expected a mapping (key: value lines)", "yaml-mapping")
        return {}
    return value


def unknown_keys(mapping: dict, allowed: tuple[str, ...], check: Checker, where: str) -> None:
    for key in mapping:
        if key not in allowed:
            check.error(
                join_field(where, str(key)),
                f"unknown field {key!r}; expected one of {', '.join(allowed)}",
                "known-field",
            )


def formats_field(value: Any, check: Checker, where: str) -> tuple[str, ...] | None:
    """A ``formats:`` field (a run plan's run, or a committee in authorities.yaml): a list of
    html, pdf and docx, returned in the order they are rendered; None where it is absent. A
    committee that does not take Word is spared its rendering."""
    if value is None:
        return None
    given = [value] if isinstance(value, str) else value
    if not isinstance(given, list) or not given:
        check.error(where, f"formats is a list of {', '.join(FORMATS)}", "formats", value)
        return None
    for i, fmt in enumerate(given):
        if fmt not in FORMATS:
            check.error(
                f"{where}[{i}]", f"unknown format; choose from {', '.join(FORMATS)}",
                "known-format", fmt,
            )  # fmt: skip
        elif given.index(fmt) != i:
            check.error(f"{where}[{i}]", "this format is already listed", "unique-format", fmt)
    return tuple(f for f in FORMATS if f in given)
