"""Drafted commentary: a short paragraph per indicator from an assessment row.

The paragraph says how the figure moved since the last year end and the last quarter, where
it stands against England, the region and statistical neighbours and against its target or
band, and whether the numbers are too small for the change to mean much; it ends with the
indicator's polarity sentence. It never calls a figure better or worse when the assessment
found it in line, and says "within normal variation" when a change is not larger than chance.
An analyst's own text replaces the draft or follows it (:func:`combine_commentary`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .catalogue import Indicator, format_value, round_half_up
from .exceptions import ParameterError
from .periods import parse_period
from .significance import SMALL_DENOMINATOR

MODES = ("replace", "follow")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: float, indicator: Indicator) -> str:
    """A target or band edge without needless decimals: ``95%`` rather than ``95.0%``."""
    rounded = round_half_up(float(value), indicator.decimals)
    decimals = 0 if float(rounded).is_integer() else indicator.decimals
    return format_value(rounded, indicator.unit, decimals)


def _travel_year_end(row: Mapping, indicator: Indicator) -> str | None:
    status = row.get("vs_previous_year_end")
    prev = row.get("previous_year_end_value")
    if _missing(prev):
        return None
    then = indicator.format(prev)
    phrases = {
        "improved": f"Performance improved from {then} at the last year end",
        "declined": f"Performance fell from {then} at the last year end",
        "no_change": f"Performance is unchanged from the last year end ({then})",
        "within_normal_variation": (
            f"The change from {then} at the last year end is within normal variation"
        ),
        "increased": f"The figure rose from {then} at the last year end",
        "decreased": f"The figure fell from {then} at the last year end",
        "not_comparable": (
            f"The figure cannot be compared directly with the last year end ({then}) because "
            "the definition changed"
        ),
    }
    return phrases.get(status)


def _travel_quarter(row: Mapping, indicator: Indicator) -> str | None:
    status = row.get("vs_previous_quarter")
    prev = row.get("previous_quarter_value")
    if _missing(prev) or status == "not_comparable":
        return None
    kind = "month" if parse_period(row["period"]).kind == "month" else "quarter"
    then = indicator.format(prev)
    phrases = {
        "improved": f"It improved from {then} last {kind}.",
        "declined": f"It fell from {then} last {kind}.",
        "no_change": f"It is unchanged from last {kind} ({then}).",
        "within_normal_variation": (
            f"The change from {then} last {kind} is within normal variation."
        ),
        "increased": f"It rose from {then} last {kind}.",
        "decreased": f"It fell from {then} last {kind}.",
    }
    return phrases.get(status)


def _relation(judgement: str, value: float, other: float) -> str | None:
    if judgement == "in_line":
        return "in line with"
    if judgement in ("better", "worse", "higher", "lower"):
        # say where the figure lies; "better"/"worse" only ever follow from a real gap
        return "above" if value > other else "below"
    return None


def _comparator_clause(row: Mapping, indicator: Indicator) -> str | None:
    value = row.get("value")
    items = [
        ("England", row.get("vs_england"), row.get("england_value")),
        (
            f"{row['region']} regional" if row.get("region") else "regional",
            row.get("vs_region"),
            row.get("region_value"),
        ),
        ("statistical-neighbour", row.get("vs_neighbours"), row.get("neighbours_value")),
    ]
    groups: dict[str, list[tuple[str, float]]] = {}
    for name, judgement, other in items:
        if _missing(other) or _missing(value):
            continue
        relation = _relation(judgement or "", float(value), float(other))
        if relation:
            groups.setdefault(relation, []).append((name, other))
    if not groups:
        return None
    parts = []
    for relation, members in groups.items():
        if len(members) == 1:
            name, other = members[0]
            parts.append(f"{relation} the {name} average ({indicator.format(other)})")
        else:
            names = [f"{n} ({indicator.format(v)})" for n, v in members]
            listed = ", ".join(names[:-1]) + " and " + names[-1]
            parts.append(f"{relation} the {listed} averages")
    clause = "is " + " and ".join(parts)
    year = row.get("comparator_year")
    if year:
        clause += f" for {year}"
    return clause


def _target_clause(row: Mapping, indicator: Indicator) -> str | None:
    status = row.get("vs_target")
    value = row.get("value")
    if status in (None, "", "no_target") or _missing(value):
        return None
    if status in ("within_band", "below_band", "above_band"):
        band = f"{_plain(row['band_low'], indicator)} to {_plain(row['band_high'], indicator)}"
        if status == "within_band":
            return f"it is within the {band} band"
        side = "below" if status == "below_band" else "above"
        word = "too low" if side == "below" else "too high"
        return f"it is {side} the {band} band, which is {word}"
    target = row.get("target")
    if _missing(target):
        return None
    target_text = _plain(target, indicator)
    if status == "met":
        return f"it meets the {target_text} target"
    side = "below" if indicator.polarity == "high" else "above"
    if status == "near":
        return f"it is just {side} the {target_text} target, within the tolerance"
    previous = row.get("previous_year_end_value")
    remains = False
    if not _missing(previous):
        prev = float(previous)
        remains = prev < target if indicator.polarity == "high" else prev > target
    return f"it {'remains' if remains else 'is'} {side} the {target_text} target"


def _small_numbers(row: Mapping, indicator: Indicator) -> str | None:
    if not row.get("small_numbers"):
        return None
    denominator, numerator = row.get("denominator"), row.get("numerator")
    if indicator.is_percentage and not _missing(denominator):
        if denominator < SMALL_DENOMINATOR or _missing(numerator):
            counted = f"{int(denominator)} in all"
        else:
            counted = f"{int(numerator)} of {int(denominator)}"
        return (
            f"Numbers are small ({counted}), so one or two cases move the percentage "
            "noticeably and changes should be read with caution."
        )
    return "Numbers are small, so changes should be read with caution."


def draft_commentary(row: Mapping, indicator: Indicator, *, polarity_sentence: bool = True) -> str:
    """A drafted paragraph for one assessment row (a mapping with :func:`assess`'s columns)."""
    value = row.get("value")
    if _missing(value):
        text = f"No figure is available for {parse_period(row['period']).long_label}."
        return text + (" " + indicator.polarity_sentence() if polarity_sentence else "")
    when = parse_period(row["period"]).long_label
    sentences = [f"In {when} the figure was {indicator.format(value)}."]
    travel = _travel_year_end(row, indicator)
    comparators = _comparator_clause(row, indicator)
    target = _target_clause(row, indicator)
    if travel and comparators:
        main = f"{travel} and {comparators}"
    elif travel:
        main = travel
    elif comparators:
        main = f"It {comparators}"
    else:
        main = None
    if main and target:
        sentences.append(f"{main}; {target}.")
    elif main:
        sentences.append(f"{main}.")
    elif target:
        sentences.append(target[0].upper() + target[1:] + ".")
    quarter = _travel_quarter(row, indicator)
    if quarter:
        sentences.append(quarter)
    small = _small_numbers(row, indicator)
    if small:
        sentences.append(small)
    if row.get("provisional"):
        note = str(row.get("note") or "").strip()
        sentences.append("This figure is provisional" + (f": {note.rstrip('.')}." if note else "."))
    for key in ("definition_note", "comparator_note"):
        note = str(row.get(key) or "").strip()
        if note:
            sentences.append(note if note.endswith(".") else note + ".")
    if polarity_sentence:
        sentences.append(indicator.polarity_sentence())
    return " ".join(sentences)


def combine_commentary(drafted: str, analyst_text: str | None, mode: str = "replace") -> str:
    """The commentary a report prints: the analyst's text replaces or follows the draft.

    An empty or missing analyst text leaves the draft as it is.
    """
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    text = (analyst_text or "").strip()
    if not text:
        return drafted
    if mode == "replace":
        return text
    return f"{drafted}\n\n{text}"
