"""``params/authorities.yaml``: authorities, their neighbours and committees."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .fields import (
    Checker,
    authority_code,
    file_text,
    formats_field,
    iso_date,
    join_field,
    parse_yaml,
    unknown_keys,
)
from .records import FORMATS, Authority, Committee, Officer

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

_AUTHORITY_KEYS = ("code", "name", "region", "neighbours", "committees")
_COMMITTEE_KEYS = ("id", "name", "meeting_date", "report_of", "contact", "formats")
_OFFICER_KEYS = ("name", "role", "phone", "email")


def read_authorities(path: Path, rel: str = "params/authorities.yaml") -> dict[str, Authority]:
    """Authorities by code, validated; parsed again only when the file's text changes (a
    preview re-reads the project at every edit, and a national project's file holds 153
    authorities: 0.1 s of YAML each time)."""
    return dict(_parse_authorities(file_text(path, rel), rel))


@lru_cache(maxsize=8)
def _parse_authorities(text: str, rel: str) -> dict[str, Authority]:
    data = parse_yaml(text, rel)
    check = Checker(rel)
    entries = data.get("authorities") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        check.error(
            "authorities", "expected a list of authorities under 'authorities:'", "yaml-list"
        )
        check.raise_if_any()
    out: dict[str, Authority] = {}
    for where, entry in check.mappings(entries, "authorities", "authority", _AUTHORITY_KEYS):
        code = authority_code(entry.get("code"), check, join_field(where, "code"))
        name = check.text(entry, "name", where)
        region = check.text(entry, "region", where)
        neighbours = _neighbours(entry.get("neighbours"), check, join_field(where, "neighbours"))
        committees = _committees(entry.get("committees"), check, join_field(where, "committees"))
        if code is None:
            continue
        if code in out:
            check.error(join_field(where, "code"), "this code appears twice", "unique-code", code)
            continue
        out[code] = Authority(code, name, region, neighbours, committees)
    for code, authority in out.items():
        for other in authority.neighbours or ():
            if other == code:
                check.error(
                    f"authorities[{code}].neighbours",
                    "an authority is not its own neighbour",
                    "neighbour",
                    other,
                )
    check.raise_if_any()
    return out


def _neighbours(value: Any, check: Checker, where: str) -> tuple[str, ...] | None:
    if value is None or value == "data":
        return None
    if not isinstance(value, list):
        check.error(
            where,
            "neighbours is a list of codes, or 'data' to use the statistical-neighbour file",
            "neighbours",
        )
        return None
    codes = [authority_code(v, check, f"{where}[{i}]") for i, v in enumerate(value)]
    return tuple(c for c in codes if c)


def _committees(value: Any, check: Checker, where: str) -> dict[str, Committee]:
    if not isinstance(value, list) or not value:
        check.error(where, "each authority needs a list of committees", "committees")
        return {}
    out: dict[str, Committee] = {}
    for at, entry in check.mappings(value, where, "committee", _COMMITTEE_KEYS):
        cid = check.text(entry, "id", at)
        if cid and not _ID.match(cid):
            check.error(
                join_field(at, "id"),
                "a committee id is lower-case letters, digits and _",
                "committee-id",
                cid,
            )
        name = check.text(entry, "name", at)
        meeting = iso_date(entry.get("meeting_date"), check, join_field(at, "meeting_date"))
        report_of = check.text(entry, "report_of", at)
        contact = _officer(entry.get("contact"), check, join_field(at, "contact"))
        formats = formats_field(entry.get("formats"), check, join_field(at, "formats"))
        if cid in out:
            check.error(join_field(at, "id"), "this committee id appears twice", "unique-id", cid)
        elif cid and meeting and contact:
            out[cid] = Committee(cid, name, meeting, report_of, contact, formats or FORMATS)
    return out


def _officer(value: Any, check: Checker, where: str) -> Officer | None:
    if not isinstance(value, dict):
        check.error(where, "the contact officer (name, role, phone, email) is required", "contact")
        return None
    unknown_keys(value, _OFFICER_KEYS, check, where)
    phone = value.get("phone")
    if isinstance(phone, int):
        # YAML drops a phone number's leading zero when it is not quoted
        check.error(
            join_field(where, "phone"),
            'quote the phone number, e.g. "01632 960123"',
            "phone",
            phone,
        )
    email = check.text(value, "email", where)
    if email and not _EMAIL.match(email):
        check.error(join_field(where, "email"), "not an e-mail address", "email", email)
    return Officer(
        check.text(value, "name", where),
        check.text(value, "role", where),
        check.text(value, "phone", where),
        email,
    )
