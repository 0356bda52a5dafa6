"""The lookups an assessment makes: England, region, an authority's own figure, the
neighbour mean and median, rank and quartile band, each for the comparator year chosen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..catalogue import Catalogue
from ..periods import Period, PeriodError, parse_period
from .dfe import read_dfe
from .layout import CODE_PREDECESSORS, CODE_SUCCESSORS, COLUMNS
from .neighbours import neighbour_lists, read_neighbours
from .tidy_csv import read_comparators_csv, validate_comparators


@dataclass(frozen=True)
class ComparatorValue:
    """A comparator figure and the period it is for."""

    value: float
    period: str
    numerator: float | None = None
    denominator: float | None = None
    decimals: int | None = None
    note: str = ""


@dataclass(frozen=True)
class NeighbourValue:
    """The neighbour average for one authority: mean and median of ``n`` neighbours."""

    mean: float | None
    median: float | None
    n: int
    period: str
    shown: str = "mean"
    decimals: int | None = None

    @property
    def value(self) -> float | None:
        return self.mean if self.shown == "mean" else self.median


@dataclass(frozen=True)
class Position:
    """Rank (1 best; ties share the best rank) and LAIT quartile band (A best)."""

    rank: int
    of: int
    quartile: str
    period: str
    bands: tuple[float, float, float, float, float]


def _nan_to_none(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass
class Comparators:
    """Comparator figures with the lookups an assessment needs."""

    values: pd.DataFrame
    neighbours: dict[str, list[str]] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    neighbour_average: str = "mean"
    sources: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.neighbour_average not in ("mean", "median"):
            raise ValueError("neighbour_average must be 'mean' or 'median'")
        v = self.values
        self._by_indicator = {k: g for k, g in v.groupby("indicator", sort=False)}
        la = v[v["area_type"] == "authority"]
        for code, region in zip(la["area"], la["region"], strict=True):
            if region and code not in self.regions:
                self.regions[code] = region
        self._ons = {}
        if "ons_code" in v.columns:
            for code, ons in zip(la["area"], la["ons_code"], strict=True):
                if ons:
                    self._ons[ons] = code

    # -- construction --
    @classmethod
    def from_csv(
        cls, path: str | Path, catalogue: Catalogue | None = None, **kwargs
    ) -> Comparators:
        return cls(read_comparators_csv(path, catalogue), sources=[str(path)], **kwargs)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, catalogue: Catalogue | None = None, **kwargs
    ) -> Comparators:
        if set(COLUMNS) <= set(frame.columns):
            return cls(frame, **kwargs)
        return cls(validate_comparators(frame, catalogue=catalogue), **kwargs)

    @classmethod
    def from_dfe(
        cls, dfe_dir: str | Path, neighbours: str | Path | None = None, **kwargs
    ) -> Comparators:
        values = read_dfe(dfe_dir)
        lists = neighbour_lists(read_neighbours(neighbours)) if neighbours else {}
        sources = [str(dfe_dir)] + ([str(neighbours)] if neighbours else [])
        return cls(values, neighbours=lists, sources=sources, **kwargs)

    def add_regions(self, authorities_csv: str | Path) -> None:
        """Take each authority's region from a data folder's ``authorities.csv``
        (``code,name,region``) where the comparators do not say it, so that the region's
        figure is found."""
        path = Path(authorities_csv)
        if not path.is_file():
            return
        names = pd.read_csv(path, dtype=str).fillna("")
        if "region" not in names.columns or "code" not in names.columns:
            return
        for code, region in zip(names["code"], names["region"], strict=True):
            if region:
                self.regions.setdefault(code, region)

    # -- helpers --
    def code(self, authority: str) -> str:
        """The DfE 3-digit code for ``authority`` (an ONS code is translated)."""
        return self._ons.get(authority, authority)

    def _rows(self, indicator: str) -> pd.DataFrame:
        return self._by_indicator.get(indicator, self.values.iloc[0:0])

    @staticmethod
    def choose_period(available: list[str], period: Period | str) -> str | None:
        """The same period if available, else the latest financial year ending by its end."""
        return _choose_period(frozenset(available), parse_period(period))

    def _pick(self, rows: pd.DataFrame, period: Period | str) -> pd.Series | None:
        rows = rows[rows["value"].notna()]
        chosen = self.choose_period(list(rows["period"]), period)
        if chosen is None:
            return None
        return rows[rows["period"] == chosen].iloc[0]

    def _pick_memo(
        self, key: tuple, select: Callable[[], pd.DataFrame], period: Period | str
    ) -> pd.Series | None:
        """:meth:`_pick` over ``select()``'s rows, which are selected and split by period once
        per ``key``: a report asks for the same selection for every period it charts, and
        filtering the frame each time was a quarter of a report's time."""
        memo = self.__dict__.setdefault("_lookups", {})
        if key not in memo:
            # plain dicts, not a Series per period: building those was most of the lookup
            memo[key] = _first_per_period(select().to_dict("records"))
        by_period = memo[key]
        chosen = self.choose_period(list(by_period), period)
        return None if chosen is None else by_period[chosen]

    def _value(self, row: pd.Series | None, note: str = "") -> ComparatorValue | None:
        if row is None:
            return None
        decimals = row.get("decimals")
        return ComparatorValue(
            float(row["value"]),
            row["period"],
            _nan_to_none(row["numerator"]),
            _nan_to_none(row["denominator"]),
            None if decimals is None or pd.isna(decimals) else int(decimals),
            note,
        )

    # -- lookups --
    def england(self, indicator: str, period: Period | str) -> ComparatorValue | None:
        def select() -> pd.DataFrame:
            rows = self._rows(indicator)
            return rows[rows["area_type"] == "england"]

        return self._value(self._pick_memo(("england", indicator), select, period))

    def region(
        self, authority: str, indicator: str, period: Period | str
    ) -> ComparatorValue | None:
        name = self.regions.get(self.code(authority))
        if not name:
            return None

        def select() -> pd.DataFrame:
            rows = self._rows(indicator)
            return rows[(rows["area_type"] == "region") & (rows["area"] == name)]

        return self._value(self._pick_memo(("region", indicator, name), select, period))

    def authority(
        self, authority: str, indicator: str, period: Period | str
    ) -> ComparatorValue | None:
        """An authority's own published figure (a predecessor's for earlier years)."""
        code = self.code(authority)
        rows = self._rows(indicator)
        la = rows[rows["area_type"] == "authority"]
        hit = self._pick(la[la["area"] == code], period)
        if hit is None and code in CODE_PREDECESSORS:
            old = CODE_PREDECESSORS[code]
            hit = self._pick(la[la["area"] == old], period)
            return self._value(hit, f"figure for predecessor authority {old}")
        return self._value(hit)

    def _la_year(self, indicator: str, period: Period | str) -> tuple[str | None, pd.Series]:
        """Every authority's figure for the comparator year (split by year once per
        indicator: every authority's report asks for them)."""
        memo = self.__dict__.setdefault("_lookups", {})
        key = ("la_years", indicator)
        if key not in memo:
            rows = self._rows(indicator)
            la = rows[(rows["area_type"] == "authority") & rows["value"].notna()]
            years = {}
            for label, year in la.groupby("period", sort=False):
                values = pd.Series(year["value"].to_numpy(), index=year["area"].to_numpy())
                years[label] = values[~values.index.duplicated()]
            memo[key] = years
        years = memo[key]
        chosen = self.choose_period(list(years), period)
        if chosen is None:
            return None, pd.Series(dtype="float64")
        return chosen, years[chosen]

    def neighbours_of(
        self, authority: str, indicator: str, period: Period | str
    ) -> NeighbourValue | None:
        """Neighbour mean and median, from a given neighbour row or the neighbour list."""
        code = self.code(authority)
        rows = self._rows(indicator)
        given = self._given_neighbours(indicator, code)
        if given:
            mean_row = self._first_by_period(given, "neighbours", period)
            median_row = self._first_by_period(given, "neighbours_median", period)
            if mean_row is None and median_row is None:
                return None
            chosen = (mean_row if mean_row is not None else median_row)["period"]
            decimals = (mean_row if mean_row is not None else median_row).get("decimals")
            return NeighbourValue(
                None if mean_row is None else float(mean_row["value"]),
                None if median_row is None else float(median_row["value"]),
                0,
                chosen,
                self._shown(mean_row is not None, median_row is not None),
                None if decimals is None or pd.isna(decimals) else int(decimals),
            )
        group = self.neighbours.get(code) or self.neighbours.get(
            CODE_PREDECESSORS.get(code, ""), []
        )
        if not group:
            return None
        chosen, values = self._la_year(indicator, period)
        if chosen is None:
            return None
        picked = []
        for n in group:
            for candidate in (n, CODE_SUCCESSORS.get(n), CODE_PREDECESSORS.get(n)):
                if candidate and candidate in values.index:
                    picked.append(values[candidate])
                    break
        if not picked:
            return None
        decimals = rows["decimals"].dropna()
        return NeighbourValue(
            float(np.mean(picked)),
            float(np.median(picked)),
            len(picked),
            chosen,
            self.neighbour_average,
            int(decimals.iloc[0]) if len(decimals) else None,
        )

    def _given_neighbours(self, indicator: str, code: str) -> list[dict[str, Any]]:
        """The neighbour rows the file gives for ``code`` and for every authority (a blank
        ``authority``), as records in the file's order: split by authority once per
        indicator, since every authority's report asks (a national file gives 153
        authorities' neighbour figures; filtering them for each was most of its lookups)."""
        memo = self.__dict__.setdefault("_lookups", {})
        key = ("given", indicator)
        if key not in memo:
            rows = self._rows(indicator)
            rows = rows[rows["area_type"].isin(["neighbours", "neighbours_median"])]
            split: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
            for position, record in enumerate(rows.to_dict("records")):
                split.setdefault(record["authority"], []).append((position, record))
            memo[key] = split
        split = memo[key]
        # the code's own and the blank ones, in the file's order as one filter would give them
        both = sorted([*split.get("", []), *(split.get(code, []) if code else [])])
        return [record for _, record in both]

    def _first_by_period(
        self, records: list[dict[str, Any]], area_type: str, period: Period | str
    ) -> dict[str, Any] | None:
        """The first record of ``area_type`` with a value for the period
        :meth:`choose_period` picks (as :meth:`_pick` over the same rows)."""
        found = _first_per_period(r for r in records if r["area_type"] == area_type)
        chosen = self.choose_period(list(found), period)
        return None if chosen is None else found[chosen]

    def _shown(self, has_mean: bool, has_median: bool) -> str:
        if self.neighbour_average == "median" and has_median:
            return "median"
        return "mean" if has_mean else "median"

    def position(
        self, authority: str, indicator: str, period: Period | str, value: float, polarity: str
    ) -> Position | None:
        """Where ``value`` would stand among every authority's figure for the comparator year.

        Rank: one plus the number of other authorities strictly better, so tied authorities
        share the best rank (the 'min' method DfE and LAIT use). Quartile bands as LAIT: the
        quartiles of all authorities' values (linear interpolation, R's default), band A being
        the best quarter: for ``low`` polarity A is at or below Q1, B up to the median, C up to
        Q3 and D above; for ``high`` the mirror (A above Q3, B above the median, C above Q1, D
        at or below Q1). No rank or quartile for polarity ``band`` or ``none``.
        """
        if polarity not in ("high", "low") or value is None or pd.isna(value):
            return None
        chosen, values = self._la_year(indicator, period)
        if chosen is None or values.empty:
            return None
        code = self.code(authority)
        others = values.drop(labels=[code], errors="ignore").to_numpy()
        better = (others > value) if polarity == "high" else (others < value)
        rank = int(better.sum()) + 1
        q = np.quantile(values.to_numpy(), [0, 0.25, 0.5, 0.75, 1.0])
        return Position(
            rank,
            len(others) + 1,
            quartile_band(value, q, polarity),
            chosen,
            tuple(float(b) for b in q),
        )


def quartile_band(value: float, bands, polarity: str) -> str:
    """LAIT's quartile band (A best) of ``value`` given the five quantiles ``bands``."""
    _, q1, q2, q3, _ = bands
    if polarity == "low":
        return "A" if value <= q1 else "B" if value <= q2 else "C" if value <= q3 else "D"
    return "D" if value <= q1 else "C" if value <= q2 else "B" if value <= q3 else "A"


def as_comparators(
    data: Comparators | pd.DataFrame | str | Path | None,
    catalogue: Catalogue | None = None,
    neighbour_average: str = "mean",
) -> Comparators | None:
    """Comparators from an instance, a tidy frame or a tidy CSV path, or None."""
    if data is None or isinstance(data, Comparators):
        return data
    if isinstance(data, (str, Path)):
        return Comparators.from_csv(data, catalogue, neighbour_average=neighbour_average)
    return Comparators.from_frame(data, catalogue, neighbour_average=neighbour_average)


@lru_cache(maxsize=16384)
def _choose_period(available: frozenset[str], period: Period) -> str | None:
    # remembered: a report asks the same question for every comparator and period it shows,
    # and parsing every available label each time was a tenth of the assessment
    if period.label in available:
        return period.label
    years = []
    for label in available:
        try:
            p = parse_period(label)
        except PeriodError:
            continue
        if p.kind == "year" and p.end <= period.end:
            years.append(p)
    return max(years).label if years else None


def _first_per_period(records: Iterable[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Each period's first record with a value, in the records' order."""
    found: dict[Any, dict[str, Any]] = {}
    for record in records:
        if pd.notna(record["value"]):
            found.setdefault(record["period"], record)
    return found
