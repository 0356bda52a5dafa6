"""The tidy comparators CSV ``indicator,period,area,value`` (optional
``numerator,denominator,authority,region``), checked row by row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..catalogue import Catalogue
from ..catalogue import catalogue as builtin_catalogue
from ..periods import PeriodError, parse_period
from ..validation import InputError, Issue, read_csv_text
from .layout import (
    COLUMNS,
    ENGLAND,
    LA_CODE,
    NEIGHBOURS,
    NEIGHBOURS_MEDIAN,
    ONS_CODE,
    SUPPRESSION_SYMBOLS,
    to_number,
)


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
