"""Children aged 0 to 17 by authority -> the canonical ``population`` table.

Two layouts are read:

- the project's own (the demo's ``population.csv``): ``authority,year,population``;
- DfE's Explore Education Statistics file of ONS mid-year estimates
  (``ons_mid-year_population_estimates_2012_to_2024.csv``): ``time_period`` (the calendar year
  of the 30 June estimate), ``geographic_level``, ``old_la_code`` (the three-digit code the
  canonical tables use), ``population_estimate``. Only ``Local authority`` rows are kept.

EES suppression symbols (``c`` suppressed, ``x`` not available, ``u`` low reliability, ``z``
not applicable, ``k`` rounds to zero) become missing values with a warning, never zero: a
rate per 10,000 over a missing population is not computable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..dataset import DataSet, Source, sha256_file
from ..validation import IssueLog
from .checks import (
    ROW,
    RawTable,
    build_dataset,
    emit,
    file_date,
    read_csv_text,
    validate_table,
)

SUPPRESSION_SYMBOLS = {
    "c": "suppressed",
    "x": "not available",
    "u": "low reliability",
    "z": "not applicable",
    "k": "rounds to zero, not published",
}
EES_COLUMNS = {
    "authority": "old_la_code",
    "year": "time_period",
    "population": "population_estimate",
}
LA_LEVEL = "Local authority"


def load_population(path: str | Path, authorities: Iterable[str] | None = None) -> DataSet:
    """Read a population file in either layout; ``authorities`` keeps only those codes."""
    path = Path(path)
    file = str(path)
    log = IssueLog()
    text = read_csv_text(file, log)
    ees = "population_estimate" in text.columns or "geographic_level" in text.columns
    if ees:
        source_columns = dict(EES_COLUMNS)
        if "geographic_level" not in text.columns:
            log.error(
                file,
                "missing_column",
                "required column 'geographic_level' is missing",
                row=1,
                column="geographic_level",
            )
            text["geographic_level"] = LA_LEVEL
        text = text[text["geographic_level"].str.strip() == LA_LEVEL]
        frame = text.rename(columns={v: k for k, v in EES_COLUMNS.items()})
    else:
        source_columns = {}
        frame = text.copy()
    frame = frame[[c for c in ("authority", "year", "population") if c in frame]].copy()
    frame[ROW] = frame.index + 2  # line number in the file (the header is line 1)
    if authorities is not None:
        wanted = {str(a) for a in authorities}
        frame = (
            frame[frame["authority"].str.strip().isin(wanted)] if "authority" in frame else frame
        )
    raw = RawTable(
        "population", frame, file, source_columns=source_columns, file_columns=list(text.columns)
    )
    if "population" in frame:
        value = frame["population"].str.strip().str.lower()
        symbol = value.isin(list(SUPPRESSION_SYMBOLS))
        meaning = value.map(SUPPRESSION_SYMBOLS).fillna("")
        emit(
            log,
            raw,
            frame,
            symbol,
            "population",
            "suppressed_value",
            "population not published (" + meaning + "): rates for this year are not computable",
            "warning",
        )
        blank = frame["population"].isna() | (value == "")
        emit(
            log,
            raw,
            frame,
            blank,
            "population",
            "missing_value",
            "required value 'population' is blank (a suppressed figure is written c, x, u, z or k)",
        )
        frame["population"] = frame["population"].mask(symbol)
        raw.allow_missing = frozenset({"population"})
    if "year" in frame:
        # a six-digit EES time period (201819) is a financial or academic year, not the
        # calendar year of a mid-year estimate
        year = frame["year"].str.strip()
        bad = year.notna() & ~year.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
        emit(log, raw, frame, bad, "year", "invalid_number", "not a four-digit calendar year")
    validate_table(raw, log)
    kind = "population_ees" if ees else "population"
    return build_dataset([raw], log, [Source(file, sha256_file(path), kind, None, file_date(path))])
