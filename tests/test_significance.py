"""Significance rules: Wilson intervals, Newcombe's difference, the precision rule."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from safeguarding.significance import (
    binomial_test,
    compare_values,
    differs_beyond_precision,
    is_small_numbers,
    newcombe_difference_interval,
    poisson_interval,
    reporting_precision,
    two_proportion_z_test,
    wilson_interval,
    wilson_interval_array,
)


def test_wilson_matches_newcombe_1998_worked_example():
    # Newcombe (1998), Statistics in Medicine 17: 81/263 -> 0.2553 to 0.3662
    lower, upper = wilson_interval(81, 263)
    assert lower == pytest.approx(0.2553, abs=1e-4)
    assert upper == pytest.approx(0.3662, abs=1e-4)


def test_wilson_stays_inside_zero_and_one_at_the_extremes():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)


def test_wilson_vectorised_agrees_and_gives_nan_without_a_denominator():
    lower, upper = wilson_interval_array(np.array([81, 5, 1]), np.array([263, 0, 4]))
    assert lower[0] == pytest.approx(wilson_interval(81, 263)[0])
    assert np.isnan(lower[1]) and np.isnan(upper[1])
    assert upper[2] == pytest.approx(wilson_interval(1, 4)[1])


def test_newcombe_difference_matches_published_examples():
    # Newcombe (1998) method 10: 56/70 - 48/80 -> 0.0524 to 0.3339; 9/10 - 3/10 -> 0.1705 to 0.8090
    assert newcombe_difference_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert newcombe_difference_interval(9, 10, 3, 10) == pytest.approx((0.1705, 0.8090), abs=1e-4)


def test_pooled_z_test_for_reference():
    result = two_proportion_z_test(56, 70, 48, 80)
    assert result.z == pytest.approx(2.650, abs=1e-3)
    assert result.significant


def test_precision_rule_is_half_a_unit_of_the_last_decimal():
    assert reporting_precision(1) == pytest.approx(0.05)
    assert reporting_precision(0) == pytest.approx(0.5)
    # 92.74 and 92.66 both publish as 92.7: no difference
    assert not differs_beyond_precision(92.74, 92.66, 1)
    # 92.75 rounds half away from zero to 92.8: a difference of one unit
    assert differs_beyond_precision(92.75, 92.7, 1)
    assert not differs_beyond_precision(19.899999999999999, 19.9, 1)


def test_small_denominator_change_is_within_normal_variation():
    # 2 of 11 to 4 of 23 (18.2% to 17.4%): far too few plans to call a change
    diff = compare_values(
        17.4, 18.2, 1, numerator_a=4, denominator_a=23, numerator_b=2, denominator_b=11
    )
    assert diff.direction == "not_significant"
    assert diff.method == "newcombe"
    assert is_small_numbers(4, 23)


def test_large_denominator_change_of_the_same_size_is_real():
    # the same percentages on thousands of cases are a real change
    diff = compare_values(
        25.0, 35.0, 1, numerator_a=500, denominator_a=2000, numerator_b=700, denominator_b=2000
    )
    assert diff.direction == "lower"
    assert not is_small_numbers(500, 2000)


def test_moderate_denominators_need_a_big_enough_gap():
    small_gap = compare_values(
        82.0, 78.0, 1, numerator_a=164, denominator_a=200, numerator_b=156, denominator_b=200
    )
    big_gap = compare_values(
        90.0, 78.0, 1, numerator_a=180, denominator_a=200, numerator_b=156, denominator_b=200
    )
    assert small_gap.direction == "not_significant"
    assert big_gap.direction == "higher"


def test_fixed_comparator_inside_the_wilson_interval_is_in_line():
    # 40 of 40 reviews on time against England's 99.4%: the interval (91.2%-100%) holds it
    diff = compare_values(100.0, 99.4, 1, numerator_a=40, denominator_a=40, b_fixed=True)
    assert diff.direction == "not_significant"
    assert diff.interval[0] == pytest.approx(91.24, abs=0.01)
    # against a fixed 70.7% the same authority is clearly higher
    assert (
        compare_values(100.0, 70.7, 1, numerator_a=40, denominator_a=40, b_fixed=True).direction
        == "higher"
    )


def test_without_counts_the_precision_rule_decides():
    assert compare_values(92.7, 89.4, 1).direction == "higher"
    assert compare_values(92.7, 92.7, 1).direction == "same"
    assert compare_values(None, 92.7, 1).direction == "not_comparable"


def test_small_numbers_thresholds():
    assert is_small_numbers(15, 29)
    assert not is_small_numbers(15, 30)
    assert is_small_numbers(9, 500)
    assert is_small_numbers(9)  # a count of 9
    assert not is_small_numbers(None, None)


@pytest.mark.parametrize(
    ("k", "n", "p", "expected"),
    [
        (2, 10, 0.5, 112 / 1024),  # P(X <= 2) + P(X >= 8) = 2 (1 + 10 + 45) / 1024
        (0, 5, 0.5, 2 / 32),
        (3, 3, 0.25, 1 / 64),  # P(0..3) = 27, 27, 9, 1 (/64): only k itself is as unlikely
        (2, 3, 0.25, 10 / 64),  # outcomes 2 and 3
        (0, 3, 0.25, 1.0),  # P(0) = P(1) = 27/64: the tie counts, so every outcome does
        (5, 10, 0.5, 1.0),  # k at the mean
    ],
)
def test_exact_binomial_test_by_hand(k, n, p, expected):
    assert binomial_test(k, n, p) == pytest.approx(expected, rel=1e-12)


def test_exact_binomial_test_agrees_with_scipy_stats_binomtest():
    import scipy.stats as stats

    rng = np.random.default_rng(17)
    for n in [*range(1, 40), 100, 333, 3364, 20000]:
        for p in (0.01, 0.1, 1 / 3, 0.5, 0.6, 0.9, 0.999):
            for k in {0, 1, n // 3, n // 2, n - 1, n, *rng.integers(0, n + 1, 4).tolist()}:
                expected = stats.binomtest(k, n, p).pvalue
                if expected > 1e-12:  # far tails' last digits do not matter to any decision
                    assert binomial_test(k, n, p) == pytest.approx(expected, rel=1e-9), (k, n, p)


def test_exact_binomial_test_refuses_impossible_arguments():
    for k, n, p in [(3, 2, 0.5), (-1, 2, 0.5), (1, 2, 1.5)]:
        with pytest.raises(ValueError):
            binomial_test(k, n, p)


def test_garwood_interval_matches_the_published_table():
    # exact 95% limits for a Poisson count (e.g. Ulm 1990's table): 0 -> 0 to 3.689,
    # 5 -> 1.623 to 11.668, 17 -> 9.903 to 27.219
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-4)
    assert poisson_interval(5) == pytest.approx((1.6235, 11.6683), abs=1e-4)
    assert poisson_interval(17) == pytest.approx((9.9031, 27.2186), abs=1e-4)


def test_the_significance_rules_do_not_import_scipy_stats():
    # scipy.stats costs about a second in every process that imports this module (each
    # preparing worker and kernel); scipy.special holds every function the rules use
    code = (
        "import sys, safeguarding.significance, safeguarding.disproportionality; "
        "sys.exit('scipy.stats' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
