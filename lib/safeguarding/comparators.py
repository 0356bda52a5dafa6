"""Comparators: England, region, statistical neighbours and every authority's figure.

Two sources, one result (:class:`Comparators`):

* a tidy CSV ``indicator,period,area,value`` (optional ``numerator,denominator,authority``)
  where ``area`` is ``England``, a region name, ``statistical_neighbours`` (the neighbour
  average; ``statistical_neighbours_median`` for the median) or an authority code. An
  ``authority`` column says whose neighbours a neighbour row describes (blank: anyone's);
* DfE's published LA-level files (Explore Education Statistics layout) read directly with
  :func:`read_dfe`, mapped to our indicator ids by :data:`DFE_MEASURES`, plus the statistical
  neighbour list (:func:`read_neighbours`) from which the neighbour mean and median are
  worked out.

Suppression symbols (``c`` suppressed, ``x`` not available, ``u`` low reliability, ``z`` not
applicable, ``k`` rounds to zero, ``low``) are read as missing, never as zero.
``time_period`` 2025 is the financial year 2024-25. Authorities are keyed by the DfE 3-digit
code (``old_la_code``), which survived the ONS re-coding of Buckinghamshire, North Yorkshire
and Somerset; a 9-character ONS code is translated. Where a council continued under a new
3-digit code (Dorset, 835 -> 838) the predecessor's figures stand in for earlier years and the
result says so; merged or split councils (Bournemouth, Christchurch and Poole; the
Northamptonshires; Cumberland, Westmorland and Furness) have no figures before they began.

The neighbour average shown is the **unweighted mean** of the neighbours' published values by
default, as LAIT shows it; the median (DfE's outcomes-and-enablers dashboard) is given too.

Choosing the comparator year: the same period where a figure exists; otherwise the latest
financial year that ends no later than the period (so a quarter in 2024-25 is compared with
2023-24, and Q4 or the whole of 2024-25 with 2024-25 once it is published). The result names
the year used.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .catalogue import catalogue as builtin_catalogue
from .framework_comparators import FRAMEWORK_DFE_MEASURES
from .periods import Period, PeriodError, parse_period
from .validation import InputError, Issue, read_csv_text

SUPPRESSION_SYMBOLS = ("c", "x", "u", "z", "k", "low")
ENGLAND = "England"
NEIGHBOURS = "statistical_neighbours"
NEIGHBOURS_MEDIAN = "statistical_neighbours_median"
AREA_TYPES = ("england", "region", "authority", "neighbours", "neighbours_median")
COLUMNS = (
    "indicator",
    "period",
    "area",
    "area_type",
    "value",
    "numerator",
    "denominator",
    "decimals",
    "authority",
    "la_name",
    "region",
    "source",
)
LA_CODE = re.compile(r"^\d{3}$")
ONS_CODE = re.compile(r"^E\d{8}$")

# A council that carried on under a new 3-digit code (boundary change only at the margins).
CODE_SUCCESSORS = {"835": "838"}  # Dorset County Council -> Dorset Council (2019-20)
CODE_PREDECESSORS = {new: old for old, new in CODE_SUCCESSORS.items()}


@dataclass(frozen=True)
class DfeMeasure:
    """Where one of our indicators is found in a DfE file.

    Wide files: ``value``/``numerator``/``denominator`` name columns of one row. Long files
    (one row per breakdown): ``where`` picks the numerator's row and ``denominator_where``
    the denominator's row, whose ``count`` column gives the counts. ``per_population``:
    a rate per 10,000 children aged 0-17 worked out from the ONS mid-year estimate of the
    calendar year the financial year starts in (as DfE does).
    """

    indicator: str
    file: str
    value: str
    decimals: int
    numerator: str | None = None
    denominator: str | None = None
    where: tuple[tuple[str, str], ...] = ()
    denominator_where: tuple[tuple[str, str], ...] = ()
    count: str | None = None
    per_population: bool = False
    # a census at 30 September (the workforce): time_period 2024 is 30 September 2024, in the
    # financial year 2024-25, not the year ending 31 March 2024
    september_census: bool = False


_STABLE = (
    "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
)
DFE_MEASURES: tuple[DfeMeasure, ...] = (
    DfeMeasure(
        "NI65",
        "d3_cpps_subsequent_plan",
        "CPP_subsequent_percent",
        1,
        "CPP_subsequent",
        "CPP_start",
    ),
    DfeMeasure(
        "REREFERRAL_12M",
        "c1_children_in_need_referrals_and_rereferrals",
        "rereferral_percent",
        1,
        "rereferral_count",
        "referral_count",
    ),
    DfeMeasure("REFERRALS", "c1_children_in_need_referrals_and_rereferrals", "referral_count", 0),
    DfeMeasure(
        "REFERRALS_RATE",
        "c1_children_in_need_referrals_and_rereferrals",
        "referral_count",
        1,
        per_population=True,
    ),
    DfeMeasure(
        "CPP_2YRS_OPEN",
        "d5_cpps_at31march_by_duration",
        "2_years_or_more_percent",
        1,
        "2_years_or_more",
        "CPP_At31",
    ),
    DfeMeasure("CPP_AT_END", "d5_cpps_at31march_by_duration", "CPP_At31", 0),
    DfeMeasure(
        "CPP_AT_END_RATE", "d5_cpps_at31march_by_duration", "CPP_At31", 1, per_population=True
    ),
    DfeMeasure(
        "NI62",
        "la_cla_placement_stability",
        "children_percent",
        0,
        where=(
            ("cla_group", "CLA on 31 March"),
            ("placement_stability", "With 3 or more placements during the year"),
        ),
        denominator_where=(
            ("cla_group", "CLA on 31 March"),
            ("placement_stability", "Total children"),
        ),
        count="children_count",
    ),
    DfeMeasure(
        "NI63",
        "la_cla_placement_stability",
        "children_percent",
        0,
        where=(
            ("cla_group", _STABLE),
            ("placement_stability", "Living with the same carer for at least 2 years"),
        ),
        denominator_where=(("cla_group", _STABLE), ("placement_stability", "Total children")),
        count="children_count",
    ),
    DfeMeasure(
        "NI147",
        "la_care_leavers_accommodation_suitability",
        "care_leaver_percent",
        0,
        where=(
            ("care_leaver_age", "19 to 21 years"),
            ("breakdown", "Accommodation considered suitable"),
        ),
        denominator_where=(
            ("care_leaver_age", "19 to 21 years"),
            ("breakdown", "Suitability total"),
        ),
        count="care_leaver_count",
    ),
    DfeMeasure(
        "NI148",
        "la_care_leavers_activity",
        "care_leaver_percent",
        0,
        where=(
            ("care_leaver_age", "19 to 21 years"),
            ("breakdown", "Total in education, employment or training"),
        ),
        denominator_where=(("care_leaver_age", "19 to 21 years"), ("breakdown", "Total")),
        count="care_leaver_count",
    ),
    DfeMeasure(
        "CLA_AT_END",
        "cla_number_and_rate_per_10k_children",
        "children_count",
        0,
        where=(("population_type", "Children looked after on 31 March each year"),),
    ),
    DfeMeasure(
        "CLA_AT_END_RATE",
        "cla_number_and_rate_per_10k_children",
        "rate_per_10000",
        0,
        where=(("population_type", "Children looked after on 31 March each year"),),
    ),
)
# the National Framework measures DfE publishes (children in need, workforce): their own module
DFE_MEASURES += tuple(DfeMeasure(**m) for m in FRAMEWORK_DFE_MEASURES)
POPULATION_FILE = "ons_mid-year_population_estimates"


def to_number(values: pd.Series) -> pd.Series:
    """Numbers from EES text cells; suppression symbols and blanks become NaN, never 0."""
    text = values.astype("string").str.strip()
    text = text.mask(text.str.lower().isin(SUPPRESSION_SYMBOLS) | (text == ""))
    return pd.to_numeric(text, errors="coerce").astype("float64")


def fy_label_from_time_period(time_period: pd.Series) -> pd.Series:
    """EES ``time_period`` (2025, or 202425) as our financial-year label (``2024-25``)."""
    text = time_period.astype(str).str.strip()
    end = np.where(text.str.len() == 6, text.str[:4].astype(int) + 1, text.astype(int))
    start = pd.Series(end - 1, index=time_period.index)
    return start.astype(str) + "-" + (start + 1).mod(100).astype(str).str.zfill(2)


# --- reading DfE files ------------------------------------------------------------------------


def _find(dfe_dir: Path, stem: str) -> Path | None:
    matches = sorted(dfe_dir.glob(f"{stem}*.csv"))
    return matches[0] if matches else None


def _read_ees(path: Path) -> pd.DataFrame:
    frame = read_csv_text(path)
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _select(frame: pd.DataFrame, where: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in where:
        mask &= frame[column].str.strip() == value
    return frame[mask]


def _geography(frame: pd.DataFrame) -> pd.DataFrame:
    level = frame["geographic_level"].str.strip()
    area_type = level.map(
        {"National": "england", "Regional": "region", "Local authority": "authority"}
    )
    area = np.select(
        [area_type == "england", area_type == "region"],
        [ENGLAND, frame["region_name"].str.strip()],
        frame["old_la_code"].str.strip(),
    )
    return pd.DataFrame(
        {
            "period": fy_label_from_time_period(frame["time_period"]),
            "area": area,
            "area_type": area_type,
            "la_name": frame.get("la_name", pd.Series("", index=frame.index)).str.strip(),
            "region": frame["region_name"].str.strip(),
            "ons_code": frame.get("new_la_code", pd.Series("", index=frame.index)).str.strip(),
        },
        index=frame.index,
    )


def _population(dfe_dir: Path) -> pd.DataFrame | None:
    path = _find(dfe_dir, POPULATION_FILE)
    if path is None:
        return None
    frame = _read_ees(path)
    frame = frame[frame["age_group"].str.strip() == "Children aged 0 to 17 years"]
    geo = _geography(frame)
    # the mid-year estimate for calendar year Y serves the financial year Y to Y+1
    year = frame["time_period"].astype(int)
    geo["period"] = year.astype(str) + "-" + ((year + 1) % 100).astype(str).str.zfill(2)
    geo["population"] = to_number(frame["population_estimate"])
    return geo[["period", "area", "population"]].drop_duplicates(["period", "area"])


def read_dfe(dfe_dir: str | Path, indicators: list[str] | None = None) -> pd.DataFrame:
    """Every mapped indicator from the DfE files in ``dfe_dir`` as a comparator frame.

    Columns as :data:`COLUMNS`. A mapped file that is absent is skipped; a present file
    lacking a needed column raises :class:`InputError`.
    """
    dfe_dir = Path(dfe_dir)
    if not dfe_dir.is_dir():
        raise InputError([Issue("error", str(dfe_dir), "folder-exists", "folder not found")])
    cache: dict[str, pd.DataFrame] = {}
    population = None
    parts = []
    issues: list[Issue] = []
    for measure in DFE_MEASURES:
        if indicators is not None and measure.indicator not in indicators:
            continue
        path = _find(dfe_dir, measure.file)
        if path is None:
            continue
        if measure.file not in cache:
            cache[measure.file] = _read_ees(path)
        frame = cache[measure.file]
        needed = [
            measure.value,
            measure.numerator,
            measure.denominator,
            measure.count,
            *(c for c, _ in measure.where + measure.denominator_where),
        ]
        absent = [c for c in needed if c and c not in frame.columns]
        if absent:
            issues.extend(
                Issue(
                    "error",
                    str(path),
                    "dfe-column",
                    f"column {c!r} needed for {measure.indicator} is missing",
                    column=c,
                )
                for c in absent
            )
            continue
        rows = _select(frame, measure.where)
        geo = _geography(rows)
        part = geo.copy()
        part["indicator"] = measure.indicator
        part["value"] = to_number(rows[measure.value])
        part["numerator"] = to_number(rows[measure.numerator]) if measure.numerator else np.nan
        part["denominator"] = (
            to_number(rows[measure.denominator]) if measure.denominator else np.nan
        )
        if measure.count:
            part["numerator"] = to_number(rows[measure.count])
            den_rows = _select(frame, measure.denominator_where)
            den_geo = _geography(den_rows)
            den = pd.Series(
                to_number(den_rows[measure.count]).to_numpy(),
                index=pd.MultiIndex.from_frame(den_geo[["period", "area"]]),
            )
            den = den[~den.index.duplicated()]
            key = pd.MultiIndex.from_frame(part[["period", "area"]])
            part["denominator"] = den.reindex(key).to_numpy()
        if measure.per_population:
            if population is None:
                population = _population(dfe_dir)
            if population is None:
                continue
            pop = population.set_index(["period", "area"])["population"]
            pop = pop[~pop.index.duplicated()]
            key = pd.MultiIndex.from_frame(part[["period", "area"]])
            # population of the calendar year the financial year starts in
            prior = part["period"].str[:4].astype(int)
            prior_label = prior.astype(str) + "-" + ((prior + 1) % 100).astype(str).str.zfill(2)
            key = pd.MultiIndex.from_arrays([prior_label, part["area"]])
            people = pop.reindex(key).to_numpy()
            part["numerator"] = part["value"]
            part["denominator"] = people
            with np.errstate(divide="ignore", invalid="ignore"):
                part["value"] = np.round(part["numerator"] / people * 10_000, measure.decimals)
        if measure.september_census:
            start = part["period"].str[:4].astype(int) + 1
            part["period"] = start.astype(str) + "-" + ((start + 1) % 100).astype(str).str.zfill(2)
        part["decimals"] = measure.decimals
        part["authority"] = ""
        part["source"] = path.name
        parts.append(part)
    if issues:
        raise InputError(issues)
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS, "ons_code"])
    out = pd.concat(parts, ignore_index=True)
    return out[[*COLUMNS, "ons_code"]]


# --- statistical neighbours -----------------------------------------------------------------


def read_neighbours(path: str | Path) -> pd.DataFrame:
    """A statistical-neighbour file as ``authority, position, neighbour, closeness``.

    Reads the 2025 model (``SN_1``..``SN_10`` with ``SN_1P``.. closeness, whose labels carry
    trailing spaces) and the April 2021 groupings (``SN1``..``SN10`` each followed by a column
    headed ``SNP``, repeated). Columns are found by position, so the repeated header and the
    trailing empty column do no harm.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "file-exists", "file not found")]) from None
    if not rows:
        raise InputError([Issue("error", str(path), "csv", "the file is empty")])
    header = [h.strip() for h in rows[0]]
    slots = [
        (int(m.group(1)), i) for i, h in enumerate(header) if (m := re.fullmatch(r"SN_?(\d+)", h))
    ]
    if not slots:
        raise InputError(
            [
                Issue(
                    "error",
                    str(path),
                    "neighbour-columns",
                    "no neighbour columns (SN_1.. or SN1..) in the header",
                )
            ]
        )
    records = []
    for n, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        authority = row[0].strip()
        for position, i in slots:
            code = row[i].strip() if i < len(row) else ""
            if not code:
                continue
            closeness = row[i + 1].strip() if i + 1 < len(row) else ""
            records.append(
                {
                    "authority": authority,
                    "position": position,
                    "neighbour": code,
                    "closeness": closeness,
                    "row": n,
                }
            )
    return pd.DataFrame(records, columns=["authority", "position", "neighbour", "closeness", "row"])


def neighbour_lists(neighbours: pd.DataFrame) -> dict[str, list[str]]:
    """``{authority: [neighbour codes in order]}`` from :func:`read_neighbours`."""
    ordered = neighbours.sort_values(["authority", "position"])
    return {a: list(g["neighbour"]) for a, g in ordered.groupby("authority", sort=False)}


# --- the tidy CSV ------------------------------------------------------------------------------


def read_comparators_csv(path: str | Path, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Read and check a tidy comparators CSV (see the module docstring)."""
    path = Path(path)
    raw = read_csv_text(path)
    return validate_comparators(raw, str(path), catalogue)


def validate_comparators(
    frame: pd.DataFrame, source: str = "<comparators>", catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Check a tidy comparators frame and return it in the :data:`COLUMNS` layout."""
    cat = catalogue or builtin_catalogue()
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("indicator", "period", "area", "value") if c not in frame.columns]
    if missing:
        raise InputError(
            [
                Issue("error", source, "required-column", f"the column {c!r} is missing", column=c)
                for c in missing
            ]
        )
    issues: list[Issue] = []
    text = frame.astype(str).apply(lambda s: s.str.strip())
    text = text.replace({"nan": "", "None": ""})
    out = pd.DataFrame(index=frame.index)
    out["indicator"] = text["indicator"]
    labels: dict[str, str | None] = {}
    for p in text["period"].unique():
        try:
            labels[p] = parse_period(p).label
        except PeriodError as exc:
            labels[p] = None
            for i in text.index[text["period"] == p]:
                issues.append(
                    Issue(
                        "error",
                        source,
                        "period-spelling",
                        str(exc),
                        row=int(i) + 2,
                        column="period",
                        value=p,
                    )
                )
    out["period"] = text["period"].map(labels)
    for i in text.index[~text["indicator"].isin(cat.ids)]:
        issues.append(
            Issue(
                "error",
                source,
                "known-indicator",
                "unknown indicator",
                row=int(i) + 2,
                column="indicator",
                value=text.at[i, "indicator"],
            )
        )
    area = text["area"]
    lowered = area.str.lower()
    out["area_type"] = np.select(
        [
            lowered == "england",
            lowered == NEIGHBOURS,
            lowered == NEIGHBOURS_MEDIAN,
            area.str.match(LA_CODE.pattern) | area.str.match(ONS_CODE.pattern),
        ],
        ["england", "neighbours", "neighbours_median", "authority"],
        "region",
    )
    for i in text.index[area == ""]:
        issues.append(
            Issue(
                "error",
                source,
                "required-value",
                "the area is required",
                row=int(i) + 2,
                column="area",
                value="",
            )
        )
    out["area"] = np.where(out["area_type"] == "england", ENGLAND, area)
    for column in ("value", "numerator", "denominator"):
        if column not in text.columns:
            out[column] = np.nan
            continue
        values = to_number(text[column])
        symbol = text[column].str.lower().isin(SUPPRESSION_SYMBOLS) | (text[column] == "")
        for i in text.index[values.isna() & ~symbol]:
            issues.append(
                Issue(
                    "error",
                    source,
                    "numeric",
                    "not a number (nor a suppression symbol c, x, u, z, k)",
                    row=int(i) + 2,
                    column=column,
                    value=text.at[i, column],
                )
            )
        out[column] = values
    out["decimals"] = [cat[i].decimals if i in cat else np.nan for i in out["indicator"]]
    out["authority"] = text["authority"] if "authority" in text.columns else ""
    out["la_name"] = ""
    out["region"] = text["region"] if "region" in text.columns else ""
    out["source"] = Path(source).name
    if issues:
        issues.sort(key=lambda x: x.row or 0)
        raise InputError(issues)
    return out.reset_index(drop=True)[list(COLUMNS)]


# --- lookups ---------------------------------------------------------------------------------


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
        period = parse_period(period)
        if period.label in available:
            return period.label
        years = []
        for label in set(available):
            try:
                p = parse_period(label)
            except PeriodError:
                continue
            if p.kind == "year" and p.end <= period.end:
                years.append(p)
        return max(years).label if years else None

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
            rows = select()
            rows = rows[rows["value"].notna()]
            # plain dicts, not a Series per period: building those was most of the lookup
            found: dict[Any, dict[str, Any]] = {}
            for record in rows.to_dict("records"):
                found.setdefault(record["period"], record)
            memo[key] = found
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
        memo = self.__dict__.setdefault("_lookups", {})
        if ("given", indicator, code) not in memo:
            memo[("given", indicator, code)] = rows[
                rows["area_type"].isin(["neighbours", "neighbours_median"])
                & rows["authority"].isin(["", code])
            ]
        given = memo[("given", indicator, code)]
        if len(given):
            mean_row = self._pick_memo(
                ("neighbours", indicator, code),
                lambda: given[given["area_type"] == "neighbours"],
                period,
            )
            median_row = self._pick_memo(
                ("neighbours_median", indicator, code),
                lambda: given[given["area_type"] == "neighbours_median"],
                period,
            )
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
