"""Compute catalogue indicators from a :class:`DataSet` for many authorities and periods.

The engine loops over indicators and periods only; each rule (``rules.py``) works on every
authority and child at once. Values are rounded to the indicator's decimals; numerators and
denominators are whole numbers. Empty (NaN) values, never 0, where a figure is not
computable:

- a table the indicator reads is absent from the data set (``data.has`` false) — the whole
  indicator; or, in a data set holding several authorities, the table has rows but none for
  this authority (its return was not supplied) — that authority. Numerator and denominator
  are empty too;
- the definition does not apply in the period's year (``valid_from``/``valid_to``) or has no
  version yet — numerator and denominator empty;
- the denominator is 0 (nothing to measure) — numerator and denominator shown as 0;
- a rate whose authority has no population estimate for the year or an earlier one;
- the period's window reaches outside the dates an in-year extract covers (``DataSet.coverage``,
  e.g. Ofsted's Annex A), or the extract cannot feed the rule at all.

Rates per 10,000 (``unit: rate_per_10000``) divide the rule's count by the ``population``
table's mid-year estimate for the calendar year the financial year starts in (2011 for
2011-12), else the latest earlier year; the population is reported as the denominator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalogue import Catalogue, Indicator
from ..catalogue import catalogue as builtin_catalogue
from ..dataset import DataSet, without_window
from ..exceptions import MissingParam, ParameterError, UnknownName
from ..periods import WINDOWS, Period, parse_period
from ..validation import InputError, Issue
from .context import RULES, RuleContext

COLUMNS = ["authority", "indicator", "period", "value", "numerator", "denominator"]
RECORD_TABLES_EXCLUDED = ("population",)  # reference data: never decides which LAs are in


@dataclass(frozen=True)
class NotComputable:
    """Why one authority's figure for one indicator and period is empty."""

    authority: str
    indicator: str
    period: str
    reason: str


def explain(
    notes: Iterable[NotComputable], with_authority: bool = True, with_dates: bool = True
) -> list[str]:
    """One line per indicator and reason, naming the periods (and the authorities);
    ``with_dates=False`` leaves out the dates each figure reads, so that one reason covers
    every period it holds for (the report's data-quality note)."""
    grouped: dict[tuple[str, str], tuple[dict, dict]] = {}
    for n in notes:
        reason = n.reason if with_dates else without_window(n.reason)
        periods, authorities = grouped.setdefault((n.indicator, reason), ({}, {}))
        periods[n.period] = None
        authorities[n.authority] = None
    lines = []
    for (indicator, reason), (periods, authorities) in grouped.items():
        who = f" (authority {', '.join(authorities)})" if with_authority else ""
        lines.append(f"{indicator} for {', '.join(periods)}{who}: not computable: {reason}")
    return lines


@dataclass(frozen=True)
class Result:
    """One authority's figure for one indicator and period."""

    authority: str
    indicator: Indicator
    period: Period
    value: float | None
    numerator: int | None
    denominator: int | None

    @property
    def computable(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        return self.indicator.format(self.value)


def _as_periods(periods: str | Period | Iterable[str | Period]) -> list[Period]:
    if isinstance(periods, str | Period):
        periods = [periods]
    return [parse_period(p) for p in periods]


def _record_authorities(data: DataSet, ctx: RuleContext | None = None) -> list[str]:
    """The authorities with records, sorted (``ctx`` keeps each table's authority codes for
    the rules)."""
    ctx = ctx if ctx is not None else RuleContext(data, [])
    codes: set[str] = set()
    for name, frame in data.tables.items():
        if name not in RECORD_TABLES_EXCLUDED and len(frame):
            codes.update(ctx.authority_runs(name)[2])
    return sorted(codes)


def _rule_error(ind: Indicator, message: str, rule_name: str) -> InputError:
    return InputError(
        [
            Issue(
                "error",
                "indicator catalogue",
                rule_name,
                f"indicator {ind.id!r}: {message}",
                column="rule",
                value=ind.rule,
            )
        ]
    )


class _Engine:
    def __init__(self, data: DataSet):
        self.data = data
        self.ctx = RuleContext(data, [])
        self.authorities = _record_authorities(data, self.ctx)
        self.ctx.authorities = self.authorities
        self._covered: dict[str, np.ndarray] = {}
        self._population: pd.DataFrame | None = None
        self._population_by_year: dict[int, np.ndarray] = {}
        self.notes: list[NotComputable] = []

    def blocked(self, ind: Indicator, period: Period, window: str | None, rule, params) -> list:
        """Per authority: the reason its figure cannot be computed (None: it can), from
        absent columns and the windows the returns cover."""
        reasons: list[str | None] = [None] * len(self.authorities)
        if not self.data.absent and not self.data.coverage and not rule.as_at_only:
            return reasons
        tables = sorted(set(ind.tables) | set(rule.tables(params)))
        start, end = period.window(window or ind.window)
        first, last = rule.span(pd.Timestamp(start), pd.Timestamp(end), params)
        for i, code in enumerate(self.authorities):
            reasons[i] = next(
                (
                    why
                    for table, columns in rule.as_at.items()
                    for column in columns
                    if (why := self.data.as_at(code, table, column, last.date(), rule.as_at_only))
                ),
                None,
            )
            if reasons[i]:
                continue
            for table in tables:
                gone = [c for c in rule.reads.get(table, ()) if self.data.lacks(code, table, c)]
                if gone:
                    reasons[i] = (
                        f"the {table} input has no {', '.join(repr(c) for c in gone)} column "
                        "(an absent column is not read as blank)"
                    )
                    break
                why = self.data.covers(code, table, first.date(), last.date(), ind.rule)
                if why:
                    reasons[i] = why
                    break
        return reasons

    def covered(self, table: str) -> np.ndarray:
        """Per authority: True when its records of ``table`` were supplied."""
        if table not in self._covered:
            n = len(self.authorities)
            if not self.data.has(table):
                found = np.zeros(n, dtype=bool)
            elif table in RECORD_TABLES_EXCLUDED or not len(self.data.tables[table]):
                # reference data, or a table supplied with no rows at all: everyone is covered
                found = np.ones(n, dtype=bool)
            else:
                found = self.ctx.present(table)
            self._covered[table] = found
        return self._covered[table]

    def population(self, year: int) -> np.ndarray:
        """Children 0-17 per authority: ``year``'s estimate, else the latest earlier one (NaN
        where there is none)."""
        if self._population is None:
            pop = self.data.table("population").astype({"authority": str})
            pop = pop[pop["year"].notna() & pop["population"].notna()]
            self._population = pop.sort_values(["authority", "year"])
        if year not in self._population_by_year:  # a year's quarters ask for it again
            pop = self._population[self._population["year"] <= year]
            latest = pop.groupby("authority")["population"].last()
            self._population_by_year[year] = latest.reindex(self.authorities).to_numpy(
                dtype="float64", na_value=np.nan
            )
        return self._population_by_year[year].copy()

    def one(
        self, ind: Indicator, period: Period, window: str | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(value, numerator, denominator) per authority; NaN where empty."""
        n = len(self.authorities)
        value, numerator, denominator = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        empty = (value, numerator, denominator)
        if ind.rule is None or not ind.applies_to(period):
            return empty
        if ind.rule not in RULES:
            raise _rule_error(
                ind,
                f"unknown rule {ind.rule!r}; known rules: {', '.join(sorted(RULES))}",
                "known-rule",
            )
        rule = RULES[ind.rule]
        version = ind.version_for(period)
        if version is None and ind.versions:
            return empty  # before the first definition
        params = version.params if version is not None else {}
        covered = np.ones(n, dtype=bool)
        for table in sorted(set(ind.tables) | set(rule.tables(params))):
            covered &= self.covered(table)
        if not covered.any():
            return empty
        reasons = self.blocked(ind, period, window, rule, params)
        for code, reason, ok in zip(self.authorities, reasons, covered, strict=True):
            if reason and ok:
                self.notes.append(NotComputable(code, ind.id, period.label, reason))
        covered &= np.array([r is None for r in reasons], dtype=bool)
        if not covered.any():
            return empty
        start, end = period.window(window or ind.window)
        try:
            tally = rule.func(self.ctx, pd.Timestamp(start), pd.Timestamp(end), params)
        except MissingParam as exc:
            raise _rule_error(
                ind,
                f"rule {ind.rule!r} needs the parameter {exc.args[0]!r} in the versions' params "
                f"for {period.fy_label}",
                "rule-params",
            ) from None
        count = tally.numerator.astype("float64")
        if ind.unit == "rate_per_10000":
            pop = self.population(period.year)
            denominator = pop
            with np.errstate(divide="ignore", invalid="ignore"):
                raw = np.where(pop > 0, count / pop * 10_000, np.nan)
        elif ind.unit == "count":
            raw = count
        elif tally.denominator is not None:
            denominator = tally.denominator.astype("float64")
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(denominator > 0, count / denominator, np.nan)
            raw = share * 100 if ind.unit == "percent" else share  # "days": a mean
        else:
            raw = np.full(n, np.nan)  # a count rule cannot give a proportion
        value = _round_all(ind, raw)
        return (
            np.where(covered, value, np.nan),
            np.where(covered, count, np.nan),
            np.where(covered, denominator, np.nan),
        )


def _round(ind: Indicator, value: float) -> float:
    if value is None or math.isnan(value):
        return math.nan
    return float(ind.round(float(value)))


def _round_all(ind: Indicator, raw: np.ndarray) -> np.ndarray:
    """:func:`_round` of every value, the same floats, without a decimal per value.

    Whole numbers (counts) are their own rounding. A value whose scaled form (times
    10**decimals, below 1e8) is further than 1e-6 from a half is no tie, so rounding to the
    nearest whole and dividing back gives the decimal rounding's float exactly (both steps
    are exact or correctly rounded); near-ties and the rest take the decimal rounding.
    """
    raw = np.asarray(raw, dtype="float64")
    out = np.full(len(raw), np.nan)
    whole = np.isfinite(raw) & (raw == np.trunc(raw))
    out[whole] = raw[whole]
    rest = np.flatnonzero(~whole & ~np.isnan(raw))
    if not len(rest):
        return out
    if 0 <= ind.decimals <= 15:
        scale = 10.0 ** ind.decimals
        scaled = raw[rest] * scale
        clear = (np.abs(scaled) < 1e8) & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6)
        out[rest[clear]] = np.round(scaled[clear]) / scale
        rest = rest[~clear]
    if len(rest):
        distinct, inverse = np.unique(raw[rest], return_inverse=True)
        out[rest] = np.array([_round(ind, v) for v in distinct])[inverse]
    return out


def compute(
    data: DataSet,
    periods: str | Period | Iterable[str | Period],
    indicator_ids: Iterable[str] | None = None,
    catalogue: Catalogue | None = None,
    window: str | None = None,
    notes: list[NotComputable] | None = None,
) -> pd.DataFrame:
    """Every requested indicator for every authority in ``data`` and every period.

    ``indicator_ids`` defaults to every indicator in the catalogue that has a rule.
    ``window`` (``in_period``, ``year_to_date``, ``rolling_12_months``, ``snapshot``)
    overrides the catalogue's window, e.g. in-month figures for an SPC series; snapshot
    indicators read only the window's end, so they are unchanged by it. Returns exactly the
    columns ``authority, indicator, period, value, numerator, denominator`` (period in the
    canonical spelling), ordered by authority, then indicator and period as requested.
    ``notes``, when given, receives a :class:`NotComputable` for each figure left empty
    because an input lacks a column the rule reads or does not cover its window.
    """
    cat = catalogue if catalogue is not None else builtin_catalogue()
    if window is not None and window not in WINDOWS:
        raise ParameterError(f"unknown window {window!r}; expected one of {', '.join(WINDOWS)}")
    wanted = _as_periods(periods)
    if indicator_ids is None:
        indicators = [i for i in cat if i.computable]
    else:
        if isinstance(indicator_ids, str):
            indicator_ids = [indicator_ids]
        indicators = [cat[i] for i in indicator_ids]
    engine = _Engine(data)
    n = len(engine.authorities)
    if not indicators or not wanted or not n:
        return _empty()
    columns: dict[str, list[np.ndarray]] = {k: [] for k in COLUMNS}
    for ind in indicators:
        for period in wanted:
            value, numerator, denominator = engine.one(ind, period, window)
            columns["indicator"].append(np.full(n, ind.id, dtype=object))
            columns["period"].append(np.full(n, period.label, dtype=object))
            columns["authority"].append(np.asarray(engine.authorities, dtype=object))
            columns["value"].append(value)
            columns["numerator"].append(numerator)
            columns["denominator"].append(denominator)
    if notes is not None:
        notes.extend(engine.notes)
    out = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    # authority first; within it, indicators and periods in the order asked for
    order = np.argsort(np.concatenate(columns["authority"]).astype(str), kind="stable")
    out = out.iloc[order].reset_index(drop=True)
    return out.astype(
        {
            "authority": "str",
            "indicator": "str",
            "period": "str",
            "value": "float64",
            "numerator": "Int64",
            "denominator": "Int64",
        }
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "authority": pd.Series([], dtype="str"),
            "indicator": pd.Series([], dtype="str"),
            "period": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="float64"),
            "numerator": pd.Series([], dtype="Int64"),
            "denominator": pd.Series([], dtype="Int64"),
        }
    )


def compute_one(
    data: DataSet,
    indicator_id: str,
    period: str | Period,
    authority: str | None = None,
    catalogue: Catalogue | None = None,
    window: str | None = None,
) -> Result:
    """One figure. ``authority`` may be left out when ``data`` holds a single authority."""
    cat = catalogue if catalogue is not None else builtin_catalogue()
    ind = cat[indicator_id]
    p = parse_period(period)
    if authority is None:
        codes = _record_authorities(data)
        if len(codes) != 1:
            raise ValueError(
                f"the data hold {len(codes)} authorities ({', '.join(codes) or 'none'}); "
                "say which with authority="
            )
        authority = codes[0]
    frame = compute(data, [p], [indicator_id], catalogue=cat, window=window)
    row = frame[frame["authority"] == str(authority)]
    if row.empty:
        raise UnknownName(f"authority {authority!r} is not in the data")
    r = row.iloc[0]
    return Result(
        authority=str(authority),
        indicator=ind,
        period=p,
        value=None if pd.isna(r["value"]) else float(r["value"]),
        numerator=None if pd.isna(r["numerator"]) else int(r["numerator"]),
        denominator=None if pd.isna(r["denominator"]) else int(r["denominator"]),
    )


def available_indicators(data: DataSet, catalogue: Catalogue | None = None) -> list[str]:
    """Ids of the indicators with a rule whose tables are all in ``data`` (and, for a rule
    reading what only an extract gives as at its date, an extract that gives it)."""
    cat = catalogue if catalogue is not None else builtin_catalogue()
    out = []
    for ind in cat:
        if ind.rule is None or ind.rule not in RULES:
            continue
        rule = RULES[ind.rule]
        needed = set(ind.tables)
        for version in ind.versions:
            needed |= set(rule.tables(version.params))
        dated = not rule.as_at_only or any(
            f"{table}.{column}" in c.as_at
            for table, columns in rule.as_at.items()
            for column in columns
            for c in data.coverage
        )
        if dated and all(data.has(t) for t in needed):
            out.append(ind.id)
    return out
