"""DfE's statistical-neighbour files: each authority's ten closest neighbours."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from ..validation import InputError, Issue


def read_neighbours(path: str | Path) -> pd.DataFrame:
    """A statistical-neighbour file as ``authority, position, neighbour, closeness``.

    Reads the 2025 model (``SN_1``..``SN_10`` with ``SN_1P``.. closeness, whose labels carry
    trailing spaces) and the April 2021 groupings (``SN1``..``SN10`` each followed by a column
    headed ``SNP``, repeated). Columns are found by position, so the repeated header and the
    trailing empty column do no harm.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "file-exists", "file not found")]) from None
    if not rows:
        raise InputError([Issue("error", str(path), "csv", "the file is empty")])
    header = [h.strip() for h in rows[0]]
    slots = [
        (int(m.group(1)), i) for i, h in enumerate(header) if (m := re.fullmatch(r"SN_?(\d+)", h))
    ]
    if not slots:
        raise InputError(
            [
                Issue(
                    "error",
                    str(path),
                    "neighbour-columns",
                    "no neighbour columns (SN_1.. or SN1..) in the header",
                )
            ]
        )
    records = []
    for n, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        authority = row[0].strip()
        for position, i in slots:
            code = row[i].strip() if i < len(row) else ""
            if not code:
                continue
            closeness = row[i + 1].strip() if i + 1 < len(row) else ""
            records.append(
                {
                    "authority": authority,
                    "position": position,
                    "neighbour": code,
                    "closeness": closeness,
                    "row": n,
                }
            )
    return pd.DataFrame(records, columns=["authority", "position", "neighbour", "closeness", "row"])


def neighbour_lists(neighbours: pd.DataFrame) -> dict[str, list[str]]:
    """``{authority: [neighbour codes in order]}`` from :func:`read_neighbours`."""
    ordered = neighbours.sort_values(["authority", "position"])
    return {a: list(g["neighbour"]) for a, g in ordered.groupby("authority", sort=False)}
