"""Targets and bands per authority, indicator and financial year.

The Targets CSV has the columns ``authority,indicator,year,target`` and, optionally,
``tolerance,band_low,band_high``. ``year`` is a financial year (``2011-12``); a quarter's
figure is judged against its year's target. ``target`` may be blank when both band values
are given. ``tolerance`` is the amber margin in the indicator's unit; where blank the
indicator's own tolerance from the catalogue applies (``tolerance``, in the unit, or
``tolerance_share``, a share of the target), else the default (:func:`default_tolerance`):

* percentages: 2 percentage points, or a fifth of the target where that is smaller. On the
  denominators typical of these indicators (a few dozen to a few hundred children) 2 points
  is one to a handful of children: close enough to call "near", not close enough to call
  "met". A small target needs a small margin: against a 1.0% target, 2 points would call
  three times the target "near"; a fifth of it (0.2 points) does not.
* counts, rates and days: 5% of the target, because their scale varies by authority size.

A target for an indicator whose polarity is ``none`` is an error: activity measures have no
"better" direction to aim at.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .catalogue import Catalogue, Indicator
from .catalogue import catalogue as builtin_catalogue
from .periods import Period, PeriodError, parse_period
from .validation import InputError, Issue, read_csv_text

REQUIRED = ("authority", "indicator", "year", "target")
OPTIONAL = ("tolerance", "band_low", "band_high")
COLUMNS = (*REQUIRED, *OPTIONAL)
PERCENT_TOLERANCE = 2.0
PERCENT_TOLERANCE_SHARE = 0.2  # of the target, where that is less than 2 points
RELATIVE_TOLERANCE = 0.05
# Marks a frame validate_targets returned, so that passing it on does not check it again.
CHECKED = "safeguarding.targets.checked"


def default_tolerance(indicator: Indicator, target: float | None) -> float:
    """The amber margin used when the Targets CSV gives none (see the module docstring)."""
    missing = target is None or (isinstance(target, float) and math.isnan(target))
    if indicator.tolerance is not None:
        return indicator.tolerance
    if indicator.tolerance_share is not None:
        return 0.0 if missing else abs(float(target)) * indicator.tolerance_share
    if indicator.unit == "percent":
        if missing:
            return PERCENT_TOLERANCE
        return min(PERCENT_TOLERANCE, abs(float(target)) * PERCENT_TOLERANCE_SHARE)
    if missing:
        return 0.0
    return abs(float(target)) * RELATIVE_TOLERANCE


@dataclass(frozen=True)
class Target:
    """One authority's target (and/or band) for one indicator and year."""

    authority: str
    indicator: str
    year: str
    target: float | None
    tolerance: float
    band: tuple[float, float] | None = None
    source: str = "targets"  # "targets" or "catalogue band"


def read_targets(path: str | Path, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Read and check a Targets CSV; raise :class:`InputError` listing every problem.

    A file read before with the same bytes, checked against the same catalogue, is not
    checked again in this process (a worker's or a preview's kernel builds report after
    report, and a national targets file of 153 authorities took ~0.1 s to check each time);
    the caller gets its own copy."""
    path = Path(path)
    cat = catalogue or builtin_catalogue()
    try:
        before = path.read_bytes()
    except OSError:  # read_csv_text says why in the loaders' words
        before = None
    key = (str(path), _checked_against(cat), hashlib.sha256(before or b"").hexdigest())
    if before is not None and key in _READ:
        return _READ[key].copy()
    checked = validate_targets(read_csv_text(path), source=str(path), catalogue=cat)
    with contextlib.suppress(OSError):
        if before is not None and path.read_bytes() == before:  # unchanged while it was read
            _READ[key] = checked.copy()
            while len(_READ) > READ_MEMO:
                _READ.pop(next(iter(_READ)))
    return checked


READ_MEMO = 16  # targets files kept checked in a process (one per financial year)
_READ: dict[tuple[str, str, str], pd.DataFrame] = {}


def validate_targets(
    frame: pd.DataFrame, source: str = "<targets>", catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Check a targets frame; return it with canonical years, floats and tolerances filled."""
    cat = catalogue or builtin_catalogue()
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            [
                Issue("error", source, "required-column", f"the column {c!r} is missing", column=c)
                for c in missing
            ]
        )
    issues: list[Issue] = []
    records = []
    # plain dicts, not iterrows' Series: a national file has thousands of rows
    for n, rec in enumerate(frame.to_dict("records"), start=2):

        def bad(column: str, message: str, rule: str, rec=rec, n=n) -> None:
            issues.append(Issue.error_at(source, rule, message, n, column, rec.get(column)))

        def number(column: str, rec=rec) -> float | None:
            text = str(rec.get(column, "") or "").strip()
            if text in ("", "nan"):
                return None
            try:
                return float(text)
            except ValueError:
                bad(column, "not a number", "numeric")
                return None

        authority = str(rec["authority"]).strip()
        if not authority:
            bad("authority", "the authority code is required", "required-value")
        indicator_id = str(rec["indicator"]).strip()
        indicator = cat[indicator_id] if indicator_id in cat else None  # noqa: SIM401 (no .get)
        if indicator is None:
            bad(
                "indicator",
                "unknown indicator (not in the catalogue or the local indicator file)",
                "known-indicator",
            )
        year_label = None
        try:
            year = parse_period(str(rec["year"]).strip())
            if year.kind != "year":
                bad(
                    "year",
                    f"a target is set for a financial year such as '2011-12', not a {year.kind}",
                    "target-year",
                )
            else:
                year_label = year.label
        except PeriodError as exc:
            bad("year", str(exc), "period-spelling")
        target = number("target")
        tolerance = number("tolerance")
        low, high = number("band_low"), number("band_high")
        if indicator is not None and indicator.polarity == "none":
            bad(
                "indicator",
                "a target for an indicator with polarity 'none' (an activity "
                "measure with no better direction)",
                "target-needs-polarity",
            )
            indicator = None
        if (low is None) != (high is None):
            bad(
                "band_low" if low is None else "band_high",
                "a band needs both band_low and band_high",
                "band-pair",
            )
        elif low is not None and high is not None and low > high:
            bad("band_low", "band_low is above band_high", "band-order")
        if target is None and (low is None or high is None) and not any(i.row == n for i in issues):
            bad(
                "target",
                "a target or a band (band_low and band_high) is required",
                "required-value",
            )
        if tolerance is not None and tolerance < 0:
            bad("tolerance", "the tolerance cannot be negative", "non-negative")
        if indicator is not None and tolerance is None:
            tolerance = default_tolerance(indicator, target)
        records.append(
            {
                "authority": authority,
                "indicator": indicator_id,
                "year": year_label,
                "target": target,
                "tolerance": tolerance,
                "band_low": low,
                "band_high": high,
            }
        )
    out = pd.DataFrame(records, columns=list(COLUMNS))
    if not issues:
        dupes = out.duplicated(["authority", "indicator", "year"])
        for i in out.index[dupes]:
            issues.append(
                Issue(
                    "error",
                    source,
                    "unique-target",
                    "a second target for this authority, indicator and year",
                    row=int(i) + 2,
                    column="year",
                    value=str(out.at[i, "year"]),
                )
            )
    if issues:
        raise InputError(issues)
    for column in ("target", "tolerance", "band_low", "band_high"):
        out[column] = out[column].astype("float64")
    out.attrs[CHECKED] = _checked_against(cat)
    return out


def _checked_against(cat: Catalogue) -> str:
    """What a check depended on (each indicator's id, unit and polarity), as a short digest:
    pandas deep-copies ``attrs`` into every derived frame, so the mark must be small."""
    signature = repr([(i.id, i.unit, i.polarity) for i in cat])
    return hashlib.sha1(signature.encode(), usedforsecurity=False).hexdigest()


def as_targets(
    data: pd.DataFrame | str | Path | None, catalogue: Catalogue | None = None
) -> pd.DataFrame | None:
    """Targets from a path or a frame (checked either way), or None."""
    if data is None:
        return None
    if isinstance(data, (str, Path)):
        return read_targets(data, catalogue)
    if data.attrs.get(CHECKED) == _checked_against(catalogue or builtin_catalogue()):
        return data
    return validate_targets(data.astype(str).replace({"nan": "", "None": ""}), catalogue=catalogue)


class TargetRows(dict):
    """A targets frame's first row for each (authority, indicator, year), as plain dicts:
    a report and an assessment look a target up for every figure, and filtering the frame
    each time was ~0.1 s of a report."""


def target_rows(targets: pd.DataFrame | None) -> TargetRows:
    """``targets`` indexed for :func:`target_for` (the first row of each key, as a filter
    of the frame would find it)."""
    rows = TargetRows()
    if targets is not None and len(targets):
        for record in targets.to_dict("records"):
            rows.setdefault((record["authority"], record["indicator"], record["year"]), record)
    return rows


def target_for(
    targets: pd.DataFrame | TargetRows | None,
    authority: str,
    indicator: Indicator,
    period: Period | str,
) -> Target | None:
    """The target applying to ``period`` (its financial year's); ``targets`` a checked
    frame or its :func:`target_rows`.

    A band-polarity indicator without a target row is judged against the catalogue's band.
    """
    year = parse_period(period).financial_year.label
    if isinstance(targets, TargetRows):
        row = targets.get((authority, indicator.id, year))
    elif targets is not None and len(targets):
        hit = targets[
            (targets["authority"] == authority)
            & (targets["indicator"] == indicator.id)
            & (targets["year"] == year)
        ]
        row = hit.iloc[0] if len(hit) else None
    else:
        row = None
    if row is not None:
        band = None
        if pd.notna(row["band_low"]) and pd.notna(row["band_high"]):
            band = (float(row["band_low"]), float(row["band_high"]))
        elif indicator.polarity == "band" and indicator.band:
            band = indicator.band
        target = None if pd.isna(row["target"]) else float(row["target"])
        return Target(authority, indicator.id, year, target, float(row["tolerance"]), band)
    if indicator.polarity == "band" and indicator.band:
        return Target(
            authority,
            indicator.id,
            year,
            None,
            default_tolerance(indicator, None),
            indicator.band,
            "catalogue band",
        )
    return None
