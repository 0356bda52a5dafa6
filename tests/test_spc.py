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
    # 15.0 and 15.5 lie between two sigma (14.55) and the limit (16.32); 12.0 between them
    # keeps all three above the mean
    result = run([15.0, 12.0, 15.5])
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
    assert result.warnings and "at least 12" in result.warnings[0]
    with pytest.raises(ValueError):
        spc(pd.Series([1.0]), "high")


# --- the rules at their edges (the cases NHSRplotthedots' tests pin down, our own series) ----


def test_a_point_on_the_mean_breaks_a_run():
    # six above, one on the mean (11), six above: no run of seven
    result = run([10.0] + [12.0] * 6 + [11.0] + [12.0] * 6)
    assert not result.points["shift"].any()


def test_an_equal_neighbour_breaks_a_trend_and_seven_rising_make_one():
    assert not run([9.0, 9.5, 10.0, 10.0, 10.5, 11.0, 11.5]).points["trend"].any()
    assert not run([9.0, 9.5, 10.0, 10.5, 11.0, 11.5]).points["trend"].any()  # only six
    falling = run([13.4, 12.6, 11.8, 11.0, 10.2, 9.4, 8.6])
    assert falling.points["trend"].sum() == 7


def test_two_of_three_needs_all_three_on_one_side_and_flags_only_the_close_points():
    # close above, a point below the mean, close above: the three are not on one side
    assert not run([15.0, 10.0, 15.5]).points["two_of_three"].any()
    # close above and close below: opposite sides never make a signal together
    assert not run([15.0, 7.0, 12.0]).points["two_of_three"].any()
    # two close points three apart are not two of three
    assert not run([15.0, 12.0, 12.0, 15.0]).points["two_of_three"].any()
    # a point beyond the limit is not "close": it is a beyond_limit signal only
    beyond = run([17.0, 12.0, 15.0])
    assert beyond.points["two_of_three"].tolist()[-3:] == [False, False, False]


def test_one_freak_moving_range_is_screened_out_of_the_limits():
    # moving ranges 2, 2, ..., 2, then 30 and 30 around one freak point: the two ranges of
    # 30 are 3.267 x (beyond) the mean moving range, so the limits rest on the ranges of 2
    series = pd.Series(BASE[:12] + [40.0] + BASE[:11])
    result = spc(series, "none")
    assert result.mean_moving_range == pytest.approx(2.0)
    assert result.points["beyond_limit"].sum() == 1


def test_limits_from_a_stated_baseline_and_a_stated_break():
    series = pd.Series(BASE[:12] + [20.0, 22.0] * 6, index=[f"m{i}" for i in range(24)])
    fixed = spc(series, "high", baseline=12)
    assert fixed.baseline == ("m0", "m11")
    assert fixed.mean == pytest.approx(11.0)
    # every later point, and the baseline's last (12, above the mean, starts the run)
    assert fixed.points["special_cause"].sum() == 13
    rebased = spc(series, "high", baseline=12, breaks=["m12"])
    assert [b.label for b in rebased.breaks] == ["m12"]
    assert rebased.mean == pytest.approx(21.0)
    assert not rebased.points["special_cause"].any()


def test_a_stepped_month_end_count_is_recalculated_at_its_shift_not_flagged_throughout():
    # children on a plan: about 38 for a year, then a move to about 45 that lasts
    series = pd.Series(
        [31, 32, 34, 35, 39, 46, 45, 44, 38, 40, 36, 35,
         35, 39, 39, 43, 47, 46, 44, 46, 45, 45, 44, 44],
        index=[f"m{i}" for i in range(24)],
        dtype="float64",
    )  # fmt: skip
    against_all = spc(series, "none")
    assert against_all.points["special_cause"].sum() >= 15  # the old reading: most months
    result = spc(series, "none", baseline=12, recalculate=True)
    # the run above the first year's mean (37.9) starts at m13; the level settles at m15 (43)
    assert [(b.label, b.reason) for b in result.breaks] == [("m15", "shift")]
    flagged = list(result.points.index[result.points["special_cause"]])
    # 31 and 32 close to the lower limit, 46 beyond the upper, 45 and 44 close to it
    assert flagged == ["m0", "m1", "m5", "m6", "m7"]
    assert result.variation == "common_cause"  # the latest month, against the new level
    assert result.mean == pytest.approx(sum(series[15:]) / 9)
