"""Small formatting helpers shared by the report's parts: labels, cells, ids, RAG spans."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from ..catalogue import Indicator, format_value
from ..markup import RAG_WORDS, esc, span

VS_TARGET_WORDS = {
    "met": "target met",
    "near": "close to target",
    "missed": "target missed",
    "within_band": "within band",
    "below_band": "below band",
    "above_band": "above band",
    "no_target": "",
    "not_computable": "",
}
# What a status means, for a scorecard's footnote (each in colour and in words)
STATUS_MEANINGS = {
    "green": "target met or within band",
    "amber": "close to target (within its amber margin)",
    "red": "target missed",
    "none": "no target or band is set for this indicator",
    "suppressed": "the figure rests on between one and five children (or would let such a "
    "count be worked out) and is not published",
    "unavailable": "the figure cannot be worked out from the data (the reason is given)",
}


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def indicator_code(ind: Indicator) -> str:
    """``NI 65`` for national indicators (as papers write them), else empty: the other ids
    (``REREFERRAL_12M``) are for files, not readers."""
    return re.sub(r"^NI(\d)", r"NI \1", ind.id) if re.match(r"NI\d", ind.id) else ""


def indicator_name(ind: Indicator) -> str:
    code = indicator_code(ind)
    return f"{esc(ind.label)} ({code})" if code else esc(ind.label)


def cell_value(ind: Indicator, value: float | None) -> str:
    """A figure for a table cell. Rates drop "per 10,000": the row's label says it, and
    repeating it in every cell only makes the table wrap."""
    if value is None:
        return "n/a"
    unit = "count" if ind.unit == "rate_per_10000" else ind.unit
    return esc(format_value(value, unit, ind.decimals))


def lower_first(text: str) -> str:
    """Lower-case the first letter only (keeps "ONS", "CP" and names intact)."""
    return text[:1].lower() + text[1:]


def slug(text: str) -> str:
    """An id for a heading: lower case letters, digits and hyphens."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def rag_span(rag: str | None, words: str = "") -> str:
    """The status cell: a classed span (colour in HTML and PDF) holding the status in words."""
    rag = rag if rag in RAG_WORDS else "none"
    text = RAG_WORDS[rag] + (f": {words}" if words else "")
    return span(esc(text), "rag", f"rag-{rag}")
