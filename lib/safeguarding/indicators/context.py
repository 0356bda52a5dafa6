"""What a rule works on and how it is registered: the :class:`RuleContext` (the data, each
authority's position, ids numbered once, a memo for work shared between periods), the
:class:`Tally` a rule returns, the registry (:func:`rule`, ``RULES``) and dated events
counted in a window (:class:`_Events`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..exceptions import MissingParam
from .days import Days, _d, _day_order, _days

# The tables whose ``child_id`` keys every rule reading them shares: one numbering (one
# hashing pass over the ids) however many rules join which of them. A rule asking for keys
# over some of these tables gets the shared numbering, in which equal ids are equal keys
# just the same. ``la_episodes`` comes first, so its children keep the order of their first
# appearance in it (the order of cohort lists).
SHARED_KEYS = {
    "child_id": (
        "la_episodes",
        "children",
        "la_reviews",
        "sw_episodes",
        "dolo",
        "missing_episodes",
        "referrals",
        "early_help",
    ),
}


@dataclass(frozen=True)
class Tally:
    """Per authority (``ctx.authorities`` order): numerator, and denominator for proportions."""

    numerator: np.ndarray
    denominator: np.ndarray | None = None


def authority_runs(column: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The authority column as runs of equal codes: (per run, the index of its authority among
    the distinct codes returned, -1 blank; per run, its length; the distinct codes).

    Records come in long runs of one authority (returns are stacked authority by
    authority), so only the first row of each run is hashed: a national data set's 21
    million authority cells cost one comparison each. Any order gives the same answer.
    """
    values = column.to_numpy(dtype=object)
    if not len(values):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), []
    change = np.empty(len(values), dtype=bool)
    change[0] = True
    try:
        np.not_equal(values[1:], values[:-1], out=change[1:])
    except TypeError:  # pd.NA has no truth value: hash every row instead
        codes, distinct = pd.factorize(column)
        ones = np.ones(len(codes), dtype=np.int64)
        return codes.astype(np.int64), ones, [str(c) for c in distinct]
    heads = np.flatnonzero(change)
    codes, distinct = pd.factorize(values[heads])
    runs = np.diff(np.r_[heads, len(values)])
    return codes.astype(np.int64), runs, [str(c) for c in distinct]


def authority_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Per row: the index of its authority among the distinct codes returned (-1: blank);
    see :func:`authority_runs`."""
    codes, runs, distinct = authority_runs(column)
    return np.repeat(codes, runs), distinct


class RuleContext:
    """The data a batch of rules reads, with a memo for work shared between periods."""

    def __init__(self, data: DataSet, authorities: list[str] | None = None):
        self.data = data
        self.authorities = list(authorities if authorities is not None else data.authorities)
        self._memo: dict[Any, Any] = {}
        self._scratch = np.empty(0, dtype=np.int64)  # see :meth:`count_distinct`

    def table(self, name: str) -> pd.DataFrame:
        return self.data.table(name)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per key (e.g. per table and parameter set) and keep the result."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def authority_runs(self, table: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """:func:`authority_runs` of ``table`` (prepared once)."""
        return self.memo(
            ("authority_runs", table), lambda: authority_runs(self.table(table)["authority"])
        )

    def authority_codes(self, table: str) -> tuple[np.ndarray, list[str]]:
        """Per row of ``table``: the index of its authority among the table's distinct
        codes (-1: blank), and those codes (see :func:`authority_codes`)."""
        codes, runs, distinct = self.authority_runs(table)
        return np.repeat(codes, runs), distinct

    def _positions(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """Per run of ``table``'s authority column: the position of its authority (-1: blank
        or not in ``self.authorities``), and the runs' lengths."""
        codes, runs, distinct = self.authority_runs(table)
        position = {code: i for i, code in enumerate(self.authorities)}
        lookup = np.array([position.get(c, -1) for c in distinct] + [-1], dtype=np.int64)
        return lookup[codes], runs

    def auth(self, table: str) -> np.ndarray:
        """Per row of ``table``: the position of its authority (prepared once; -1: blank or
        not in ``self.authorities``)."""
        return self.memo(("auth", table), lambda: np.repeat(*self._positions(table)))

    def present(self, table: str) -> np.ndarray:
        """Per authority: True when ``table`` has a row of it (from the runs alone)."""
        found = np.zeros(len(self.authorities) + 1, dtype=bool)
        found[self._positions(table)[0] + 1] = True
        return found[1:]

    def dates(self, table: str, column: str) -> Days:
        """A date column of ``table`` as ``datetime64[D]`` (prepared once)."""
        return self.memo(("dates", table, column), lambda: _days(self.table(table)[column]))

    def keys(self, column: str, table: str, vocabulary: tuple[str, ...]) -> np.ndarray:
        """Per row of ``table``: an integer for (authority, ``column``), shared by every table
        in ``vocabulary`` so that equal ids in different tables get equal keys (-1: blank).

        Ids are only unique within an authority, so they are numbered authority by authority:
        many small hash tables rather than one over every record (several times faster for a
        national data set, whose one table would not fit in the processor's caches). Keys
        over tables of :data:`SHARED_KEYS` share that wider numbering. A key belongs to one
        authority: that of every row holding it.
        """
        shared = SHARED_KEYS.get(column, ())
        if set(vocabulary) <= set(shared):
            vocabulary = shared

        def build() -> dict[str, np.ndarray]:
            names = [t for t in vocabulary if self.data.has(t)]
            if not names:
                return {}
            n = len(self.authorities)
            values, auths = [], []
            for name in names:
                ids = self.table(name)[column]
                if not isinstance(ids.dtype, pd.StringDtype):
                    ids = ids.astype("string")  # 123 and "123" are the same id
                values.append(ids.to_numpy(dtype=object))
                auths.append(self.auth(name))
            # Every table's rows in one array, ordered by authority (a stable sort: within an
            # authority, the first table's rows in their order, then the next table's), so
            # that each authority's ids are one slice, numbered without copying them again.
            # Small integers sort by radix: linear in rows.
            auth = np.concatenate(auths)
            order = np.argsort(auth.astype(np.int16 if n < 2**15 else np.int64), kind="stable")
            ordered = np.concatenate(values)[order]
            bounds = np.searchsorted(auth[order], np.arange(n + 1))
            numbered = np.full(len(order), -1, dtype=np.int64)  # rows of no authority: -1
            offset = 0
            for i in range(n):
                local, distinct = pd.factorize(ordered[bounds[i] : bounds[i + 1]])
                numbered[bounds[i] : bounds[i + 1]] = np.where(local >= 0, local + offset, -1)
                offset += len(distinct)
            every = np.empty(len(order), dtype=np.int64)
            every[order] = numbered
            return dict(
                zip(names, np.split(every, np.cumsum([len(v) for v in values])[:-1]), strict=True)
            )

        found = self.memo(("keys", column, vocabulary), build)
        return found[table] if table in found else np.empty(0, dtype=np.int64)

    def factorised(self, table: str, column: str) -> tuple[np.ndarray, Any]:
        """``pd.factorize`` of ``column`` of ``table`` (prepared once; code -1: blank)."""

        def build() -> tuple[np.ndarray, Any]:
            values = self.table(table)[column]
            if isinstance(values.dtype, pd.StringDtype):
                # the same codes and uniques, faster from the strings themselves than
                # through the string array's own factorize
                return pd.factorize(values.to_numpy(dtype=object))
            return pd.factorize(values)

        return self.memo(("factorised", table, column), build)

    def flag(self, table: str, column: str, test: Callable[[str], bool]) -> np.ndarray:
        """Per row: ``test`` on the code in ``column`` (stripped, upper case; blank = '').

        The column is factorised once, so ``test`` runs per distinct code, not per record.
        """
        codes, uniques = self.factorised(table, column)
        results = [bool(test(str(u).strip().upper())) for u in uniques] + [bool(test(""))]
        return np.asarray(results, dtype=bool)[codes]  # code -1 (blank) takes the last

    def codes(self, authority: pd.Series) -> np.ndarray:
        """Position of each row's authority in ``self.authorities`` (-1 if not there)."""
        codes, distinct = authority_codes(authority)
        position = {code: i for i, code in enumerate(self.authorities)}
        return np.array([position.get(c, -1) for c in distinct] + [-1], dtype=np.int64)[codes]

    def events(
        self, table: str, column: str, auth: np.ndarray | None = None, hit: np.ndarray | None = None
    ) -> Dated:
        """:meth:`dated` for the rows of ``table`` dated by ``column`` (``auth`` defaults to
        the rows' authority positions; -1 leaves a row out)."""
        auth = self.auth(table) if auth is None else auth
        return self.dated(auth, self.dates(table, column), hit)

    def dated(
        self, auth: np.ndarray, date: Days, hit: np.ndarray | None = None
    ) -> Dated:
        """Dated records (``auth`` -1 or no date: left out; ``hit``: the numerator's), ready
        to be counted in windows: per authority and day when the dates span few enough days
        (:class:`_DayCounts`: no sort), else sorted by date (:class:`_Events`)."""
        date = np.asarray(date, dtype="datetime64[D]")
        valid = ~np.isnat(date) & (auth >= 0)
        n = len(self.authorities)
        if not valid.any():
            return _Events.of(auth, date, hit)
        day = date.view(np.int64)
        low = int(day.min(where=valid, initial=np.iinfo(np.int64).max))
        span = int(day.max(where=valid, initial=np.iinfo(np.int64).min)) - low + 1
        if n * span > max(4 * len(date), 2**21):  # a few absurd dates: sort instead
            return _Events.of(auth, date, hit)
        # in place: each temporary of a national table is tens of megabytes; rows left out go
        # to one cell past the table (their wrapped arithmetic is discarded)
        cell = auth.astype(np.int64) * span
        cell += day
        cell -= low
        np.putmask(cell, ~valid, n * span)
        hits = None
        if hit is not None:
            hits = _DayCounts.cumulative(np.where(hit, cell, n * span), n, span)
        return _DayCounts(low, _DayCounts.cumulative(cell, n, span), hits)

    def count_distinct(self, key: np.ndarray, auth: np.ndarray) -> Tally:
        """Per authority: the distinct ``key`` values (keys from :meth:`keys`, each of which
        belongs to one authority; -1 and rows of no authority left out).

        Linear, with no sort: each key's slot of a scratch array (as long as the largest key,
        kept between calls) is written with the position of one of its rows, and the rows
        that find their own position there are one per key. Only slots written in this call
        are read, so what earlier calls left in the array does not matter.
        """
        keep = (key >= 0) & (auth >= 0)
        key, auth = key[keep], auth[keep]
        n = len(self.authorities)
        if not len(key):
            return Tally(np.zeros(n, dtype=np.int64))
        size = int(key.max()) + 1
        if len(self._scratch) < size:
            self._scratch = np.empty(size, dtype=np.int64)
        at = np.arange(len(key))
        self._scratch[key] = at
        return Tally(np.bincount(auth[self._scratch[key] == at], minlength=n))

    def count(self, auth: np.ndarray) -> Tally:
        auth = auth[auth >= 0]
        return Tally(np.bincount(auth, minlength=len(self.authorities)))

    def proportion(self, auth: np.ndarray, hit: np.ndarray) -> Tally:
        keep = auth >= 0
        auth, hit = auth[keep], np.asarray(hit, dtype=bool)[keep]
        n = len(self.authorities)
        return Tally(np.bincount(auth[hit], minlength=n), np.bincount(auth, minlength=n))


RuleFn = Callable[[RuleContext, pd.Timestamp, pd.Timestamp, Mapping[str, Any]], Tally]


Span = Callable[[pd.Timestamp, pd.Timestamp, Mapping[str, Any]], tuple[pd.Timestamp, pd.Timestamp]]


def _window(start: pd.Timestamp, end: pd.Timestamp, params: Mapping[str, Any]):
    return start, end


@dataclass(frozen=True)
class Rule:
    """A registered rule: what it reads (tables; columns whose absence makes it not
    computable) and the dates its figure depends on (``span``: the window, or further back
    for a rule that looks back from a snapshot). ``as_at``: per table, the columns read as
    they stood on the snapshot date, which an in-year extract gives only as at its own date
    (``DataSet.as_at``); ``as_at_only``: those columns exist in no other input."""

    name: str
    func: RuleFn
    tables: Callable[[Mapping[str, Any]], tuple[str, ...]]  # tables read, given the params
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    span: Span = _window
    as_at: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    as_at_only: bool = False


RULES: dict[str, Rule] = {}


def rule(
    name: str,
    tables: tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]],
    reads: Mapping[str, tuple[str, ...]] | None = None,
    span: Span | None = None,
    as_at: Mapping[str, tuple[str, ...]] | None = None,
    as_at_only: bool = False,
):
    """Register a rule under the name the catalogue uses. ``reads``: per table, the
    optional columns the rule reads (an input without one of them makes the figure not
    computable rather than read as blank); ``span``, ``as_at``: see :class:`Rule`."""

    def register(func: RuleFn) -> RuleFn:
        needs = tables if callable(tables) else (lambda _params, t=tuple(tables): t)
        RULES[name] = Rule(
            name, func, needs, dict(reads or {}), span or _window, dict(as_at or {}), as_at_only
        )
        return func

    return register


def param(params: Mapping[str, Any], name: str) -> Any:
    try:
        return params[name]
    except KeyError:
        raise MissingParam(name) from None


@dataclass(frozen=True)
class _DayCounts:
    """Dated records counted per authority and day, cumulatively (``total[a, k]``: records
    of authority ``a`` dated before day ``low + k``), so a window is two look-ups per
    authority: built in one pass over the records, without sorting them."""

    low: int  # the first day, as days since 1970-01-01
    total: np.ndarray  # (authorities, days + 1)
    hits: np.ndarray | None  # the same for the numerator's records; None: a count

    @staticmethod
    def cumulative(cell: np.ndarray, n: int, span: int) -> np.ndarray:
        """(n, span + 1): per authority, the records before each day, from each record's cell
        (``authority * span + day``; ``n * span``: left out)."""
        counts = np.bincount(cell, minlength=n * span + 1)[: n * span].reshape(n, span)
        out = np.zeros((n, span + 1), dtype=np.int64)
        np.cumsum(counts, axis=1, out=out[:, 1:])
        return out

    def tally(self, ctx: RuleContext, start: pd.Timestamp, end: pd.Timestamp) -> Tally:
        span = self.total.shape[1] - 1
        lo = min(max(int(_d(start).astype(np.int64)) - self.low, 0), span)
        hi = min(max(int(_d(end).astype(np.int64)) - self.low + 1, lo), span)
        count = self.total[:, hi] - self.total[:, lo]
        if self.hits is None:
            return Tally(count)
        return Tally(self.hits[:, hi] - self.hits[:, lo], count)


@dataclass(frozen=True)
class _Events:
    """Dated records sorted by date, so a window is two binary searches, not a scan."""

    auth: np.ndarray
    date: Days
    hit: np.ndarray | None  # None: a count

    @classmethod
    def of(cls, auth: np.ndarray, date: Days, hit: np.ndarray | None = None) -> _Events:
        rows = np.flatnonzero(~np.isnat(date) & (auth >= 0))
        rows = rows[_day_order(date[rows])]
        return cls(auth[rows], date[rows], None if hit is None else np.asarray(hit, bool)[rows])

    def tally(self, ctx: RuleContext, start: pd.Timestamp, end: pd.Timestamp) -> Tally:
        lo = np.searchsorted(self.date, _d(start), side="left")
        hi = np.searchsorted(self.date, _d(end), side="right")
        if self.hit is None:
            return ctx.count(self.auth[lo:hi])
        return ctx.proportion(self.auth[lo:hi], self.hit[lo:hi])


Dated = _Events | _DayCounts  # records counted in windows (``RuleContext.dated``)
