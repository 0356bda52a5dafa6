"""Drafted commentary: a short paragraph per indicator from an assessment row.

The paragraph, in short sentences that never repeat a number already given:

1. the figure, with the stretch of time it covers in members' words ("From April to
   September 2024 (year to date) the figure was 27.6% (75 of 272)", "At 30 September 2024
   the figure was 150"), and for a part year's count or rate its 12-month equivalent;
2. the change since the last year end and since last quarter, each judged against chance
   ("no more than chance would explain" when the test finds nothing; see
   :mod:`safeguarding.significance`);
3. where it stands against England, the region and statistical neighbours (on the same basis:
   a part year's rate annualised), and its rank and quartile band among all authorities;
4. the target or band;
5. small numbers, provisional figures, definition changes and why a comparison is not made.

The indicator's polarity sentence is not repeated here: the section that prints the paragraph
gives it once. It never calls a figure better or worse when the assessment found it in line.
An analyst's own text replaces the draft or follows it (:func:`combine_commentary`).
:func:`spc_sentence` states an SPC chart's conclusion in one sentence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .catalogue import Indicator, format_value, round_half_up
from .exceptions import ParameterError
from .periods import parse_period
from .significance import SMALL_DENOMINATOR

MODES = ("replace", "follow")
CHANCE = "no more than chance would explain"
BEYOND = "more than chance would explain"
MOVES = {
    "improved": "an improvement on",
    "declined": "a decline from",
    "increased": "up from",
    "decreased": "down from",
}
SINCE = {
    "improved": "improved",
    "declined": "worsened",
    "increased": "risen",
    "decreased": "fallen",
}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: float, indicator: Indicator) -> str:
    """A target or band edge without needless decimals: ``95%`` rather than ``95.0%``."""
    rounded = round_half_up(float(value), indicator.decimals)
    decimals = 0 if float(rounded).is_integer() else indicator.decimals
    return format_value(rounded, indicator.unit, decimals)


def _points(value: float, indicator: Indicator) -> str:
    """A gap in the indicator's unit: ``1.3 percentage points``, ``12``, ``4.0 per 10,000``."""
    if indicator.unit == "percent":
        number = _plain(abs(value), indicator).rstrip("%")
        return f"{number} percentage point" + ("" if number == "1" else "s")
    return _plain(abs(value), indicator)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _window_words(row: Mapping, indicator: Indicator) -> str:
    return str(row.get("period_words") or "") or indicator.window_words(row["period"])


def _year_end_words(row: Mapping, indicator: Indicator) -> str:
    """How the last year end is named: ``at 31 March 2024`` for a stock, ``in 2023-24``."""
    label = row.get("previous_year_end") or parse_period(row["period"]).previous_year_end.label
    year = parse_period(label).financial_year
    if indicator.window == "snapshot":
        return f"at 31 March {year.year + 1}"
    return f"in {year.fy_label}"


def _annual(row: Mapping) -> bool:
    factor = row.get("annual_factor")
    return not _missing(factor) and float(factor) != 1.0


# --- the sentences ---------------------------------------------------------------------------
def level_sentence(row: Mapping, indicator: Indicator) -> str:
    """The figure and the time it covers (with its 12-month equivalent for a part year)."""
    words = _window_words(row, indicator)
    figure = indicator.format(row["value"])
    numerator, denominator = row.get("numerator"), row.get("denominator")
    if indicator.is_percentage and not _missing(numerator) and not _missing(denominator):
        figure += f" ({int(numerator):,} of {int(denominator):,})"
    if indicator.window == "snapshot":
        text = f"{words[:1].upper()}{words[1:]} the figure was {figure}"
    else:
        text = f"In {words} the figure was {figure}"
    if _annual(row) and not _missing(row.get("value_annual")):
        text += f", or {indicator.format(row['value_annual'])} over a full year at that pace"
    return text + "."


def _change(status: str, then: str, when: str) -> str | None:
    if status == "no_change":
        return f"It is unchanged from {when.removeprefix('in ').removeprefix('at ')}"
    if status == "within_normal_variation":
        return f"It was {then} {when}; the difference is {CHANCE}"
    if status in MOVES:
        return f"That is {MOVES[status]} {then} {when}, a change larger than chance would explain"
    return None


def year_end_sentence(row: Mapping, indicator: Indicator) -> str | None:
    """The change since the last year end, judged against chance."""
    prev = row.get("previous_year_end_value")
    if _missing(prev):
        return None
    status = str(row.get("vs_previous_year_end") or "")
    then, when = indicator.format(prev), _year_end_words(row, indicator)
    if status == "not_comparable":
        return _sentence(
            f"It cannot be set beside the {then} {when}, which counted under an earlier "
            "definition"
        )
    if status == "no_change" and then != indicator.format(row["value"]):
        # a band figure that stayed inside its band: "no change" in the judgement, not in
        # the figure
        return f"It was {then} {when}, also within the band."
    text = _change(status, then, when)
    if text and _annual(row):
        text = "On that 12-month basis " + text[:1].lower() + text[1:]
    return None if text is None else _sentence(text)


def _quarter_repeats_year_end(row: Mapping, indicator: Indicator) -> bool:
    """Last quarter's figure is the year end's (Q1 of a stock or year-to-date figure)."""
    period = parse_period(row["period"])
    if indicator.window == "in_period" or period.kind != "quarter":
        return False
    return period.quarter == 1 and not _missing(row.get("previous_year_end_value"))


def quarter_sentence(row: Mapping, indicator: Indicator) -> str | None:
    """The change since last quarter (or month), judged against chance."""
    status = str(row.get("vs_previous_quarter") or "")
    prev = row.get("previous_quarter_value")
    if _missing(prev) or status == "not_comparable" or _quarter_repeats_year_end(row, indicator):
        return None
    kind = "month" if parse_period(row["period"]).kind == "month" else "quarter"
    then = indicator.format(prev)
    if status in SINCE:
        return f"It has {SINCE[status]} since last {kind} ({then}), by {BEYOND}."
    if status == "no_change" and then != indicator.format(row["value"]):
        return f"Last {kind} it was {then}, also within the band."
    phrases = {
        "no_change": f"It is unchanged since last {kind}.",
        "within_normal_variation": f"Last {kind} it was {then}, a difference {CHANCE}.",
    }
    return phrases.get(status)


def change_sentences(row: Mapping, indicator: Indicator) -> list[str | None]:
    """The changes since the last year end and last quarter: one sentence when neither is
    more than chance (rather than saying so twice), else one each."""
    year_end, quarter = year_end_sentence(row, indicator), quarter_sentence(row, indicator)
    chance = "within_normal_variation"
    if (
        year_end
        and quarter
        and row.get("vs_previous_year_end") == chance
        and row.get("vs_previous_quarter") == chance
    ):
        kind = "month" if parse_period(row["period"]).kind == "month" else "quarter"
        then = indicator.format(row["previous_year_end_value"])
        last = indicator.format(row["previous_quarter_value"])
        basis = "On that 12-month basis it was" if _annual(row) else "It was"
        return [
            f"{basis} {then} {_year_end_words(row, indicator)} and {last} last {kind}: "
            f"neither difference is more than chance would explain."
        ]
    return [year_end, quarter]


def _relation(judgement: str, value: float, other: float) -> str | None:
    if judgement == "in_line":
        return "in line with"
    if judgement in ("better", "worse", "higher", "lower"):
        # say where the figure lies; "better"/"worse" only ever follow from a real gap
        return "above" if value > other else "below"
    return None


def comparator_sentence(row: Mapping, indicator: Indicator) -> str | None:
    """Where the figure (annualised for a part year's rate) stands against England, the region
    and statistical neighbours."""
    value = row.get("value_annual") if _annual(row) else row.get("value")
    if _missing(value):
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
    subject = "On that basis the figure is" if _annual(row) else "The figure is"
    text = f"{subject} " + " and ".join(parts)
    year = row.get("comparator_year")
    if year:
        text += f" for {year}"
    return _sentence(text)


def rank_sentence(row: Mapping, indicator: Indicator) -> str | None:
    """Rank and LAIT quartile band among every authority's figure for the comparator year."""
    rank, of, quartile = row.get("rank"), row.get("rank_of"), row.get("quartile")
    if _missing(rank) or _missing(of) or not quartile or _missing(quartile):
        return None
    year = row.get("quartile_year") or row.get("comparator_year") or ""
    figures = f" on their {year} figures" if year else ""
    return (
        f"It would rank {_ordinal(int(rank))} of {int(of)} authorities{figures}, in quartile "
        f"band {quartile} (A is the best quarter)."
    )


def target_sentence(row: Mapping, indicator: Indicator) -> str | None:
    """The figure against its target or band, with the amber margin where it decides."""
    status = row.get("vs_target")
    value = row.get("value_annual") if _annual(row) else row.get("value")
    if status in (None, "", "no_target", "not_computable") or _missing(value):
        return None
    value = round_half_up(float(value), indicator.decimals)
    tolerance = row.get("tolerance")
    if status in ("within_band", "below_band", "above_band"):
        band = f"{_plain(row['band_low'], indicator)} to {_plain(row['band_high'], indicator)}"
        if status == "within_band":
            return f"It is within the {band} band."
        side = "below" if status == "below_band" else "above"
        word = "too low" if side == "below" else "too high"
        return f"It is {side} the {band} band, which is {word}."
    target = row.get("target")
    if _missing(target):
        return None
    target_text = _plain(target, indicator)
    if status == "met":
        return f"It meets the {target_text} target."
    gap = _points(value - float(target), indicator)
    if status == "near" and not _missing(tolerance):
        return (
            f"It misses the {target_text} target by {gap}, within the amber margin of "
            f"{_points(float(tolerance), indicator)}."
        )
    previous = row.get("previous_year_end_value")
    remains = False
    if not _missing(previous):
        prev = float(previous)
        remains = prev < target if indicator.polarity == "high" else prev > target
    return f"It {'still misses' if remains else 'misses'} the {target_text} target, by {gap}."


def _small_numbers(row: Mapping, indicator: Indicator) -> str | None:
    if not row.get("small_numbers"):
        return None
    denominator, numerator = row.get("denominator"), row.get("numerator")
    if indicator.is_percentage and not _missing(denominator):
        if denominator < SMALL_DENOMINATOR or _missing(numerator):
            return (
                f"With {int(denominator)} children in all, one or two cases move the percentage "
                "noticeably: read changes with caution."
            )
        return "The numbers are small: read changes with caution."
    return "The numbers are small: read changes with caution."


def draft_commentary(
    row: Mapping, indicator: Indicator, *, polarity_sentence: bool = False
) -> str:
    """A drafted paragraph for one assessment row (a mapping with :func:`assess`'s columns).

    ``polarity_sentence``: end with the indicator's polarity sentence (off by default: the
    report's section gives it once, above the chart).
    """
    value = row.get("value")
    if _missing(value):
        words = _window_words(row, indicator)
        text = f"No figure can be given for {words}."
        return text + (" " + indicator.polarity_sentence() if polarity_sentence else "")
    sentences: list[str | None] = [
        level_sentence(row, indicator),
        *change_sentences(row, indicator),
        comparator_sentence(row, indicator),
        rank_sentence(row, indicator),
        target_sentence(row, indicator),
        _small_numbers(row, indicator),
    ]
    if row.get("provisional"):
        note = str(row.get("note") or "").strip()
        sentences.append("This figure is provisional" + (f": {note.rstrip('.')}." if note else "."))
    for key in ("definition_note", "comparator_note", "comparison_note"):
        note = str(row.get(key) or "").strip()
        if note and not _missing(row.get(key)):
            sentences.append(_sentence(note))
    if polarity_sentence:
        sentences.append(indicator.polarity_sentence())
    return " ".join(s for s in sentences if s)


# --- SPC --------------------------------------------------------------------------------------
RULE_WORDS = {
    "beyond_limit": "a month outside the process limits",
    "shift": "a run of {run} or more months on one side of the mean",
    "trend": "{trend} or more months each rising or each falling",
    "two_of_three": "two of three months close to a process limit",
}


def _span(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def spc_sentence(result: Any, indicator: Indicator) -> str:
    """The conclusion of an SPC chart in one sentence, in Making Data Count's words."""
    from . import spc

    points = result.points
    last = points.iloc[-1]
    spans = getattr(result, "baselines", []) or []
    base = ""
    if spans:
        first, end = spans[0]
        base = f" (limits from {first} to {end}"
        breaks = getattr(result, "breaks", [])
        if breaks:
            base += ", recalculated from " + " and ".join(str(b.label) for b in breaks)
            base += " where the figure moved to a new level" if any(
                b.reason == "shift" for b in breaks
            ) else ""
        base += ")"
    flagged = [str(lab) for lab in points.index[points["special_cause"]]]
    if result.variation == spc.COMMON:
        text = (
            f"Month by month the figure shows common cause variation{base}: the latest month "
            "is within the process limits and no run or trend signals a change"
        )
        if flagged:
            months = "month" if len(flagged) == 1 else "months"
            text += (
                f", though {len(flagged)} earlier {months} ({_span(flagged)}) showed special "
                "cause variation"
            )
    else:
        rules = [
            RULE_WORDS[r].format(run=spc.RUN_LENGTH, trend=spc.TREND_LENGTH)
            for r in ("beyond_limit", "shift", "trend", "two_of_three")
            if bool(last[r])
        ]
        side = "higher" if last["value"] > last["mean"] else "lower"
        kind = {
            spc.IMPROVEMENT: "special cause improvement",
            spc.CONCERN: "special cause concern",
        }.get(result.variation, f"special cause variation (a {side} figure)")
        why = " and ".join(rules) if rules else "a signal"
        text = f"Month by month the latest figure is {kind}{base}: {why}"
    assurance = {
        "consistently_passing": "the process will consistently meet the target",
        "consistently_failing": "the process will consistently miss the target",
        "inconsistent": "the process will sometimes meet the target and sometimes miss it",
    }.get(result.assurance or "")
    if assurance:
        text += f"; as it runs, {assurance}"
    return text + "."


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

