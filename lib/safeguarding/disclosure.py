"""Disclosure control for published reports, following DfE's practice for children's social care.

Rules (the ``public`` audience; ``restricted`` reports show every figure):

* a count from 1 to 5 is shown as ``c`` (0 is shown: it reveals nothing about a child);
* a percentage or rate whose numerator or denominator is hidden is shown as ``c``, so that
  the count cannot be recovered by multiplying back;
* secondary suppression over every sum the published figures obey (:class:`Relation`: a
  table's row and column totals, the same count in two tables, a year and its quarters):
  wherever a sum would have exactly one hidden member, its smallest other non-zero member is
  hidden too, repeated until stable; then linear programming bounds every hidden count from
  what is shown, and where one is pinned to a value or to a range inside 1 to 5 a neighbour
  is hidden as well (:func:`suppress`). A share of a hidden count, or of a hidden total, is
  hidden.

A report solves this once over all it publishes (``safeguarding.report.ledger``), so the same
figure is hidden in its tables, charts and drafted text alike, and no hidden figure is the
sum or difference of shown ones within or across tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .exceptions import ParameterError

SMALL = range(1, 6)
SUPPRESSED = "c"
AUDIENCES = ("public", "restricted")
TOTAL = "Total"
NOTE = (
    "c: figure not shown because it rests on between one and five children, or could be "
    "worked out from other figures in this report (disclosure control for published reports)."
)


def check_audience(audience: str) -> str:
    """Return ``audience`` when it is known, else raise naming the accepted values."""
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    return audience


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_small(count: float | None) -> bool:
    """True for a count of 1 to 5 children (the DfE threshold)."""
    return not _missing(count) and 1 <= float(count) <= 5


def hide_count(count: float | None, audience: str) -> bool:
    """Whether a count must be shown as ``c`` for this audience."""
    return check_audience(audience) == "public" and is_small(count)


def hide_ratio(numerator: float | None, denominator: float | None, audience: str) -> bool:
    """Whether a percentage or rate is shown as ``c``: its numerator or denominator is small."""
    if check_audience(audience) != "public":
        return False
    return is_small(numerator) or is_small(denominator)


def hide_figure(
    value: float | None,
    unit: str,
    numerator: float | None,
    denominator: float | None,
    audience: str,
) -> bool:
    """Whether an indicator's figure is hidden: a small count, or a ratio built on one."""
    if unit == "count":
        return hide_count(value if _missing(numerator) else numerator, audience)
    return hide_ratio(numerator, denominator, audience)


# --- secondary suppression over a report's sums -------------------------------------------
@dataclass(frozen=True)
class Relation:
    """A sum the published counts obey: ``total`` is the sum of ``parts`` (one part: the same
    count published twice, e.g. a team's total in two tables)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)

    def holds(self, values: Mapping[Hashable, int]) -> bool:
        return values[self.total] == sum(values[p] for p in self.parts)


# LP bounds are floats: a bound within this of an integer is that integer.
_TOLERANCE = 1e-6


def suppress(
    values: Mapping[Hashable, int], relations: Sequence[Relation], audience: str
) -> frozenset[Hashable]:
    """The counts to show as ``c`` for ``audience``: every count of 1 to 5, then the fewest
    others (smallest first) that leave no hidden count recoverable from the shown ones and
    ``relations`` - neither pinned to one value nor bounded inside 1 to 5 (checked by linear
    programming, :func:`hidden_ranges`)."""
    if check_audience(audience) != "public":
        return frozenset()
    broken = [r for r in relations if not r.holds(values)]
    if broken:  # a relation the figures do not obey would mislead the audit: a bug upstream
        raise ValueError(f"figures do not add up: {broken[0].total!r} != sum of its parts")
    hidden = {k for k, v in values.items() if is_small(v)}
    for _ in range(len(values) + 1):
        if not hidden:
            break
        _close(values, relations, hidden)
        exposed = exposed_cells(values, relations, hidden)
        if not exposed:
            break
        pick = _widen(values, relations, hidden, exposed)
        if pick is None:  # nothing left to hide beside it: cannot happen with true relations
            raise ValueError(f"cannot protect {exposed[0]!r}: every related count is hidden")
        hidden.add(pick)
    return frozenset(_prune(values, relations, hidden))


def _prune(
    values: Mapping[Hashable, int], relations: Sequence[Relation], hidden: set[Hashable]
) -> set[Hashable]:
    """Show again, largest first, counts hidden only to protect others that stay protected
    without them (a greedy step can hide one that a later step made unnecessary): each group
    of counts that must be equal (a sum whose other members are zero), then each pair of
    groups in one sum (two parts of a line that only protect each other)."""
    groups = sorted(_equal_groups(values, relations, hidden), key=lambda g: g[0], reverse=True)
    groups = [g for _, g in groups if not any(is_small(values[k]) for k in g)]
    trials = [set(g) for g in groups]
    trials += [
        set(a) | set(b)
        for i, a in enumerate(groups)
        for b in groups[i + 1 :]
        if any(any(m in r.members for m in a) and any(m in r.members for m in b) for r in relations)
    ]
    for shown in trials:
        if not shown <= hidden:
            continue
        trial = hidden - shown
        if not exposed_cells(values, relations, trial, near=shown, first=True):
            hidden = trial
    return hidden


def _equal_groups(
    values: Mapping[Hashable, int], relations: Sequence[Relation], hidden: set[Hashable]
) -> list[tuple[tuple[int, str], list[Hashable]]]:
    """The hidden counts in groups that are equal by a relation (all other members zero),
    each with its largest member's order."""
    parent = {k: k for k in hidden}

    def root(k: Hashable) -> Hashable:
        while parent[k] != k:
            k = parent[k]
        return k

    for rel in relations:
        nonzero = [m for m in rel.members if values[m] != 0]
        if len(nonzero) == 2 and all(m in hidden for m in nonzero):
            parent[root(nonzero[0])] = root(nonzero[1])
    groups: dict[Hashable, list[Hashable]] = {}
    for k in hidden:
        groups.setdefault(root(k), []).append(k)
    return [(max(_order(values, k) for k in g), sorted(g, key=repr)) for g in groups.values()]


def _order(values: Mapping[Hashable, int], key: Hashable) -> tuple[int, str]:
    return (values[key], repr(key))


def _close(
    values: Mapping[Hashable, int], relations: Sequence[Relation], hidden: set[Hashable]
) -> None:
    """Hide, in every sum with exactly one hidden member, its smallest other non-zero member
    (a part before the total), until no sum has one."""
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(m in hidden for m in rel.members) != 1:
                continue
            parts = [p for p in rel.parts if p not in hidden and values[p] > 0]
            if not parts and rel.total not in hidden and values[rel.total] > 0:
                parts = [rel.total]
            if parts:
                hidden.add(min(parts, key=lambda k: _order(values, k)))
                changed = True


def _widen(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    hidden: set[Hashable],
    exposed: Sequence[Hashable],
) -> Hashable | None:
    """The smallest shown non-zero count in a sum with an exposed count (else in any sum with
    a hidden count): hiding it gives the exposed counts room."""
    near_exposed = set(exposed)
    for near in (near_exposed, hidden):
        shown = {
            m
            for r in relations
            if any(m in near for m in r.members)
            for m in r.members
            if m not in hidden and values[m] > 0
        }
        if shown:
            return min(shown, key=lambda k: _order(values, k))
    return None


def hidden_ranges(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    hidden: Iterable[Hashable],
    near: Iterable[Hashable] | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """The least and greatest value each hidden count can take given the shown counts and
    ``relations`` (linear programming; a hidden count is at least 1, since zeros are shown).
    The greatest is ``inf`` when nothing bounds it. Solved per group of hidden counts that
    share sums; with ``near``, only the groups sharing a sum with those keys."""
    return {
        k: (low, high)
        for own, group in _groups(values, relations, set(hidden), near)
        for k, low, high in _group_ranges(values, own, group)
    }


def _groups(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    hidden: set[Hashable],
    near: Iterable[Hashable] | None,
) -> Iterator[tuple[list[Relation], list[Hashable]]]:
    """Each group of hidden counts linked by sums (in order), with the sums touching it."""
    touching = [r for r in relations if any(m in hidden for m in r.members)]
    groups = _components(hidden, touching)
    if near is not None:
        near = set(near)
        wanted = {m for r in relations if near.intersection(r.members) for m in r.members}
        groups = [g for g in groups if g & (wanted | near)]
    for group in groups:
        own = [r for r in touching if any(m in group for m in r.members)]
        yield own, sorted(group, key=repr)


def _components(hidden: set[Hashable], relations: Sequence[Relation]) -> list[set[Hashable]]:
    """The hidden counts in groups linked by sums they share."""
    parent = {k: k for k in hidden}

    def root(k: Hashable) -> Hashable:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for rel in relations:
        members = [m for m in rel.members if m in hidden]
        for m in members[1:]:
            parent[root(m)] = root(members[0])
    groups: dict[Hashable, set[Hashable]] = {}
    for k in hidden:
        groups.setdefault(root(k), set()).add(k)
    return list(groups.values())


def _programme(
    values: Mapping[Hashable, int], relations: Sequence[Relation], unknown: list[Hashable]
):
    """The group's sums as ``A x = b`` over its hidden counts (None: no sum holds one)."""
    import numpy as np

    column = {k: i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for rel in relations:
        row = np.zeros(len(unknown))
        const = 0.0
        for sign, member in [(1, rel.total), *((-1, p) for p in rel.parts)]:
            if member in column:
                row[column[member]] += sign
            else:
                const -= sign * values[member]
        if row.any():
            rows.append(row)
            rhs.append(const)
    if not rows:
        return None
    return np.array(rows), np.array(rhs)


def _group_ranges(
    values: Mapping[Hashable, int], relations: Sequence[Relation], unknown: list[Hashable]
) -> Iterator[tuple[Hashable, float, float]]:
    programme = _programme(values, relations, unknown)
    if programme is None:
        yield from ((k, 1.0, math.inf) for k in unknown)
        return
    a_eq, b_eq = programme
    if len(unknown) == 1:
        pinned = _pinned(a_eq[:, 0], b_eq)
        if pinned is not None:
            yield unknown[0], pinned, pinned
            return
    bounds = _programme_bounds(a_eq.shape, a_eq.tobytes(), b_eq.tobytes())
    for k, (low, high) in zip(unknown, bounds, strict=True):
        yield k, low, high


def _group_exposed(
    values: Mapping[Hashable, int], relations: Sequence[Relation], unknown: list[Hashable]
) -> list[Hashable]:
    """The group's hidden counts that :func:`_gives_away` marks by their ranges, in order.
    A group of several counts under several sums is decided from feasible points
    (:func:`_programme_exposed`) rather than by every count's two programmes; the others
    from their ranges, which need no programme."""
    programme = _programme(values, relations, unknown)
    if programme is not None and programme[0].shape[0] > 1 and len(unknown) > 1:
        a_eq, b_eq = programme
        point = np.array([float(values[k]) for k in unknown])
        # the published counts must obey the sums (else the programmes say they cannot)
        if np.abs(a_eq @ point - b_eq).max() <= _TOLERANCE and point.min() >= 1:
            given = _programme_exposed(a_eq.shape, a_eq.tobytes(), b_eq.tobytes(), point.tobytes())
            return [unknown[i] for i in given]
    ranges = _group_ranges(values, relations, unknown)
    return [k for k, low, high in ranges if _gives_away(low, high)]


@lru_cache(maxsize=4096)
def _programme_bounds(
    shape: tuple[int, int], a_bytes: bytes, b_bytes: bytes
) -> tuple[tuple[float, float], ...]:
    """Each unknown's least and greatest value under ``A x = b``, ``x >= 1`` (the matrices
    as bytes, so that a programme met again is not solved again: the audit asks about the
    same group many times while it widens and prunes, and its answer depends on nothing
    else)."""
    import numpy as np
    from scipy.optimize import linprog

    a_eq = np.frombuffer(a_bytes).reshape(shape)
    b_eq = np.frombuffer(b_bytes)
    if shape[0] == 1:
        solved = _one_sum_bounds([float(a) for a in a_eq[0]], float(b_eq[0]))
        if solved is not None:
            return solved
    out = []
    for i in range(shape[1]):
        bound = []
        for sign in (1, -1):
            c = np.zeros(shape[1])
            c[i] = sign
            res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
            if res.status == 3:  # unbounded
                bound.append(math.inf)
            elif res.status != 0:
                raise ValueError(f"the published sums admit no solution: {res.message}")
            else:
                bound.append(sign * res.fun)
        out.append((bound[0], bound[1]))
    return tuple(out)


@lru_cache(maxsize=4096)
def _programme_exposed(
    shape: tuple[int, int], a_bytes: bytes, b_bytes: bytes, point_bytes: bytes
) -> tuple[int, ...]:
    """The unknowns :func:`_gives_away` marks by their :func:`_programme_bounds`, without
    solving most of their programmes (the audit needs a yes or no per count, not its range).

    An unknown that no direction along which the sums stay true moves is fixed by them, at
    its published value: given away. Any feasible point is a certificate: an unknown that two
    put at whole numbers ``u < v`` with ``v >= 6`` ranges at least from ``u`` to ``v``: not
    given away. The points are the published counts (``point``), walks from them along the
    free directions to the edge ``x >= 1``, and a few programmes pushing the undecided up and
    down. Only what stays undecided has its own programmes solved, with the very calls of
    :func:`_programme_bounds` (so the same answers): the marked unknowns are its bounds'.
    """
    from scipy.optimize import linprog

    a_eq = np.frombuffer(a_bytes).reshape(shape)
    b_eq = np.frombuffer(b_bytes)
    n = shape[1]
    most = np.full(n, -np.inf)  # the greatest value of each unknown among the points found
    least = np.full(n, np.inf)

    def found(x: np.ndarray | None) -> None:
        # a point off the sums by more than the solver's tolerance proves nothing: dropped
        if x is None or x.min() < 1 - _TOLERANCE:
            return
        if np.abs((a_eq * x).sum(axis=1) - b_eq).max() > _TOLERANCE:
            return
        np.maximum(most, x, out=most)
        np.minimum(least, x, out=least)

    def decided(high: np.ndarray) -> np.ndarray:
        # not given away: a whole number >= 6 reached, and a smaller whole number reached
        top = np.floor(high + _TOLERANCE)
        return (top > SMALL[-1]) & (top > np.ceil(least - _TOLERANCE))

    point = np.frombuffer(point_bytes)
    found(point)
    # directions along which the sums stay true: an unknown none of them moves is fixed by
    # the sums alone, at its published value (both of its programmes find that value, which
    # gives it away); walking from the published counts along them gives free points
    free = _free_directions(a_eq)
    fixed = np.abs(free).max(axis=1, initial=0.0) < 1e-9
    walks = free.shape[1]
    rng = np.random.default_rng(0)
    steps = [free[:, k] for k in range(walks)]
    steps += [(free * rng.standard_normal(walks)).sum(axis=1) for _ in range(4 if walks > 1 else 0)]
    for step in steps:
        for way in (step, -step):
            down = way < -1e-12
            reach = ((point[down] - 1) / -way[down]).min(initial=np.inf)
            reach = min(reach, 2 * (np.abs(b_eq).sum() + point.sum() + 6) / np.abs(way).max())
            found(point + reach * way)
    open_ = ~decided(most) & ~fixed
    # push the undecided up (within a cap, so that the programme is bounded: its points are
    # the group's too), then down, twice, unless a round down decided none
    cap = 2 * (np.abs(b_eq).sum() + SMALL[-1] + 1)
    for sign in (-1, 1, -1, 1):
        if not open_.any():
            break
        res = linprog(
            sign * open_.astype(float), A_eq=a_eq, b_eq=b_eq, bounds=(1, cap), method="highs"
        )
        before = open_.sum()
        found(res.x if res.status == 0 else None)
        open_ &= ~decided(most)
        if open_.sum() == before and sign == 1:
            break
    given = [int(i) for i in np.flatnonzero(fixed)]
    for i in np.flatnonzero(open_):
        c = np.zeros(n)
        c[i] = -1
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        if res.status == 3:  # unbounded above: not given away
            continue
        if res.status != 0:
            raise ValueError(f"the published sums admit no solution: {res.message}")
        found(res.x)
        high = -res.fun
        top = math.floor(high + _TOLERANCE)
        if top > SMALL[-1] and top > math.ceil(least[i] - _TOLERANCE):
            continue  # its greatest value and a point's lower one: not given away
        if top <= SMALL[-1]:
            given.append(int(i))
            continue
        c[i] = 1
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        if res.status != 0:
            raise ValueError(f"the published sums admit no solution: {res.message}")
        found(res.x)
        if _gives_away(res.fun, high):
            given.append(int(i))
    return tuple(sorted(given))


def _free_directions(a_eq: np.ndarray) -> np.ndarray:
    """A basis (one per column) of the directions ``d`` with ``A d = 0``, from ``A``'s reduced
    row echelon form: one per column without a pivot. Eliminated by elementwise steps, not
    LAPACK: its threads' spinning cost more CPU than a small group's programmes. A pivot
    within rounding of 0 is taken as none, which errs on the safe side (a direction that is
    not free: walks along it leave the sums, and their points are dropped)."""
    reduced = a_eq.astype(float)
    rows, columns = reduced.shape
    pivots: list[int] = []
    for column in range(columns):
        row = len(pivots)
        if row == rows:
            break
        best = row + int(np.abs(reduced[row:, column]).argmax())
        if abs(reduced[best, column]) <= 1e-9:
            continue
        reduced[[row, best]] = reduced[[best, row]]
        reduced[row] /= reduced[row, column]
        factors = reduced[:, column].copy()
        factors[row] = 0.0
        reduced -= np.multiply.outer(factors, reduced[row])
        pivots.append(column)
    others = [c for c in range(columns) if c not in set(pivots)]
    basis = np.zeros((columns, len(others)))
    for k, column in enumerate(others):
        basis[column, k] = 1.0
        basis[pivots, k] = -reduced[: len(pivots), column]
    return basis


def _one_sum_bounds(
    coefficients: Sequence[float], rhs: float
) -> tuple[tuple[float, float], ...] | None:
    """The bounds :func:`_programme_bounds` finds when the hidden counts share one sum
    (``sum(a_j x_j) = b``, every ``x_j >= 1``), read off it: each other term ``a_j x_j``
    lies in ``[a_j, inf)`` or ``(-inf, a_j]`` by its sign, so their total lies in an
    interval, and ``x_k = (b - total) / a_k``. Most of a report's groups are one sum;
    solving each by linear programming was most of the audit's time. None when the sum
    admits no solution: the programme then says so in its own words."""
    out = []
    for k, a_k in enumerate(coefficients):
        others = [a for j, a in enumerate(coefficients) if j != k and a != 0]
        if a_k == 0:  # in the group through a sum in which it cancels: nothing bounds it
            out.append((1.0, math.inf))
            continue
        least = -math.inf if any(a < 0 for a in others) else sum(others)
        most = math.inf if any(a > 0 for a in others) else sum(others)
        ends = sorted(((rhs - most) / a_k, (rhs - least) / a_k))
        low, high = max(1.0, ends[0]), ends[1]
        if high < low - _TOLERANCE:
            return None
        out.append((low, high))
    return tuple(out)


def _pinned(coefficients: Sequence[float], rhs: Sequence[float]) -> float | None:
    """The value of a lone hidden count that its sums fix (each says ``a * x = b``), when
    they agree and it is at least 1: what the linear programme would find, without solving
    it (most groups are one count; their programmes were most of a report's audit). None
    when they disagree or leave it below 1: the programme then reports it as it always has."""
    solutions = [b / a for a, b in zip(coefficients, rhs, strict=True)]
    value = float(solutions[0])
    if value < 1 or any(abs(float(v) - value) > 1e-9 for v in solutions[1:]):
        return None
    return value


def exposed_cells(
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    hidden: Iterable[Hashable],
    near: Iterable[Hashable] | None = None,
    first: bool = False,
) -> list[Hashable]:
    """Hidden counts the shown ones give away: pinned to one whole number, or to whole
    numbers inside 1 to 5 (with ``near``: among the groups sharing a sum with those; with
    ``first``: stop at the first found)."""
    out = []
    for own, group in _groups(values, relations, set(hidden), near):
        out += _group_exposed(values, own, group)
        if first and out:
            out = out[:1]
            break
    return sorted(out, key=repr)


def _gives_away(low: float, high: float) -> bool:
    if math.isinf(high):
        return False
    least, most = math.ceil(low - _TOLERANCE), math.floor(high + _TOLERANCE)
    return most <= SMALL[-1] or most == least


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` with a ``Total`` column and a ``Total`` row."""
    table = counts.copy()
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    return table.astype("int64")


def table_relations(table: pd.DataFrame) -> list[Relation]:
    """The sums a table with a ``Total`` row and/or column publishes: each line's total is
    the sum of its other cells."""
    relations = []
    if TOTAL in table.columns:
        parts = tuple(c for c in table.columns if c != TOTAL)
        relations += [Relation((i, TOTAL), tuple((i, c) for c in parts)) for i in table.index]
    if TOTAL in table.index:
        parts = tuple(i for i in table.index if i != TOTAL)
        relations += [Relation((TOTAL, c), tuple((i, c) for i in parts)) for c in table.columns]
    return relations


def suppression_mask(table: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Which cells of one table with a total row and/or column are hidden for ``audience``
    (the table alone: a report solves all its tables together, see ``report.ledger``)."""
    values = {(i, c): int(table.loc[i, c]) for i in table.index for c in table.columns}
    hidden = suppress(values, table_relations(table), audience)
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for i, c in hidden:
        mask.loc[i, c] = True
    return mask


def display_table(counts: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Counts with totals as text for publication: ``c`` where hidden, thousands separated."""
    table = with_totals(counts)
    hidden = suppression_mask(table, audience)
    shown = table.map(lambda v: f"{int(v):,}")
    return shown.mask(hidden, SUPPRESSED)


def display_shares(counts: pd.Series, audience: str) -> pd.DataFrame:
    """One column of counts with its total and each count's share of the total.

    Returns columns ``count`` and ``share`` (text), with a ``Total`` row.
    """
    table = counts.to_frame("count").astype("int64")
    table.loc[TOTAL] = table["count"].sum()
    hidden = suppression_mask(table, audience)["count"]
    total = int(table.loc[TOTAL, "count"])
    out = pd.DataFrame(index=table.index)
    out["count"] = [
        SUPPRESSED if hidden[k] else f"{int(table.loc[k, 'count']):,}" for k in table.index
    ]
    out["share"] = [
        SUPPRESSED
        if hidden[k]
        else ("n/a" if total == 0 else f"{100 * table.loc[k, 'count'] / total:.1f}%")
        for k in table.index
    ]
    return out


_COUNT_WORDS = re.compile(
    r"(?<![\d.,])([1-5])(?![\d.,%])\s+(?:child|children|plans?|cases?|referrals?|young people|"
    r"care leavers?|reviews?|assessments?|conferences?)\b",
    re.IGNORECASE,
)


def small_counts_in_text(text: str) -> list[str]:
    """Phrases stating a count of 1 to 5 ("3 children"), for checking published text."""
    return [m.group(0) for m in _COUNT_WORDS.finditer(text)]


def small_cells(cells: Iterable[str]) -> list[str]:
    """Table cells that are a bare count from 1 to 5."""
    return [c for c in cells if re.fullmatch(r"\s*[1-5]\s*", c or "")]
