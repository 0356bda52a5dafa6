"""The comparator frame every source is read into: its columns, the area names, the
suppression symbols read as missing, the authority codes and the councils that changed code."""

from __future__ import annotations

import re

import pandas as pd

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


def to_number(values: pd.Series) -> pd.Series:
    """Numbers from EES text cells; suppression symbols and blanks become NaN, never 0."""
    text = values.astype("string").str.strip()
    text = text.mask(text.str.lower().isin(SUPPRESSION_SYMBOLS) | (text == ""))
    return pd.to_numeric(text, errors="coerce").astype("float64")
