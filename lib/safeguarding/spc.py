"""Statistical process control: the XmR chart of NHS England's *Making Data Count*.

The reading is the one NHSRplotthedots implements (read, not copied):

* **Limits from a stated baseline.** The centre line is the mean of the baseline points (the
  first ``baseline`` points of each phase; all of them when not given); the process limits
  are the mean plus and minus 2.66 mean moving ranges (2.66 = 3 / 1.128: three sigma
  estimated from the moving range). Moving ranges of 3.267 mean moving ranges or more (the
  upper limit of the moving-range chart) are screened out and the mean moving range worked
  out again, so that one freak month does not widen the limits.
* **Phases.** Limits are recalculated at a stated break (``breaks``: the labels where a new
  phase starts), or — with ``recalculate=True`` — where a sustained shift begins: a run of
  :data:`RUN_LENGTH` or more points on one side of the phase's mean that starts after the
  phase's baseline and lasts to the latest point. Each phase is judged against its own
  mean and limits, so a series that moved to a new level once is not flagged month after
  month; the break itself is the signal, and :attr:`SpcResult.breaks` says where and why.
* **The rules**, with their published defaults, each flagged per point and named as the
  guidance names them:

  - ``beyond_limit``: a point outside a process limit;
  - ``shift``: a run of 7 or more consecutive points on the same side of the mean (a point on
    the mean breaks the run);
  - ``trend``: 7 or more consecutive points each higher (or each lower) than the one before
    (an equal neighbour breaks the trend);
  - ``two_of_three``: 2 of 3 consecutive points close to a limit (beyond two sigma, 1.77 mean
    moving ranges, but inside the limit), all three on the same side of the mean; the points
    close to the limit are flagged.

* **Variation** (the latest point decides the icon): common cause; special cause
  improvement or concern by polarity; special cause variation (neither high nor low is good)
  for polarity ``none`` or ``band``. **Assurance** against a target: consistently hit when
  the target lies outside the limits on the bad side of the latest phase, consistently fail
  when it lies outside on the good side, otherwise hit and miss. :data:`VARIATION_WORDS` and
  :data:`ASSURANCE_WORDS` are the guidance's own words.
* A phase of fewer than 12 points gives unreliable limits; the result says so in
  ``warnings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .exceptions import ParameterError

LIMIT_FACTOR = 2.66
SIGMA_FACTOR = 1.128
SCREEN_FACTOR = 3.267  # upper limit of the moving-range chart
RUN_LENGTH = 7
TREND_LENGTH = 7
MIN_POINTS = 12

COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEITHER = "special_cause_neither"

VARIATION_WORDS = {
    COMMON: "Common cause variation",
    IMPROVEMENT: "Special cause improvement",
    CONCERN: "Special cause concern",
    NEITHER: "Special cause variation",
}
ASSURANCE_WORDS = {
    "consistently_passing": "Consistently hit target",
    "consistently_failing": "Consistently fail target",
    "inconsistent": "Hit and miss target subject to random variation",
}
RULES = ("beyond_limit", "shift", "trend", "two_of_three")


@dataclass(frozen=True)
class Break:
    """Where a new phase's limits start, and why (``stated`` or ``shift``)."""

    label: object
    position: int
    reason: str


@dataclass
class SpcResult:
    """Centre line, limits, per-point flags and the two summary judgements.

    ``mean``, ``lower``, ``upper`` and ``mean_moving_range`` are the latest phase's; each
    point's own phase values are in ``points``.
    """

    mean: float
    lower: float
    upper: float
    mean_moving_range: float
    points: pd.DataFrame
    variation: str
    assurance: str | None
    polarity: str
    target: float | None = None
    warnings: list[str] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    baseline: tuple[object, object] | None = None  # first and last label of the latest baseline
    baselines: list[tuple[object, object]] = field(default_factory=list)  # every phase's

    @property
    def sigma(self) -> float:
        return self.mean_moving_range / SIGMA_FACTOR

    @property
    def any_special_cause(self) -> bool:
        return bool(self.points["special_cause"].any())

    @property
    def variation_words(self) -> str:
        return VARIATION_WORDS[self.variation]

    @property
    def assurance_words(self) -> str:
        return ASSURANCE_WORDS.get(self.assurance or "", "")


# --- the rules, one function each ------------------------------------------------------------
def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Flag every element of each run of ``True`` at least ``length`` long."""
    out = np.zeros(len(mask), dtype=bool)
    start = None
    for i, flag in enumerate([*mask, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def shift_points(values: np.ndarray, mean: np.ndarray, length: int = RUN_LENGTH) -> np.ndarray:
    """Points in a run of ``length`` or more on one side of the mean."""
    return _runs(values > mean, length) | _runs(values < mean, length)


def trend_points(values: np.ndarray, length: int = TREND_LENGTH) -> np.ndarray:
    """Points in a run of ``length`` points each higher (or each lower) than the one before."""
    out = np.zeros(len(values), dtype=bool)
    if len(values) < 2:
        return out
    diffs = np.sign(np.diff(values))
    for sign in (1, -1):
        steps = _runs(diffs == sign, length - 1)
        # a flagged step i joins points i and i + 1
        out[:-1] |= steps
        out[1:] |= steps
    return out


def two_of_three_points(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points close to a limit that are 2 of 3 consecutive such points, all three on the
    same side of the mean (``side``: +1 above, -1 below, 0 on it)."""
    out = np.zeros(len(close), dtype=bool)
    for i in range(len(close) - 2):
        window = slice(i, i + 3)
        if close[window].sum() >= 2 and abs(side[window].sum()) == 3:
            out[window] |= close[window]
    return out


# --- limits ----------------------------------------------------------------------------------
def mean_moving_range(values: np.ndarray, screen: bool = True) -> float:
    """The mean moving range, with ranges of 3.267 mean moving ranges or more screened out."""
    ranges = np.abs(np.diff(values))
    if not len(ranges):
        return 0.0
    average = float(ranges.mean())
    if screen and average > 0:
        kept = ranges[ranges < SCREEN_FACTOR * average]
        if len(kept):
            average = float(kept.mean())
    return average


def _phase_limits(base: np.ndarray) -> tuple[float, float]:
    return float(base.mean()), mean_moving_range(base)


def _sustained_shift(x: np.ndarray, start: int, mean: float, after: int) -> int | None:
    """Where a sustained shift's new phase begins, or None.

    A shift is sustained when a run of RUN_LENGTH or more points on one side of ``mean``
    begins at or after ``after`` and lasts to the last point. The new phase starts where the
    series settles at its new level: of the positions from the run's start that leave at
    least RUN_LENGTH points, the one that best splits the phase in two (least squared
    deviation of each part from its own mean), so the transition months are not judged
    against the level they were moving to."""
    side = np.sign(x[start:] - mean)
    run_start = None
    for j in range(max(after, start), len(x) - RUN_LENGTH + 1):
        s = side[j - start]
        if s != 0 and np.all(side[j - start :] == s):
            run_start = j
            break
    if run_start is None:
        return None

    def spread(part: np.ndarray) -> float:
        return float(((part - part.mean()) ** 2).sum())

    candidates = range(run_start, len(x) - RUN_LENGTH + 1)
    return min(candidates, key=lambda k: spread(x[start:k]) + spread(x[k:]))


def spc(
    series: pd.Series,
    polarity: str,
    target: float | None = None,
    baseline: int | None = None,
    breaks: Sequence[object] = (),
    recalculate: bool = False,
) -> SpcResult:
    """XmR analysis of ``series`` (in time order; missing points are dropped).

    ``baseline``: how many leading points of each phase fix its mean and limits (all its
    points when None); ``breaks``: index labels where limits are recalculated;
    ``recalculate``: also recalculate where a sustained shift begins (see the module
    docstring). ``polarity`` is the indicator's (``high``, ``low``, ``band``, ``none``).
    """
    values = pd.to_numeric(pd.Series(series), errors="coerce").dropna()
    if len(values) < 2:
        raise ParameterError("an XmR chart needs at least two points")
    x = values.to_numpy(dtype="float64")
    labels = list(values.index)
    found: list[Break] = []
    for label in breaks:
        if label in labels and labels.index(label) > 0:
            found.append(Break(label, labels.index(label), "stated"))
    stated = sorted({b.position for b in found})
    phase_starts = sorted({0, *stated})
    # walk the phases, adding a break where a sustained shift begins
    starts = []
    queue = list(phase_starts)
    while queue:
        start = queue.pop(0)
        starts.append(start)
        end = queue[0] if queue else len(x)
        base = x[start : min(end, start + (baseline or end - start))]
        if len(base) < 2:
            raise ParameterError("the baseline needs at least two points")
        if recalculate and not queue:
            mean, _ = _phase_limits(base)
            shift_at = _sustained_shift(x, start, mean, start + len(base))
            # a new phase with no variation would have no limits to judge by: keep the old
            flat = shift_at is not None and mean_moving_range(x[shift_at:]) == 0
            if shift_at is not None and shift_at - start >= 2 and not flat:
                found.append(Break(labels[shift_at], shift_at, "shift"))
                queue.append(shift_at)
    starts.append(len(x))

    n = len(x)
    centre, mr_bar = np.empty(n), np.empty(n)
    warnings: list[str] = []
    spans: list[tuple[object, object]] = []
    for start, end in zip(starts[:-1], starts[1:], strict=True):
        base = x[start : min(end, start + (baseline or end - start))]
        mean, mr = _phase_limits(base)
        centre[start:end], mr_bar[start:end] = mean, mr
        spans.append((labels[start], labels[start + len(base) - 1]))
        if len(base) < MIN_POINTS:
            warnings.append(
                f"limits from {labels[start]} rest on {len(base)} points; at least {MIN_POINTS} "
                "are advised, so read signals with caution"
            )
    upper, lower = centre + LIMIT_FACTOR * mr_bar, centre - LIMIT_FACTOR * mr_bar
    near_upper = centre + 2 * mr_bar / SIGMA_FACTOR
    near_lower = centre - 2 * mr_bar / SIGMA_FACTOR

    beyond = (x > upper) | (x < lower)
    close = ~beyond & ((x > near_upper) | (x < near_lower))
    side = np.sign(x - centre)
    flags = {rule: np.zeros(n, dtype=bool) for rule in RULES}
    # each phase is judged on its own: a run does not carry across a recalculation
    for start, end in zip(starts[:-1], starts[1:], strict=True):
        part = slice(start, end)
        flags["shift"][part] = shift_points(x[part], centre[part])
        flags["trend"][part] = trend_points(x[part])
        flags["two_of_three"][part] = two_of_three_points(close[part], side[part])
    flags["beyond_limit"] = beyond
    special = np.logical_or.reduce([flags[r] for r in RULES])
    points = pd.DataFrame(
        {
            "value": x,
            "moving_range": np.concatenate([[np.nan], np.abs(np.diff(x))]),
            "mean": centre,
            "lower": lower,
            "upper": upper,
            **flags,
            "special_cause": special,
        },
        index=values.index,
    )
    points["signal"] = [_judge(s, d, polarity) for s, d in zip(special, side, strict=True)]
    return SpcResult(
        mean=float(centre[-1]),
        lower=float(lower[-1]),
        upper=float(upper[-1]),
        mean_moving_range=float(mr_bar[-1]),
        points=points,
        variation=points["signal"].iloc[-1],
        assurance=_assurance(polarity, target, float(lower[-1]), float(upper[-1])),
        polarity=polarity,
        target=target,
        warnings=warnings,
        breaks=sorted(found, key=lambda b: b.position),
        baseline=spans[-1],
        baselines=spans,
    )


def _judge(special: bool, side: float, polarity: str) -> str:
    """A point's type: common cause, or special cause improvement, concern or neither (by
    which side of the mean it lies, as the guidance reads it)."""
    if not special:
        return COMMON
    if polarity not in ("high", "low") or side == 0:
        return NEITHER
    return IMPROVEMENT if (side > 0) == (polarity == "high") else CONCERN


def _assurance(polarity: str, target: float | None, lower: float, upper: float) -> str | None:
    """``consistently_passing``, ``consistently_failing``, ``inconsistent`` or None."""
    if target is None or polarity not in ("high", "low"):
        return None
    if polarity == "high":
        if target < lower:
            return "consistently_passing"
        if target > upper:
            return "consistently_failing"
    else:
        if target > upper:
            return "consistently_passing"
        if target < lower:
            return "consistently_failing"
    return "inconsistent"
