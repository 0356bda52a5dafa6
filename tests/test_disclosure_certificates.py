"""The audit's yes/no per hidden count, decided from feasible points, against the programmes.

``exposed_cells`` decides a group of hidden counts under several sums without solving every
count's two linear programmes (``disclosure._programme_exposed``): these tests compare it
with the full programme - every count's bounds by ``linprog`` (``hidden_ranges`` with its
shortcuts off) read by ``_gives_away`` - on hand-made and random tables, and compare
``suppress`` itself with the audit run on the full programme.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safeguarding import disclosure as d


def _by_programme(values, relations, hidden, monkeypatch):
    """The hidden counts the full programme gives away: every group by ``linprog``."""
    with monkeypatch.context() as m:
        m.setattr(d, "_pinned", lambda coefficients, rhs: None)
        m.setattr(d, "_one_sum_bounds", lambda coefficients, rhs: None)
        d._programme_bounds.cache_clear()
        ranges = d.hidden_ranges(values, relations, hidden)
    d._programme_bounds.cache_clear()
    return sorted((k for k, (low, high) in ranges.items() if d._gives_away(low, high)), key=repr)


def _exposed(values, relations, hidden):
    d._programme_exposed.cache_clear()
    return d.exposed_cells(values, relations, hidden)


def _table(counts: np.ndarray, name: str = "t"):
    frame = pd.DataFrame(
        counts,
        index=[f"r{i}" for i in range(counts.shape[0])],
        columns=[f"c{j}" for j in range(counts.shape[1])],
    )
    table = d.with_totals(frame)
    values = {(name, i, c): int(table.loc[i, c]) for i in table.index for c in table.columns}
    relations = [
        d.Relation((name, *r.total), tuple((name, *p) for p in r.parts))
        for r in d.table_relations(table)
    ]
    return values, relations


# --- hand-made edges --------------------------------------------------------------------------
def test_a_count_bounded_inside_one_to_five_by_a_two_way_table_is_given_away(monkeypatch):
    # a.x + c.x = 15 - 9 = 6 with both at least 1: a.x is 1 to 5 (and c.x too)
    values, relations = _table(np.array([[2, 7], [9, 3], [4, 8]]))
    hidden = {("t", "r0", "c0"), ("t", "r0", "c1"), ("t", "r2", "c0"), ("t", "r2", "c1")}
    expected = _by_programme(values, relations, hidden, monkeypatch)
    assert ("t", "r0", "c0") in expected
    assert _exposed(values, relations, hidden) == expected


def test_a_count_the_sums_fix_is_given_away_without_a_programme(monkeypatch):
    """A hidden count published again elsewhere (shown there) is pinned: the sums alone fix
    it, which needs no linear programme; its neighbours stay protected."""
    import scipy.optimize

    values, relations = _table(np.array([[3, 8, 7], [9, 4, 6], [7, 9, 12]]))
    values["copy"] = values[("t", "r1", "c1")]  # the same count in another table, shown
    relations.append(d.Relation("copy", (("t", "r1", "c1"),)))
    hidden = {("t", r, c) for r in ("r0", "r1") for c in ("c0", "c1")}
    expected = _by_programme(values, relations, hidden, monkeypatch)
    assert ("t", "r1", "c1") in expected
    solved = []
    real = scipy.optimize.linprog
    monkeypatch.setattr(
        scipy.optimize, "linprog", lambda *a, **k: solved.append(1) or real(*a, **k)
    )
    assert _exposed(values, relations, hidden) == expected
    assert len(solved) < 2 * len(hidden)


def test_counts_nothing_bounds_above_are_not_given_away(monkeypatch):
    # x - y = 0 twice over (a count published twice, as a part and its total): no ceiling
    values = {"x": 3, "y": 3, "z": 9, "u": 9}
    relations = [d.Relation("x", ("y",)), d.Relation("z", ("u",)), d.Relation("x", ("y",))]
    relations.append(d.Relation("z", ("u",)))
    hidden = {"x", "y", "z", "u"}
    assert _exposed(values, relations, hidden) == _by_programme(
        values, relations, hidden, monkeypatch
    )
    # a total of a total: a = b + c and a + s = 24 bound each below 24, none inside 1-5
    values = {"a": 12, "b": 7, "c": 5, "t": 24, "s": 12}
    relations = [d.Relation("a", ("b", "c")), d.Relation("t", ("a", "s"))]
    hidden = {"a", "b", "c", "s"}
    assert _exposed(values, relations, hidden) == _by_programme(
        values, relations, hidden, monkeypatch
    )


def test_sums_the_published_counts_break_are_still_refused():
    # t = x + a and u = x + a cannot both hold: the programme says so, as before
    values = {"x": 5, "a": 4, "t": 9, "u": 10}
    relations = [d.Relation("t", ("x", "a")), d.Relation("u", ("x", "a"))]
    with pytest.raises(ValueError, match="no solution"):
        d.exposed_cells(values, relations, {"x", "a"})


# --- random tables ----------------------------------------------------------------------------
def _random_case(seed: int):
    """A random two-way table with totals (small counts common), sometimes with a second
    table sharing one of its cells (a count pinned when the copy is shown) and a hidden set:
    the primary one, a random one, or a block of interior cells."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    counts = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 40], size=(rows, cols))
    values, relations = _table(counts)
    if seed % 3 == 0:  # a second table publishing one of the first one's counts again
        other, links = _table(rng.choice([0, 1, 3, 5, 8, 13], size=(2, 3)), "u")
        values.update(other)
        relations += links
        cell = ("t", f"r{rng.integers(rows)}", f"c{rng.integers(cols)}")
        values["copy"] = values[cell]
        relations.append(d.Relation("copy", (cell,)))
    nonzero = [k for k, v in values.items() if v]
    kind = seed % 4
    if kind == 0:
        hidden = {k for k, v in values.items() if d.is_small(v)}
    elif kind == 1:
        hidden = {k for k in nonzero if rng.random() < 0.45}
    elif kind == 2:  # an interior block: pinned or bounded inside 1-5 by the row/column sums
        r = rng.choice(rows, size=min(rows, int(rng.integers(2, 4))), replace=False)
        c = rng.choice(cols, size=min(cols, int(rng.integers(2, 4))), replace=False)
        hidden = {("t", f"r{i}", f"c{j}") for i in r for j in c} & set(nonzero)
    else:  # the interior and some totals
        hidden = {k for k in nonzero if k[0] == "t" and rng.random() < 0.6}
    return values, relations, hidden


@pytest.mark.parametrize("seed", range(160))
def test_exposed_cells_are_the_full_programmes_on_random_tables(seed, monkeypatch):
    values, relations, hidden = _random_case(seed)
    assert _exposed(values, relations, hidden) == _by_programme(
        values, relations, hidden, monkeypatch
    )


def test_random_tables_include_pinned_and_small_bounded_counts(monkeypatch):
    """The random cases above reach both ways of giving a count away."""
    pinned = bounded = 0
    for seed in range(160):
        values, relations, hidden = _random_case(seed)
        with monkeypatch.context() as m:
            m.setattr(d, "_pinned", lambda coefficients, rhs: None)
            m.setattr(d, "_one_sum_bounds", lambda coefficients, rhs: None)
            d._programme_bounds.cache_clear()
            ranges = d.hidden_ranges(values, relations, hidden)
        for low, high in ranges.values():
            if high != np.inf and round(low, 6) == round(high, 6):
                pinned += 1
            elif high < 5.5 and round(high, 6) > round(low, 6):
                bounded += 1
    d._programme_bounds.cache_clear()
    assert pinned > 20 and bounded > 20


@pytest.mark.parametrize("seed", range(30))
def test_suppression_is_the_same_with_the_audit_on_the_full_programme(seed, monkeypatch):
    values, relations, _ = _random_case(seed)
    d._programme_exposed.cache_clear()
    fast = d.suppress(values, relations, "public")

    def by_ranges(values, relations, unknown):
        ranges = d._group_ranges(values, relations, unknown)
        return [k for k, low, high in ranges if d._gives_away(low, high)]

    with monkeypatch.context() as m:
        m.setattr(d, "_group_exposed", by_ranges)
        d._programme_bounds.cache_clear()
        slow = d.suppress(values, relations, "public")
    assert fast == slow


@pytest.mark.parametrize("seed", range(20))
def test_free_directions_span_the_sums_null_space(seed):
    """The directions the walks take keep every sum, and there are as many as the sums
    leave free (``A``'s columns less its rank), so a count none moves is fixed."""
    rng = np.random.default_rng(seed)
    rows, columns = int(rng.integers(1, 9)), int(rng.integers(1, 12))
    a_eq = rng.choice([-1.0, 0.0, 0.0, 1.0, 1.0, 2.0], size=(rows, columns))
    if seed % 4 == 0 and rows > 1:  # a sum repeated: dependent rows
        a_eq[-1] = a_eq[0]
    basis = d._free_directions(a_eq)
    assert basis.shape == (columns, columns - np.linalg.matrix_rank(a_eq))
    assert np.abs(a_eq @ basis).max(initial=0.0) < 1e-9
    if basis.shape[1]:
        assert np.linalg.matrix_rank(basis) == basis.shape[1]
