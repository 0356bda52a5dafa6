"""DfE's published LA-level files (Explore Education Statistics layout) read directly,
mapped to our indicator ids by :data:`DFE_MEASURES`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..framework_comparators import FRAMEWORK_DFE_MEASURES
from ..validation import InputError, Issue, read_csv_text
from .layout import COLUMNS, ENGLAND, to_number


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


def fy_label_from_time_period(time_period: pd.Series) -> pd.Series:
    """EES ``time_period`` (2025, or 202425) as our financial-year label (``2024-25``)."""
    text = time_period.astype(str).str.strip()
    end = np.where(text.str.len() == 6, text.str[:4].astype(int) + 1, text.astype(int))
    return fy_label_from_start(pd.Series(end - 1, index=time_period.index))


def fy_label_from_start(start: pd.Series) -> pd.Series:
    """The financial year starting in each year of ``start`` (2024) as a label (``2024-25``)."""
    return start.astype(str) + "-" + ((start + 1) % 100).astype(str).str.zfill(2)


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
    geo["period"] = fy_label_from_start(year)
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
            # population of the calendar year the financial year starts in
            prior = fy_label_from_start(part["period"].str[:4].astype(int))
            key = pd.MultiIndex.from_arrays([prior, part["area"]])
            people = pop.reindex(key).to_numpy()
            part["numerator"] = part["value"]
            part["denominator"] = people
            with np.errstate(divide="ignore", invalid="ignore"):
                part["value"] = np.round(part["numerator"] / people * 10_000, measure.decimals)
        if measure.september_census:
            part["period"] = fy_label_from_start(part["period"].str[:4].astype(int) + 1)
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
