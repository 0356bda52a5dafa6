"""Is a change or a gap larger than chance? Tests for proportions and the precision rule.

Choices (also in ``docs/assessment-inputs.md``):

* Confidence interval for one proportion: the **Wilson score interval** (95%). It stays inside
  0-100% and behaves well with the small denominators these indicators rest on, where the
  simple normal ("Wald") interval does not.
* Change between two proportions (this quarter against last quarter or last year end):
  **Newcombe's hybrid score interval** for the difference (his method 10, built from the two
  Wilson intervals). The change is significant when that interval excludes zero. Unlike the
  pooled z-test it needs no large-sample assumption. :func:`two_proportion_z_test` is kept for
  readers who want a p-value; decisions use Newcombe.
  Successive year-to-date figures share cases, so the two samples are not independent; the
  overlap makes the test conservative (a real change is, if anything, under-called).
* Against a comparator (England, region, neighbour average): the comparator is treated as a
  fixed value, and the gap counts only if the comparator lies outside the authority's Wilson
  interval.
* Counts and rates per 10,000 (events, or children on a given day): the count is treated as
  Poisson. A change between two counts is tested with the **exact conditional test** (given
  the total of the two counts, the first is binomial with the share its exposure — months of
  time, times the population for a rate — has of the total exposure; two-sided, 95%). Against
  a comparator rate the gap counts only if the comparator lies outside the **exact (Garwood)
  Poisson interval** of the authority's count scaled to the rate. So 1,683 children on a
  plan becoming 1,681 is no significant change (p = 0.98).
* Without numerator and denominator: the **precision rule**. Both values are rounded (half
  away from zero) to the reporting precision ``d`` decimals; the difference counts only if the
  rounded values differ by more than half a unit of the last decimal (``0.5 * 10**-d``), i.e.
  the published figures differ. When the two figures are published at different precisions
  the coarser one is used.
* "Small numbers": a denominator under 30, or a numerator (for counts, the count itself)
  under 10. Below these a single child moves a percentage by several points.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

# scipy.special, not scipy.stats: the distributions' functions these tests need are its ufuncs,
# and scipy.stats takes about a second to import (its documentation is parsed at import) in
# every process that reads this module: each preparing worker, kernel and one-shot command
from scipy import special

from .catalogue import round_half_up

CONFIDENCE = 0.95
SMALL_DENOMINATOR = 30
SMALL_COUNT = 10


@functools.lru_cache(maxsize=8)  # one or two confidence levels, asked ~200 times a report
def _z(confidence: float) -> float:
    return float(special.ndtri(1 - (1 - confidence) / 2))  # the normal quantile


def _known(*values: float | None) -> bool:
    return all(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def wilson_interval(
    numerator: float, denominator: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval for ``numerator / denominator`` as proportions (0-1)."""
    if denominator <= 0:
        raise ValueError("the denominator of a proportion must be positive")
    if numerator < 0 or numerator > denominator:
        raise ValueError("the numerator must lie between 0 and the denominator")
    z = _z(confidence)
    p = numerator / denominator
    n = denominator
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_interval_array(
    numerator: np.ndarray, denominator: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`wilson_interval` (NaN where the denominator is missing or zero)."""
    x = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    bad = ~(n > 0)
    lower = np.where(bad, np.nan, np.clip(centre - half, 0, 1))
    upper = np.where(bad, np.nan, np.clip(centre + half, 0, 1))
    return lower, upper


def newcombe_difference_interval(
    x1: float, n1: float, x2: float, n2: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``x1/n1 - x2/n2`` (proportions, 0-1)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    diff = p1 - p2
    lower = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - CONFIDENCE


def two_proportion_z_test(x1: float, n1: float, x2: float, n2: float) -> ZTest:
    """Two-sided z-test for two proportions with the pooled variance (for reference)."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ZTest(0.0, 1.0)
    z = (x1 / n1 - x2 / n2) / se
    return ZTest(z, float(2 * special.ndtr(-abs(z))))  # the normal tail, both sides


def poisson_interval(count: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Garwood) interval for the mean of a Poisson count."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    alpha = 1 - confidence
    # half the chi-squared quantiles on 2k and 2k + 2 degrees of freedom: gamma quantiles
    lower = 0.0 if count == 0 else float(special.gammaincinv(count, alpha / 2))
    upper = float(special.gammaincinv(count + 1, 1 - alpha / 2))
    return lower, upper


def poisson_rate_test(
    count_a: float, exposure_a: float, count_b: float, exposure_b: float
) -> float:
    """Two-sided p-value that two Poisson counts share one rate (the exact conditional test:
    given their total, ``count_a`` is binomial with its exposure's share of the whole)."""
    total = int(round(count_a + count_b))
    if total == 0:
        return 1.0
    share = exposure_a / (exposure_a + exposure_b)
    return binomial_test(int(round(count_a)), total, share)


_RELATIVE_TIE = 1 + 1e-7  # outcomes this close to the observed one's probability count as it


def binomial_test(k: int, n: int, p: float) -> float:
    """Two-sided p-value of the exact binomial test of ``k`` successes in ``n`` trials with
    probability ``p``: the probability of every outcome no likelier than ``k`` (the method of
    R's ``binom.test`` and scipy's ``binomtest``). The far tail is found at once from the
    probabilities of the outcomes on the other side of the mean, not by a search."""
    if not 0 <= k <= n or not 0 <= p <= 1:
        raise ValueError("need 0 <= k <= n and 0 <= p <= 1")
    if k == p * n:
        return 1.0
    observed = _binomial_pmf(np.array([k]), n, p)[0] * _RELATIVE_TIE
    if k < p * n:  # the far tail is above the mean: outcomes from m on, m the first that fits
        other = np.arange(math.ceil(p * n), n + 1)
        beyond = int(np.count_nonzero(_binomial_pmf(other, n, p) <= observed))
        near = special.bdtr(k, n, p)  # P(X <= k)
        far = special.bdtrc(n - beyond, n, p) if beyond else 0.0  # P(X > n - beyond)
    else:
        other = np.arange(0, math.floor(p * n) + 1)
        beyond = int(np.count_nonzero(_binomial_pmf(other, n, p) <= observed))
        near = special.bdtrc(k - 1, n, p)  # P(X >= k), k being above the mean
        far = special.bdtr(beyond - 1, n, p) if beyond else 0.0  # P(X < beyond)
    return float(min(1.0, near + far))


def _binomial_pmf(k: np.ndarray, n: int, p: float) -> np.ndarray:
    log = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    return np.exp(log + special.xlogy(k, p) + special.xlog1py(n - k, -p))


def compare_counts(
    a: float | None,
    b: float | None,
    decimals: int,
    *,
    count_a: float | None,
    count_b: float | None = None,
    scale_a: float = 1.0,
    scale_b: float = 1.0,
    b_fixed: bool = False,
    confidence: float = CONFIDENCE,
) -> Difference:
    """Compare figure ``a`` (``count_a`` times ``scale_a``: 1 for a count, 12/months for an
    annualised count, 10,000/population for a rate) with ``b`` as Poisson counts (see the
    module docstring). Falls back to the precision rule without the counts."""
    if not _known(a, b):
        return Difference("not_comparable", "missing")
    if not differs_beyond_precision(a, b, decimals):
        return Difference("same", "precision")
    if not _known(count_a) or scale_a <= 0:
        return Difference(_direction(a, b), "precision")
    if b_fixed:
        lower, upper = poisson_interval(count_a, confidence)
        interval = (lower * scale_a, upper * scale_a)
        inside = interval[0] <= b <= interval[1]
        return Difference("not_significant" if inside else _direction(a, b), "poisson", interval)
    if not _known(count_b) or scale_b <= 0:
        return Difference(_direction(a, b), "precision")
    # exposure is what turns a count into the figure: figure = count * scale
    p = poisson_rate_test(count_a, 1 / scale_a, count_b, 1 / scale_b)
    kind = "not_significant" if p >= 1 - confidence else _direction(a, b)
    return Difference(kind, "poisson")


def reporting_precision(decimals: int) -> float:
    """Half a unit of the last reported decimal: 0.05 for one decimal, 0.5 for none."""
    return 0.5 * 10.0 ** (-decimals)


def differs_beyond_precision(a: float, b: float, decimals: int) -> bool:
    """True when ``a`` and ``b`` still differ once both are rounded to ``decimals``."""
    ra, rb = round_half_up(float(a), decimals), round_half_up(float(b), decimals)
    return abs(ra - rb) > reporting_precision(decimals)


def is_small_numbers(numerator: float | None, denominator: float | None = None) -> bool:
    """The "numbers are small" flag (see the module docstring for the thresholds)."""
    if _known(denominator) and denominator < SMALL_DENOMINATOR:
        return True
    return _known(numerator) and numerator < SMALL_COUNT


@dataclass(frozen=True)
class Difference:
    """The outcome of comparing ``a`` with ``b``.

    ``direction`` is ``higher``, ``lower`` or ``same`` (a real difference in that direction,
    or none); ``not_significant`` when the values differ but not beyond chance; and
    ``not_comparable`` when a value is missing. ``method`` names the rule used.
    """

    direction: str
    method: str
    interval: tuple[float, float] | None = None

    @property
    def real(self) -> bool:
        return self.direction in ("higher", "lower")


def _direction(a: float, b: float) -> str:
    return "higher" if a > b else "lower"


def compare_values(
    a: float | None,
    b: float | None,
    decimals: int,
    *,
    numerator_a: float | None = None,
    denominator_a: float | None = None,
    numerator_b: float | None = None,
    denominator_b: float | None = None,
    percent: bool = True,
    b_fixed: bool = False,
    confidence: float = CONFIDENCE,
) -> Difference:
    """Compare figure ``a`` with ``b`` (``a`` is the authority's current figure).

    With both numerators and denominators (and ``b_fixed`` false) the change is tested with
    Newcombe's interval; with ``b_fixed`` (a comparator such as England) ``b`` is tested
    against ``a``'s Wilson interval; otherwise the precision rule decides.
    """
    if not _known(a, b):
        return Difference("not_comparable", "missing")
    if not differs_beyond_precision(a, b, decimals):
        return Difference("same", "precision")
    scale = 100.0 if percent else 1.0
    if percent and _known(numerator_a, denominator_a) and denominator_a > 0:
        if b_fixed:
            lower, upper = wilson_interval(numerator_a, denominator_a, confidence)
            interval = (lower * scale, upper * scale)
            inside = lower * scale <= b <= upper * scale
            kind = "not_significant" if inside else _direction(a, b)
            return Difference(kind, "wilson", interval)
        if _known(numerator_b, denominator_b) and denominator_b > 0:
            lower, upper = newcombe_difference_interval(
                numerator_a, denominator_a, numerator_b, denominator_b, confidence
            )
            interval = (lower * scale, upper * scale)
            kind = "not_significant" if lower <= 0 <= upper else _direction(a, b)
            return Difference(kind, "newcombe", interval)
    return Difference(_direction(a, b), "precision")
