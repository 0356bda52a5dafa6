"""Disclosure control: small counts, secondary suppression, percentages, audiences."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from safeguarding import disclosure as d


def test_small_counts_are_one_to_five():
    assert [d.is_small(n) for n in (0, 1, 5, 6, None, float("nan"))] == [
        False,
        True,
        True,
        False,
        False,
        False,
    ]


def test_restricted_shows_everything_and_unknown_audience_is_refused():
    assert not d.hide_count(3, "restricted")
    assert d.hide_count(3, "public")
    with pytest.raises(ValueError, match="public, restricted"):
        d.hide_count(3, "everyone")


def test_percentages_from_small_counts_are_hidden():
    assert d.hide_ratio(4, 40, "public")  # numerator small
    assert d.hide_ratio(3, 3, "public")  # denominator small
    assert not d.hide_ratio(0, 40, "public")
    assert not d.hide_ratio(12, 40, "public")
    assert d.hide_figure(5, "count", None, None, "public")
    assert not d.hide_figure(55.0, "percent", 22, 40, "public")


BOLTON = pd.DataFrame(
    {"NE": [49, 101, 6, 0, 1, 78], "SE": [95, 153, 10, 1, 2, 85], "W": [67, 92, 6, 1, 0, 42]},
    index=["CIN", "CLA", "Adoption", "Residence", "SGO", "CPP"],
)


def _recoverable(shown: pd.DataFrame) -> list[tuple[str, str]]:
    """Cells hidden yet equal to a shown total minus shown parts (a single unknown in a line)."""
    leaks = []
    for axis in (0, 1):
        lines = shown.index if axis == 0 else shown.columns
        for key in lines:
            line = shown.loc[key] if axis == 0 else shown[key]
            hidden = [k for k, v in line.items() if v == d.SUPPRESSED]
            if len(hidden) == 1:
                leaks.append((str(key), str(hidden[0])))
    return leaks


def test_secondary_suppression_leaves_no_cell_recoverable():
    shown = d.display_table(BOLTON, "public")
    assert not [c for c in shown.to_numpy().ravel() if c in {"1", "2", "3", "4", "5"}]
    assert _recoverable(shown) == []
    # the large counts survive
    assert shown.loc["CLA", "SE"] == "153" and shown.loc["Total", "Total"] == "789"


@pytest.mark.parametrize("seed", range(20))
def test_secondary_suppression_on_random_tables(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(rng.integers(0, 12, size=(4, 3)), index=list("abcd"), columns=list("xyz"))
    shown = d.display_table(counts, "public")
    assert _recoverable(shown) == []
    cells = shown.to_numpy().ravel()
    assert not [c for c in cells if c in {"1", "2", "3", "4", "5"}]


def test_restricted_table_shows_small_counts():
    shown = d.display_table(BOLTON, "restricted")
    assert shown.loc["SGO", "NE"] == "1"
    assert d.SUPPRESSED not in shown.to_numpy().ravel()


def test_shares_hide_small_count_its_share_and_the_next_smallest():
    shown = d.display_shares(pd.Series({"NE": 541, "SE": 4, "W": 385}), "public")
    assert shown.loc["SE", "count"] == "c" and shown.loc["SE", "share"] == "c"
    assert shown.loc["W", "count"] == "c"  # else SE = total - NE - W
    assert shown.loc["Total", "count"] == "930" and shown.loc["NE", "share"] == "58.2%"


def test_small_counts_in_text():
    text = "There were 3 children, 12 plans, 4.5% and 5 cases; 2024-25 Q2."
    assert d.small_counts_in_text(text) == ["3 children", "5 cases"]
    assert d.small_cells(["c", "12", " 4 ", "4.5%"]) == [" 4 "]


def test_zero_lines_need_no_secondary_suppression():
    counts = pd.DataFrame({"x": [0, 0], "y": [0, 7]}, index=["a", "b"])
    shown = d.display_table(counts, "public")
    assert d.SUPPRESSED not in shown.to_numpy().ravel()
    assert list(itertools.chain.from_iterable(shown.to_numpy()))[-1] == "7"


# --- a lone hidden count's range without a linear programme -----------------------------------
def _without_shortcut(monkeypatch):
    """Every group solved by the linear programme (and none taken from its memo)."""
    monkeypatch.setattr(d, "_pinned", lambda coefficients, rhs: None)
    monkeypatch.setattr(d, "_one_sum_bounds", lambda coefficients, rhs: None)
    d._programme_bounds.cache_clear()


@pytest.mark.parametrize("seed", range(12))
def test_a_lone_hidden_counts_range_is_the_linear_programmes(seed, monkeypatch):
    """Most groups of hidden counts are one count, fixed by its sums: read off them, its
    range is the one the programme finds, and every table is suppressed as before."""
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(
        rng.integers(0, 14, size=(5, 4)), index=list("abcde"), columns=list("wxyz")
    )
    table = d.with_totals(counts)
    values = {(i, c): int(table.loc[i, c]) for i in table.index for c in table.columns}
    relations = d.table_relations(table)
    some = {k for k in list(values)[::3] if values[k]}  # hidden counts are never zero
    for hidden in ({k for k, v in values.items() if d.is_small(v)}, some):
        fast = d.hidden_ranges(values, relations, hidden)
        shown_fast = d.display_table(counts, "public")
        with monkeypatch.context() as m:
            _without_shortcut(m)
            slow = d.hidden_ranges(values, relations, hidden)
            shown_slow = d.display_table(counts, "public")
        assert fast.keys() == slow.keys()
        for key, (low, high) in slow.items():
            assert fast[key][0] == pytest.approx(low, abs=1e-9)
            assert fast[key][1] == pytest.approx(high, abs=1e-9) or high == fast[key][1]
        pd.testing.assert_frame_equal(shown_fast, shown_slow)


def test_a_lone_hidden_count_its_sums_cannot_agree_on_is_still_refused():
    # t = x + a and u = x + a say x = 5 and x = 6 at once: the programme reports it
    values = {"x": 5, "a": 4, "t": 9, "u": 10}
    relations = [d.Relation("t", ("x", "a")), d.Relation("u", ("x", "a"))]
    assert d._pinned([1.0, 1.0], [5.0, 6.0]) is None
    with pytest.raises(ValueError, match="no solution"):
        d.hidden_ranges(values, relations, {"x"})
    assert d.hidden_ranges(values, relations[:1], {"x"}) == {"x": (5.0, 5.0)}
    assert d._pinned([1.0], [0.0]) is None  # below 1: left to the programme too


# --- hidden counts sharing one sum, and programmes met again ------------------------------------
def _programme(coefficients, rhs):
    """Each unknown's bounds under one sum, by the linear programme itself."""
    import numpy as np
    from scipy.optimize import linprog

    out = []
    for k in range(len(coefficients)):
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(coefficients))
            c[k] = sign
            res = linprog(c, A_eq=[coefficients], b_eq=[rhs], bounds=(1, None), method="highs")
            if res.status == 2:
                return None
            ends.append(float("inf") if res.status == 3 else sign * res.fun)
        out.append(tuple(ends))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_one_sums_bounds_are_the_linear_programmes(seed):
    """A group of hidden counts in one sum (a total and its parts, a count published twice,
    a part that appears on both sides): its bounds read off the sum are the programme's."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    coefficients = [float(a) for a in rng.choice([-1, 1, 1, 2, 0], size=n)]
    if not any(coefficients):
        coefficients[0] = 1.0
    solution = rng.integers(1, 12, size=n)
    rhs = float(np.dot(coefficients, solution))
    if seed % 5 == 0:  # perhaps no solution
        rhs -= float(rng.integers(0, 30))
    fast, slow = d._one_sum_bounds(coefficients, rhs), _programme(coefficients, rhs)
    if slow is None:
        assert fast is None  # no solution: left to the programme, which says so
        return
    assert fast is not None and len(fast) == len(slow)
    for (low, high), (p_low, p_high) in zip(fast, slow, strict=True):
        assert low == pytest.approx(p_low, abs=1e-7)
        assert high == p_high or high == pytest.approx(p_high, abs=1e-7)


def test_one_sum_with_no_solution_is_refused_in_the_programmes_words():
    # x + y = 1 with x, y at least 1: no published sums can say that
    values = {"x": 1, "y": 1, "t": 1}
    with pytest.raises(ValueError, match="no solution"):
        d.hidden_ranges(values, [d.Relation("t", ("x", "y"))], {"x", "y", "t"} - {"t"})


def test_a_programme_met_again_is_not_solved_again(monkeypatch):
    """The audit asks about the same group many times while it widens and prunes: the
    second time, its bounds come from the memo (the same bounds), with no programme run."""
    import scipy.optimize

    counts = pd.DataFrame({"x": [2, 9, 4], "y": [7, 3, 8]}, index=list("abc"))
    table = d.with_totals(counts)
    values = {(i, c): int(table.loc[i, c]) for i in table.index for c in table.columns}
    relations = d.table_relations(table)
    hidden = {("a", "x"), ("a", "y"), ("c", "x"), ("c", "y")}  # a two-way group: programmes
    solved = []
    real = scipy.optimize.linprog
    monkeypatch.setattr(
        scipy.optimize, "linprog", lambda *a, **k: solved.append(1) or real(*a, **k)
    )
    d._programme_bounds.cache_clear()
    first = d.hidden_ranges(values, relations, hidden)
    runs = len(solved)
    assert runs == 2 * len(hidden)
    assert d.hidden_ranges(values, relations, hidden) == first
    assert len(solved) == runs
    # by hand: a.x + c.x = 15 - 9 = 6 and c.x >= 1, so a.x is 1 to 5
    assert first[("a", "x")] == pytest.approx((1.0, 5.0))
