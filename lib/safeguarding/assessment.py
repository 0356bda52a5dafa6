"""Judging a quarter's figures: against target, over time, against comparators.

:func:`assess` gives one row per authority and indicator with a value for the period:

* ``window`` (from the catalogue: ``snapshot``, ``year_to_date``, ``in_period``,
  ``rolling_12_months``) and ``period_words``, the stretch of time the figure covers in
  members' words ("April to September 2024 (year to date)", "at 30 September 2024").
* Like with like: a count or rate of a flow for part of a year (a quarter's referrals, a
  year-to-date count) is put on a 12-month basis (``value_annual``, ``annual_factor``)
  before it meets an annual figure (England, region, neighbours, a target, the last year
  end, every authority's figure for the rank). Percentages, averages and snapshots are
  compared as they are. Counts are not compared between authorities of different sizes:
  the judgement is ``not_comparable`` and ``comparison_note`` says why.
* ``vs_target``: ``met``, ``near`` (short by no more than the tolerance), ``missed``; against a
  band ``within_band``, ``below_band``, ``above_band``; ``no_target``; ``not_computable``
  (no figure). ``rag`` follows: green,
  amber (``near``, or outside a band by no more than the tolerance), red, none. A band comes
  from the target row, or for a band-polarity indicator from the catalogue. Figures are
  compared at their reporting precision.
* ``vs_previous_quarter`` (the previous period of the same kind: quarter, month),
  ``vs_previous_year_end`` (the last financial year's figure, or its Q4 figure for a snapshot
  or year-to-date indicator), ``vs_same_quarter_last_year``: ``improved``, ``declined``,
  ``no_change`` (no difference at the reporting precision, or a band figure staying within
  its band), ``within_normal_variation`` (a difference that is not statistically significant;
  see :mod:`safeguarding.significance`: Newcombe's interval for proportions, the exact
  Poisson test for counts and rates), ``not_comparable`` (a figure missing, or the
  definition changed between the two periods). For polarity ``none`` the words are
  ``increased`` and ``decreased``: activity is neither better nor worse. For band indicators
  moving toward or into the band is ``improved``.
* ``vs_england``, ``vs_region``, ``vs_neighbours``: ``better``, ``worse``, ``in_line`` (a gap
  not significant against the authority's Wilson interval, or its Poisson interval for a
  rate, or not beyond the coarser of the two reporting precisions), ``not_available``,
  ``not_comparable``; ``higher``/``lower`` for polarity ``none``.
* ``rank``/``rank_of``/``quartile``: position among all authorities in the comparator year
  (see :meth:`safeguarding.comparators.Comparators.position`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .catalogue import Catalogue, Indicator, round_half_up
from .catalogue import catalogue as builtin_catalogue
from .comparators import Comparators, ComparatorValue, as_comparators
from .outturns import as_outturns, lookup
from .periods import Period, parse_period
from .significance import compare_counts, compare_values, is_small_numbers
from .targets import Target, TargetRows, as_targets, target_for, target_rows

RAG = {
    "met": "green",
    "within_band": "green",
    "near": "amber",
    "missed": "red",
    "no_target": "none",
    "not_computable": "none",
}
TRAVEL = (
    "improved",
    "declined",
    "no_change",
    "within_normal_variation",
    "not_comparable",
    "increased",
    "decreased",
)
VERSUS = ("better", "worse", "in_line", "not_available", "not_comparable", "higher", "lower")
COUNTS_NOTE = (
    "Counts are not compared with other authorities, whose sizes differ; the rate per "
    "10,000 children is."
)

COLUMNS = [
    "authority",
    "indicator",
    "period",
    "value",
    "target",
    "vs_target",
    "rag",
    "vs_previous_quarter",
    "vs_previous_year_end",
    "vs_same_quarter_last_year",
    "vs_england",
    "vs_neighbours",
    "quartile",
    "narrative",
    "window",
    # further detail
    "period_words",
    "annual_factor",
    "value_annual",
    "title",
    "unit",
    "decimals",
    "polarity",
    "numerator",
    "denominator",
    "status",
    "note",
    "provisional",
    "small_numbers",
    "band_low",
    "band_high",
    "tolerance",
    "target_source",
    "previous_quarter",
    "previous_quarter_value",
    "previous_year_end",
    "previous_year_end_value",
    "same_quarter_last_year",
    "same_quarter_last_year_value",
    "england_value",
    "region",
    "region_value",
    "vs_region",
    "neighbours_value",
    "neighbours_mean",
    "neighbours_median",
    "neighbours_n",
    "neighbour_average",
    "comparator_year",
    "neighbours_year",
    "rank",
    "rank_of",
    "quartile_year",
    "definition_note",
    "comparator_note",
    "comparison_note",
]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value) -> float | None:
    return None if _missing(value) else float(value)


def band_distance(value: float, band: tuple[float, float]) -> float:
    """How far ``value`` lies outside ``band`` (0 inside it)."""
    low, high = band
    return max(low - value, value - high, 0.0)


def judge_target(
    value: float | None, target: Target | None, indicator: Indicator
) -> tuple[str, str]:
    """``(vs_target, rag)`` for one figure (``value`` on the target's basis: a part year's
    count or rate annualised; see :func:`annual_value`)."""
    if _missing(value):
        return "not_computable", "none"
    if target is None:
        return "no_target", "none"
    v = round_half_up(float(value), indicator.decimals)
    tol = target.tolerance or 0.0
    places = indicator.decimals + 3  # compare margins without float noise
    if target.band is not None:
        low, high = target.band
        if v < low:
            return "below_band", "amber" if round(low - v, places) <= tol else "red"
        if v > high:
            return "above_band", "amber" if round(v - high, places) <= tol else "red"
        return "within_band", "green"
    if target.target is None or indicator.polarity not in ("high", "low"):
        return "no_target", "none"
    shortfall = target.target - v if indicator.polarity == "high" else v - target.target
    shortfall = round(shortfall, places)
    if shortfall <= 0:
        return "met", "green"
    if shortfall <= tol:
        return "near", "amber"
    return "missed", "red"


def _band(indicator: Indicator, target: Target | None) -> tuple[float, float] | None:
    if target is not None and target.band is not None:
        return target.band
    return indicator.band if indicator.polarity == "band" else None


def _version_start(indicator: Indicator, period: str | Period) -> Period | None:
    """The start of the definition version in force; before the first known version the
    first is assumed (the catalogue records no earlier change)."""
    version = indicator.version_for(period)
    if version is None and indicator.versions:
        version = min(indicator.versions, key=lambda v: v.start)
    return None if version is None else version.start


def direction_of_travel(
    indicator: Indicator,
    current: dict,
    previous: dict | None,
    band: tuple[float, float] | None = None,
) -> str:
    """How ``current`` moved from ``previous`` (records with value/numerator/denominator)."""
    if previous is None or _missing(current.get("value")) or _missing(previous.get("value")):
        return "not_comparable"
    if _version_start(indicator, current["period"]) != _version_start(
        indicator, previous["period"]
    ):
        return "not_comparable"
    if indicator.unit in ("count", "rate_per_10000"):
        now, then = _basis(indicator, current), _basis(indicator, previous)
        diff = compare_counts(
            now.value,
            then.value,
            indicator.decimals,
            count_a=now.count,
            count_b=then.count,
            scale_a=now.scale,
            scale_b=then.scale,
        )
    else:
        diff = compare_values(
            current["value"],
            previous["value"],
            indicator.decimals,
            numerator_a=_num(current.get("numerator")),
            denominator_a=_num(current.get("denominator")),
            numerator_b=_num(previous.get("numerator")),
            denominator_b=_num(previous.get("denominator")),
            percent=indicator.is_percentage,
        )
    if diff.direction == "same":
        return "no_change"
    if diff.direction == "not_significant":
        return "within_normal_variation"
    if indicator.polarity == "none":
        return "increased" if diff.direction == "higher" else "decreased"
    if indicator.polarity == "band" and band is not None:
        now_at = band_distance(round_half_up(current["value"], indicator.decimals), band)
        then_at = band_distance(round_half_up(previous["value"], indicator.decimals), band)
        if math.isclose(now_at, then_at):
            return "no_change"
        return "improved" if now_at < then_at else "declined"
    good = "higher" if indicator.polarity == "high" else "lower"
    return "improved" if diff.direction == good else "declined"


def versus(
    indicator: Indicator,
    record: dict,
    comparator: float | None,
    comparator_decimals: int | None = None,
    band: tuple[float, float] | None = None,
) -> str:
    """The authority's figure against an annual comparator treated as a fixed value (a part
    year's rate annualised first; counts are ``not_comparable`` across authorities)."""
    value = record.get("value")
    if _missing(value) or _missing(comparator):
        return "not_available"
    if indicator.unit == "count":
        return "not_comparable"
    decimals = indicator.decimals
    if comparator_decimals is not None:
        decimals = min(decimals, comparator_decimals)
    if indicator.unit == "rate_per_10000":
        basis = _basis(indicator, record)
        value = basis.value
        diff = compare_counts(
            value, comparator, decimals, count_a=basis.count, scale_a=basis.scale, b_fixed=True
        )
    else:
        diff = compare_values(
            value,
            comparator,
            decimals,
            numerator_a=_num(record.get("numerator")),
            denominator_a=_num(record.get("denominator")),
            percent=indicator.is_percentage,
            b_fixed=True,
        )
    if diff.direction in ("same", "not_significant"):
        return "in_line"
    if diff.direction == "not_comparable":
        return "not_available"
    if indicator.polarity == "none":
        return diff.direction
    if indicator.polarity == "band":
        if band is None:
            return "not_available"
        now = band_distance(round_half_up(value, indicator.decimals), band)
        other = band_distance(comparator, band)
        if math.isclose(now, other):
            return "in_line"
        return "better" if now < other else "worse"
    good = "higher" if indicator.polarity == "high" else "lower"
    return "better" if diff.direction == good else "worse"


@dataclass(frozen=True)
class Basis:
    """A figure on a 12-month basis: ``value`` = ``count`` x ``scale`` (the count behind a
    count or rate, for the Poisson tests; None when unknown)."""

    value: float | None
    count: float | None
    scale: float
    factor: float


def _basis(indicator: Indicator, record: dict) -> Basis:
    factor = indicator.annual_factor(record["period"])
    value = _num(record.get("value"))
    annual = None if value is None else value * factor
    if indicator.unit == "count":
        return Basis(annual, value, factor, factor)
    if indicator.unit == "rate_per_10000":
        count, population = _num(record.get("numerator")), _num(record.get("denominator"))
        if count is not None and population:
            # from the count, not the rounded rate: 200 of 24,000 a quarter is 333.3 a year
            scale = 10000.0 / population * factor
            return Basis(count * scale, count, scale, factor)
    return Basis(annual, None, factor, factor)


def annual_value(indicator: Indicator, record: dict) -> float | None:
    """The figure on a 12-month basis (annualised for a part year's count or rate)."""
    return _basis(indicator, record).value


def _previous_year_end(
    index: dict, authority: str, indicator: Indicator, period: Period
) -> dict | None:
    year = Period(period.year - 1)
    if period.kind == "year":
        return index.get((authority, indicator.id, year.label))
    found = index.get((authority, indicator.id, year.label))
    if found is None and indicator.window != "in_period":
        # a snapshot or year-to-date figure at Q4 (or month 12) is the year-end figure
        for label in (Period(year.year, quarter=4).label, Period(year.year, month=12).label):
            found = index.get((authority, indicator.id, label))
            if found is not None:
                break
    return found


def assess(
    outturns: pd.DataFrame | str | Path,
    period: str | Period,
    targets: pd.DataFrame | str | Path | None = None,
    comparators: Comparators | pd.DataFrame | str | Path | None = None,
    catalogue: Catalogue | None = None,
    authorities: Iterable[str] | None = None,
    neighbour_average: str = "mean",
    narrative: bool = True,
) -> pd.DataFrame:
    """Assess every authority and indicator with a figure for ``period`` (see module doc).

    ``outturns``, ``targets`` and ``comparators`` may be paths or frames (checked either way);
    ``comparators`` may also be a :class:`Comparators`. ``neighbour_average`` picks which
    neighbour average is shown and judged (``mean``, as LAIT, or ``median``); both are
    returned.
    """
    cat = catalogue or builtin_catalogue()
    period = parse_period(period)
    frame = as_outturns(outturns, cat)
    target_frame = as_targets(targets, cat)
    comps = as_comparators(comparators, cat, neighbour_average)
    if comps is not None and comps.neighbour_average != neighbour_average:
        comps.neighbour_average = neighbour_average
    wanted = None if authorities is None else {str(a) for a in authorities}
    index = lookup(frame)
    current = frame[frame["period"] == period.label]
    if wanted is not None:
        current = current[current["authority"].isin(wanted)]

    by_key = target_rows(target_frame)
    rows = []
    for record in current.to_dict("records"):
        indicator = cat[record["indicator"]]
        rows.append(_assess_one(record, indicator, period, index, by_key, comps, neighbour_average))
    out = pd.DataFrame(rows, columns=COLUMNS)
    if narrative and len(out):
        from .narrative import draft_commentary

        out["narrative"] = [
            draft_commentary(row, cat[row["indicator"]]) for row in out.to_dict("records")
        ]
    # catalogue order within each authority, as the scorecards list indicators
    order = {i: n for n, i in enumerate(cat.ids)}
    out["_order"] = out["indicator"].map(order)
    out = out.sort_values(["authority", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _assess_one(
    record: dict,
    indicator: Indicator,
    period: Period,
    index: dict,
    targets: TargetRows,
    comps: Comparators | None,
    neighbour_average: str,
) -> dict:
    authority = record["authority"]
    value = _num(record["value"])
    basis = _basis(indicator, record)
    target = target_for(targets, authority, indicator, period)
    # targets are annual: a part year's count or rate meets them annualised
    vs_target, rag = judge_target(basis.value, target, indicator)
    band = _band(indicator, target)

    def get(p: Period | None) -> dict | None:
        return None if p is None else index.get((authority, indicator.id, p.label))

    prev_q = period.previous if period.kind != "year" else None
    same_ly = period.same_period_last_year if period.kind != "year" else None
    prev_q_rec, same_rec = get(prev_q), get(same_ly)
    year_end_rec = _previous_year_end(index, authority, indicator, period)

    out = {
        "authority": authority,
        "indicator": indicator.id,
        "period": period.label,
        "value": value,
        "target": None if target is None else target.target,
        "vs_target": vs_target,
        "rag": rag,
        "vs_previous_quarter": direction_of_travel(indicator, record, prev_q_rec, band)
        if prev_q
        else "not_comparable",
        "vs_previous_year_end": direction_of_travel(indicator, record, year_end_rec, band),
        "vs_same_quarter_last_year": direction_of_travel(indicator, record, same_rec, band)
        if same_ly
        else "not_comparable",
        "window": indicator.window,
        "period_words": indicator.window_words(period),
        "annual_factor": basis.factor,
        "value_annual": None if basis.value is None else indicator.round(basis.value),
        "title": indicator.label,
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "polarity": indicator.polarity,
        "numerator": _num(record.get("numerator")),
        "denominator": _num(record.get("denominator")),
        "status": record.get("status") or "final",
        "note": record.get("note") or "",
        "provisional": (record.get("status") or "final") == "provisional",
        "small_numbers": _small(indicator, record),
        "band_low": None if band is None else band[0],
        "band_high": None if band is None else band[1],
        "tolerance": None if target is None else target.tolerance,
        "target_source": "" if target is None else target.source,
        "previous_quarter": "" if prev_q is None else prev_q.label,
        "previous_quarter_value": None if prev_q_rec is None else _num(prev_q_rec["value"]),
        "previous_year_end": "" if year_end_rec is None else year_end_rec["period"],
        "previous_year_end_value": None if year_end_rec is None else _num(year_end_rec["value"]),
        "same_quarter_last_year": "" if same_ly is None else same_ly.label,
        "same_quarter_last_year_value": None if same_rec is None else _num(same_rec["value"]),
        "neighbour_average": neighbour_average,
        "definition_note": _definition_note(indicator, period, year_end_rec),
        "narrative": "",
    }
    out.update(_comparisons(indicator, record, period, comps, band))
    return out


def _small(indicator: Indicator, record: dict) -> bool:
    numerator, denominator = _num(record.get("numerator")), _num(record.get("denominator"))
    if indicator.is_percentage:
        return is_small_numbers(numerator, denominator)
    if indicator.unit == "count" and not _missing(record.get("value")):
        return is_small_numbers(float(record["value"]))
    return False


def _definition_note(indicator: Indicator, period: Period, year_end: dict | None) -> str:
    """The newer version's note when the figure and its year end span a definition change."""
    # Indicator.changed_definition_note hashes Version objects, whose params dict is
    # unhashable; compare the versions' start years instead.
    if year_end is None:
        return ""
    now = _version_start(indicator, period)
    if now is None or now == _version_start(indicator, year_end["period"]):
        return ""
    version = indicator.version_for(period)
    return version.note or f"Definition changed in {now.fy_label}."


def _comparisons(
    indicator: Indicator,
    record: dict,
    period: Period,
    comps: Comparators | None,
    band: tuple[float, float] | None,
) -> dict:
    empty = {
        "vs_england": "not_available",
        "vs_region": "not_available",
        "vs_neighbours": "not_available",
        "england_value": None,
        "region": "",
        "region_value": None,
        "neighbours_value": None,
        "neighbours_mean": None,
        "neighbours_median": None,
        "neighbours_n": None,
        "comparator_year": "",
        "neighbours_year": "",
        "rank": None,
        "rank_of": None,
        "quartile": None,
        "quartile_year": "",
        "comparator_note": "",
        "comparison_note": "",
    }
    if comps is None:
        return empty
    authority = record["authority"]
    out = dict(empty)
    now = _version_start(indicator, period)

    def like_for_like(comparator_period: str) -> bool:
        # a comparator from before a definition change is shown but not judged
        same = _version_start(indicator, comparator_period) == now
        if not same:
            out["comparator_note"] = (
                f"Comparator figures for {comparator_period} use an earlier definition "
                "and are not judged against this one."
            )
        return same

    england: ComparatorValue | None = comps.england(indicator.id, period)
    if england is not None:
        out["england_value"] = england.value
        out["comparator_year"] = england.period
        if like_for_like(england.period):
            out["vs_england"] = versus(indicator, record, england.value, england.decimals, band)
    region = comps.region(authority, indicator.id, period)
    out["region"] = comps.regions.get(comps.code(authority), "")
    if region is not None:
        out["region_value"] = region.value
        if like_for_like(region.period):
            out["vs_region"] = versus(indicator, record, region.value, region.decimals, band)
        out["comparator_year"] = out["comparator_year"] or region.period
    neighbours = comps.neighbours_of(authority, indicator.id, period)
    if neighbours is not None and neighbours.value is not None:
        # shown at the indicator's precision, as LAIT shows its neighbour average
        out["neighbours_value"] = indicator.round(neighbours.value)
        out["neighbours_mean"] = indicator.round(neighbours.mean)
        out["neighbours_median"] = indicator.round(neighbours.median)
        out["neighbours_n"] = neighbours.n or None
        out["neighbours_year"] = neighbours.period
        out["comparator_year"] = out["comparator_year"] or neighbours.period
        if like_for_like(neighbours.period):
            out["vs_neighbours"] = versus(
                indicator, record, out["neighbours_value"], neighbours.decimals, band
            )
    if indicator.unit == "count" and "not_comparable" in (
        out["vs_england"],
        out["vs_region"],
        out["vs_neighbours"],
    ):
        out["comparison_note"] = COUNTS_NOTE
    value = annual_value(indicator, record)
    position = None
    if indicator.unit != "count":  # ranking counts would rank authorities by size
        position = comps.position(authority, indicator.id, period, value, indicator.polarity)
    if position is not None and like_for_like(position.period):
        out["rank"], out["rank_of"] = position.rank, position.of
        out["quartile"], out["quartile_year"] = position.quartile, position.period
    return out
