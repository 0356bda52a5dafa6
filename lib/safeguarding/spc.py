"""Statistical process control for monthly series: the XmR chart of NHS "Making Data Count".

The centre line is the mean of the baseline points; the process limits are the mean plus and
minus 2.66 times the mean moving range (2.66 = 3 / 1.128, i.e. three sigma estimated from the
moving range). Special-cause signals, each flagged per point:

* ``beyond_limit``: a point outside a process limit;
* ``shift``: a run of 7 or more consecutive points on the same side of the mean (a point on
  the mean breaks the run);
* ``trend``: 7 or more consecutive points each higher (or each lower) than the one before
  (an equal neighbour breaks the trend);
* ``two_of_three``: 2 of 3 consecutive points beyond two sigma (mean +/- 2/1.128 = 1.77 mean
  moving ranges) on the same side; the points beyond are flagged.

The latest point decides the variation icon: common cause, special cause improvement or
concern (by polarity; "neither" for an indicator with polarity ``none`` or ``band``).
Assurance against a target: consistently passing when the target lies outside the limits on
the bad side of the whole process (every point is expected to pass), consistently failing
when it lies outside on the good side, otherwise inconsistent (hit and miss).
Fewer than 15 points give unreliable limits; the result says so in ``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LIMIT_FACTOR = 2.66
SIGMA_FACTOR = 1.128
RUN_LENGTH = 7
TREND_LENGTH = 7
MIN_POINTS = 15

COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEITHER = "special_cause_neither"


@dataclass
class SpcResult:
    """Centre line, limits, per-point flags and the two summary judgements."""

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

    @property
    def sigma(self) -> float:
        return self.mean_moving_range / SIGMA_FACTOR

    @property
    def any_special_cause(self) -> bool:
        return bool(self.points["special_cause"].any())


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


def _trend(values: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Flags for rising and falling trends of ``length`` points (``length - 1`` steps)."""
    diffs = np.diff(values)
    up = np.zeros(len(values), dtype=bool)
    down = np.zeros(len(values), dtype=bool)
    for sign, out in ((1, up), (-1, down)):
        steps = np.sign(diffs) == sign
        run_steps = _runs(steps, length - 1)
        # a flagged step i joins points i and i + 1
        out[:-1] |= run_steps
        out[1:] |= run_steps
    return up, down


def _two_of_three(beyond: np.ndarray) -> np.ndarray:
    out = np.zeros(len(beyond), dtype=bool)
    for i in range(len(beyond) - 2):
        window = beyond[i : i + 3]
        if window.sum() >= 2:
            out[i : i + 3] |= window
    return out


def spc(
    series: pd.Series,
    polarity: str,
    target: float | None = None,
    baseline: int | None = None,
) -> SpcResult:
    """XmR analysis of ``series`` (in time order; missing points are dropped).

    ``baseline`` is the number of leading points the centre line and limits are computed
    from (all points when None); ``polarity`` is the indicator's (``high``, ``low``, ``band``,
    ``none``).
    """
    values = pd.to_numeric(pd.Series(series), errors="coerce").dropna()
    if len(values) < 2:
        raise ValueError("an XmR chart needs at least two points")
    x = values.to_numpy(dtype="float64")
    base = x[: baseline or len(x)]
    if len(base) < 2:
        raise ValueError("the baseline needs at least two points")
    mean = float(base.mean())
    mr_bar = float(np.abs(np.diff(base)).mean())
    upper, lower = mean + LIMIT_FACTOR * mr_bar, mean - LIMIT_FACTOR * mr_bar
    two_sigma = 2 * mr_bar / SIGMA_FACTOR
    warnings = []
    if len(base) < MIN_POINTS:
        warnings.append(
            f"limits rest on {len(base)} points; at least {MIN_POINTS} are advised, so read "
            "signals with caution"
        )

    high_beyond = x > upper
    low_beyond = x < lower
    above, below = x > mean, x < mean
    shift_high, shift_low = _runs(above, RUN_LENGTH), _runs(below, RUN_LENGTH)
    trend_up, trend_down = _trend(x, TREND_LENGTH)
    near_high = _two_of_three(x > mean + two_sigma)
    near_low = _two_of_three(x < mean - two_sigma)

    high_signal = high_beyond | shift_high | trend_up | near_high
    low_signal = low_beyond | shift_low | trend_down | near_low
    points = pd.DataFrame(
        {
            "value": x,
            "moving_range": np.concatenate([[np.nan], np.abs(np.diff(x))]),
            "mean": mean,
            "lower": lower,
            "upper": upper,
            "beyond_limit": high_beyond | low_beyond,
            "shift": shift_high | shift_low,
            "trend": trend_up | trend_down,
            "two_of_three": near_high | near_low,
            "special_cause": high_signal | low_signal,
        },
        index=values.index,
    )
    points["signal"] = [
        _judge(h, lo, polarity) for h, lo in zip(high_signal, low_signal, strict=True)
    ]
    variation = points["signal"].iloc[-1]
    return SpcResult(
        mean=mean,
        lower=lower,
        upper=upper,
        mean_moving_range=mr_bar,
        points=points,
        variation=variation,
        assurance=_assurance(polarity, target, lower, upper),
        polarity=polarity,
        target=target,
        warnings=warnings,
    )


def _judge(high: bool, low: bool, polarity: str) -> str:
    if not (high or low):
        return COMMON
    if polarity not in ("high", "low") or (high and low):
        return NEITHER
    good_side_high = polarity == "high"
    return IMPROVEMENT if high == good_side_high else CONCERN


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
