"""XmR rules on constructed series: each rule triggered on its own."""

from __future__ import annotations

import pandas as pd
import pytest
from safeguarding.spc import spc

# 20 stable months alternating 10, 12: mean 11, mean moving range 2,
# limits 11 +/- 5.32 = 5.68 to 16.32, two sigma 11 +/- 3.55 = 7.45 to 14.55
BASE = [10.0, 12.0] * 10
RULES = ["beyond_limit", "shift", "trend", "two_of_three"]


def run(tail, polarity="high", target=None):
    return spc(pd.Series(BASE + tail), polarity, target=target, baseline=len(BASE))


def fired(result):
    return {rule for rule in RULES if result.points[rule].any()}


def test_centre_line_and_limits():
    result = run([])
    assert result.mean == pytest.approx(11.0)
    assert result.mean_moving_range == pytest.approx(2.0)
    assert result.upper == pytest.approx(16.32)
    assert result.lower == pytest.approx(5.68)
    assert fired(result) == set()
    assert result.variation == "common_cause"


def test_a_point_beyond_a_limit_alone():
    result = run([20.0])
    assert fired(result) == {"beyond_limit"}
    assert result.points["beyond_limit"].tolist()[-1]
    assert result.variation == "special_cause_improvement"


def test_a_run_of_seven_on_one_side_alone():
    # the base ends above the mean, so a point below it starts the count afresh
    result = run([10.0] + [11.5, 12.0] * 3 + [11.5])
    assert fired(result) == {"shift"}
    assert result.points["shift"].sum() == 7


def test_six_on_one_side_is_not_a_run():
    assert fired(run([10.0] + [11.5, 12.0] * 3)) == set()


def test_a_trend_of_seven_alone():
    result = run([8.6, 9.4, 10.2, 11.0, 11.8, 12.6, 13.4])
    assert fired(result) == {"trend"}
    assert result.points["trend"].sum() == 7


def test_two_of_three_beyond_two_sigma_alone():
    result = run([15.0, 11.0, 15.5])
    assert fired(result) == {"two_of_three"}
    assert result.points["two_of_three"].tolist()[-3:] == [True, False, True]


def test_variation_follows_polarity():
    assert run([20.0], polarity="low").variation == "special_cause_concern"
    assert run([2.0], polarity="low").variation == "special_cause_improvement"
    assert run([20.0], polarity="none").variation == "special_cause_neither"
    assert run([20.0, 11.0], polarity="high").variation == "common_cause"


def test_assurance_against_a_target():
    assert run([], "high", target=4.0).assurance == "consistently_passing"
    assert run([], "high", target=18.0).assurance == "consistently_failing"
    assert run([], "high", target=11.0).assurance == "inconsistent"
    assert run([], "low", target=18.0).assurance == "consistently_passing"
    assert run([], "low", target=4.0).assurance == "consistently_failing"
    assert run([], "none", target=4.0).assurance is None
    assert run([]).assurance is None


def test_points_frame_for_charting_and_few_points_warning():
    series = pd.Series([5.0, 7.0, 6.0, 8.0], index=["Apr", "May", "Jun", "Jul"])
    result = spc(series, "high")
    assert list(result.points.index) == ["Apr", "May", "Jun", "Jul"]
    assert {"value", "mean", "lower", "upper", "special_cause", "signal"} <= set(
        result.points.columns
    )
    assert result.warnings and "15" in result.warnings[0]
    with pytest.raises(ValueError):
        spc(pd.Series([1.0]), "high")
