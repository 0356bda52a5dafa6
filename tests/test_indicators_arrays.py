"""The array shortcuts the indicator rules share give the answers of the plain numpy or
pandas operation they replace, at the edges (weekends, bank holidays, a reversed pair, ties,
blanks, an absurd date that widens the span), and what is prepared once per date answers
for that date only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _indicator_builders import dataset
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute
from safeguarding.indicators.context import RuleContext, _DayCounts, _Events
from safeguarding.indicators.days import (
    _busday_count,
    _day_order,
    _group_day_order,
    _stable_argsort,
    _within_working_days,
)
from safeguarding.indicators.framework import _pairs, episodes_in_force
from safeguarding.periods import bank_holidays, parse_year_range

rng = np.random.default_rng(17)


def days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def test_working_days_by_calendar_look_up_match_numpy() -> None:
    begin = days("2024-12-24", "2024-12-27", "2025-01-06", "2024-08-24", "2024-08-26", "2019-09-09")
    end = days("2024-12-27", "2024-12-24", "2025-01-06", "2024-08-27", "2024-08-31", "2019-09-01")
    # Christmas and Boxing Day; a reversed pair counts negative (the day after the end to the
    # start, numpy's way); a weekend and the summer bank holiday Monday (26 August) count
    # nothing
    expected = np.busday_count(begin, end, holidays=bank_holidays())
    assert _busday_count(begin, end).tolist() == expected.tolist() == [1, -1, 0, 0, 4, -6]
    start = np.datetime64("2015-01-01") + rng.integers(0, 4000, 5000).astype("timedelta64[D]")
    finish = start + rng.integers(-30, 90, 5000).astype("timedelta64[D]")
    expected = np.busday_count(start, finish, holidays=bank_holidays())
    assert (_busday_count(start, finish) == expected).all()
    # a date centuries away leaves the count to numpy, with the same answer
    wide_begin, wide_end = days("1066-10-14", "2024-12-24"), days("1066-10-20", "2024-12-27")
    assert _busday_count(wide_begin, wide_end).tolist() == np.busday_count(
        wide_begin, wide_end, holidays=bank_holidays()
    ).tolist()
    # 15 working days from Monday 2 December 2024: 23 December is the 15th, the 24th the 16th
    begun = days("2024-12-02", "2024-12-02", "2024-12-02")
    held = days("2024-12-23", "2024-12-24", "NaT")
    assert _within_working_days(begun, held, 15).tolist() == [True, False, False]


@pytest.mark.parametrize("span", [3000, 200_000])
def test_day_orders_are_numpys_stable_sorts(span: int) -> None:
    when = np.datetime64("1900-01-01") + rng.integers(0, span, 20_000).astype("timedelta64[D]")
    group = rng.integers(0, 500, 20_000)
    assert (_day_order(when) == np.argsort(when, kind="stable")).all()
    assert (_group_day_order(group, when) == np.lexsort((when, group))).all()
    keys = rng.integers(-1, span, 20_000)  # ties and blanks (-1)
    assert (_stable_argsort(keys) == np.argsort(keys, kind="stable")).all()
    huge = np.array([2**61, -(2**61), 5, 5, -(2**61)])  # too wide to combine with the rows
    assert _stable_argsort(huge).tolist() == np.argsort(huge, kind="stable").tolist()


def test_day_counts_tally_as_sorted_events_do() -> None:
    data = DataSet()
    ctx = RuleContext(data, ["A", "B", "C"])
    n = 30_000
    auth = rng.integers(-1, 3, n)  # -1: a row of no authority, left out
    when = np.datetime64("2019-04-01") + rng.integers(0, 2200, n).astype("timedelta64[D]")
    when[::97] = np.datetime64("NaT")
    hit = rng.random(n) < 0.3
    windows = [
        ("2019-04-01", "2019-06-30"),
        ("2018-01-01", "2019-04-01"),  # reaching before the first record
        ("2025-01-01", "2030-12-31"),  # and after the last
        ("2010-01-01", "2011-01-01"),  # nothing in it
        ("2021-02-28", "2021-02-28"),
        ("1066-01-01", "1066-12-31"),
    ]
    # a date centuries back widens the table; one two millennia back leaves a table too
    # large for the records, so they are sorted instead
    cases = (("2019-04-01", _DayCounts), ("1066-10-14", _DayCounts), ("0001-01-01", _Events))
    for first, kind in cases:
        when[0], auth[0] = np.datetime64(first), 0
        counted = ctx.dated(auth, when, hit)
        assert isinstance(counted, kind)
        sorted_ = _Events.of(auth, when, hit)
        for start, end in windows:
            a = counted.tally(ctx, pd.Timestamp(start), pd.Timestamp(end))
            b = sorted_.tally(ctx, pd.Timestamp(start), pd.Timestamp(end))
            assert a.numerator.tolist() == b.numerator.tolist()
            assert a.denominator.tolist() == b.denominator.tolist()


def test_distinct_keys_per_authority_match_unique_across_calls() -> None:
    ctx = RuleContext(DataSet(), ["A", "B"])
    for size in (50, 5_000, 10):  # the scratch array is reused, grown, then read short
        key = rng.integers(-1, size, 3 * size)
        owner = rng.integers(0, 2, size)  # every key belongs to one authority
        auth = np.where(key >= 0, owner[np.maximum(key, 0)], -1)
        auth[::11] = -1  # rows of no authority are left out
        keep = (key >= 0) & (auth >= 0)
        expected = np.bincount(owner[np.unique(key[keep])], minlength=2)
        assert ctx.count_distinct(key, auth).numerator.tolist() == expected.tolist()
    assert ctx.count_distinct(np.array([-1]), np.array([0])).numerator.tolist() == [0, 0]


def test_pairs_are_the_inner_join() -> None:
    left_key, right_key = rng.integers(0, 300, 2_000), rng.integers(0, 300, 700)
    left, right = np.flatnonzero(left_key % 7 != 0), np.flatnonzero(right_key % 5 != 0)
    row, other = _pairs(left_key, left, right_key, right)
    merged = pd.DataFrame({"k": left_key[left], "row": left}).merge(
        pd.DataFrame({"k": right_key[right], "other": right}), on="k"
    )
    assert sorted(zip(row.tolist(), other.tolist(), strict=True)) == sorted(
        zip(merged["row"], merged["other"], strict=True)
    )
    assert [len(x) for x in _pairs(left_key, left[:0], right_key, right)] == [0, 0]


def test_episodes_in_force_are_kept_per_date() -> None:
    data = dataset(
        la_episodes=[
            {"child_id": "A", "episode_start": "2024-01-01", "episode_end": "2024-06-30"},
            {"child_id": "B", "episode_start": "2024-06-01"},
            {"child_id": "C", "episode_start": "2024-07-01", "episode_end": "2024-09-30"},
        ]
    )
    ctx = RuleContext(data, ["901"])
    children = data.table("la_episodes")["child_id"]

    def at(date: str) -> list[str]:
        return sorted(children[episodes_in_force(ctx, pd.Timestamp(date))])

    assert at("2024-06-15") == ["A", "B"]
    assert at("2024-09-30") == ["B"]  # an episode ending on the date has ceased by it
    assert at("2024-08-01") == ["B", "C"]
    assert at("2024-06-15") == ["A", "B"]  # asked again: its own date's answer


def test_periods_computed_together_equal_each_alone() -> None:
    from safeguarding.demo import make_authorities
    from safeguarding.demo.generate import DEFAULT_SEED, generate_for

    data = generate_for(
        make_authorities(3, DEFAULT_SEED)[:1], parse_year_range("2023-24..2024-25"), DEFAULT_SEED
    )
    periods = ["2023-24", "2024-25 Q1", "2024-25 Q2", "2024-25"]
    together = compute(data, periods)
    alone = pd.concat([compute(data, [p]) for p in periods], ignore_index=True)
    key = ["authority", "indicator", "period"]
    alone = alone.set_index(key).loc[together.set_index(key).index].reset_index()
    assert together["value"].notna().sum() > 100  # real figures, memo shared by many rules
    pd.testing.assert_frame_equal(together, alone, check_exact=True)
