"""The indicator catalogue: measures kept as data (``data/indicators.yaml``).

Councils add local indicators in a YAML file under ``params/`` holding a list of entries with
the keys ``id``, ``title``, ``unit``, ``decimals`` and ``polarity`` (``band`` too for band
polarity), without touching the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .exceptions import UnknownName
from .periods import Period, PeriodError, parse_period
from .schema import TABLES
from .validation import InputError, Issue

UNITS = ("percent", "count", "rate_per_10000", "days", "number")  # number: e.g. a caseload
POLARITIES = ("high", "low", "band", "none")
THEMES = {
    "front_door": "Front door: contacts and referrals",
    "assessments": "Assessments",
    "child_protection": "Child protection",
    "looked_after": "Children looked after",
    "care_leavers": "Care leavers",
    "local": "Local indicators",
    # the Children's Social Care National Framework (2023): four outcomes, three enablers
    "families_together": "Children, young people and families stay together and get the help "
    "they need",
    "family_networks": "Children and young people are supported by their family network",
    "safe": "Children and young people are safe in and outside of their homes",
    "stable_homes": "Children in care and care leavers have stable, loving homes",
    "multi_agency": "Enabler: multi-agency working is prioritised and effective",
    "leadership": "Enabler: leaders drive conditions for effective practice",
    "workforce": "Enabler: the workforce is equipped and effective",
}
WINDOWS = ("snapshot", "year_to_date", "in_period", "rolling_12_months")
# What a figure's window is called in a table column or a caption (members' words).
WINDOW_NAMES = {
    "snapshot": "at period end",
    "year_to_date": "year to date",
    "in_period": "in the period",
    "rolling_12_months": "rolling 12 months",
}
# Flows are counted over a stretch of time; a snapshot is a stock on one day.
FLOW_WINDOWS = ("year_to_date", "in_period", "rolling_12_months")
LOCAL_KEYS = ("id", "title", "unit", "decimals", "polarity")


@dataclass(frozen=True)
class Version:
    """One version of an indicator's definition and the first year it applies to."""

    start: Period
    params: dict[str, Any] = field(hash=False)  # a dict is unhashable; start+note identify it
    note: str = ""


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    decimals: int
    polarity: str
    short_title: str = ""
    theme: str = "local"
    numerator: str = ""
    denominator: str = ""
    why: str = ""
    methodology: str = ""  # which reading of the definition the rule uses, and why
    window: str = "year_to_date"
    tables: tuple[str, ...] = ()
    rule: str | None = None
    band: tuple[float, float] | None = None
    valid_from: Period | None = None
    valid_to: Period | None = None
    versions: tuple[Version, ...] = ()
    dfe: dict[str, str] = field(default_factory=dict)
    local: bool = False
    # the amber margin when the targets file gives none: absolute (in the unit) or a share
    # of the target; both None: the documented default (safeguarding.targets)
    tolerance: float | None = None
    tolerance_share: float | None = None

    @property
    def label(self) -> str:
        """Short name for tables and charts."""
        return self.short_title or self.title

    @property
    def is_percentage(self) -> bool:
        return self.unit == "percent"

    @property
    def computable(self) -> bool:
        """True when the library has a record-level rule for it."""
        return self.rule is not None

    # -- windows -----------------------------------------------------------------------------
    def months_covered(self, period: Period | str) -> int | None:
        """How many months of activity a figure for ``period`` counts (None: a snapshot)."""
        p = parse_period(period)
        if self.window == "snapshot":
            return None
        if self.window == "rolling_12_months":
            return 12
        if self.window == "year_to_date":
            months = {"year": 12, "quarter": 3 * p.quarter, "month": p.month}
            return months[p.kind]
        return {"year": 12, "quarter": 3, "month": 1}[p.kind]

    @property
    def scales_with_time(self) -> bool:
        """True for counts and rates of a flow: a part year's figure is smaller than a year's
        only because less time passed, so it must be annualised before meeting an annual one."""
        return self.unit in ("count", "rate_per_10000") and self.window in FLOW_WINDOWS

    def annual_factor(self, period: Period | str) -> float:
        """What a figure for ``period`` is multiplied by to put it on a 12-month basis (1 for
        percentages, days, snapshots and figures that already cover 12 months)."""
        months = self.months_covered(period)
        if not self.scales_with_time or months is None or months == 12:
            return 1.0
        return 12.0 / months

    def window_words(self, period: Period | str) -> str:
        """The stretch of time a figure covers, in members' words: ``at 30 September 2024``,
        ``April to September 2024 (year to date)``, ``July to September 2024``, ``the 12
        months to September 2024``."""
        p = parse_period(period)
        if self.window == "snapshot":
            return f"at {p.end.day} {p.end:%B %Y}"
        if self.window == "rolling_12_months":
            return f"the 12 months to {p.end:%B %Y}"
        start = p.start if self.window == "in_period" else Period(p.year).start
        if start.year == p.end.year and start.month == p.end.month:
            return f"{p.end:%B %Y}"
        first = f"{start:%B}" if start.year == p.end.year else f"{start:%B %Y}"
        words = f"{first} to {p.end:%B %Y}"
        partial = self.window == "year_to_date" and p.kind != "year" and p.end.month != 3
        return words + (" (year to date)" if partial else "")

    @property
    def window_name(self) -> str:
        return WINDOW_NAMES.get(self.window, self.window)

    def applies_to(self, period: Period | str) -> bool:
        """Whether the definition exists in ``period``'s financial year."""
        year = parse_period(period).financial_year
        if self.valid_from and year < self.valid_from:
            return False
        return not (self.valid_to and year > self.valid_to)

    def version_for(self, period: Period | str) -> Version | None:
        """The definition version in force for ``period`` (None before the first)."""
        year = parse_period(period).financial_year
        current = None
        for version in self.versions:
            if version.start <= year:
                current = version
        return current

    def changed_definition_note(self, periods: list[Period]) -> str | None:
        """A footnote when the given periods span more than one definition version."""
        # versions hold a params dict, so they are told apart by their start year
        in_force = {v.start: v for p in periods if (v := self.version_for(p)) is not None}
        if len(in_force) <= 1:
            return None
        newest_first = [in_force[start] for start in sorted(in_force, reverse=True)]
        notes = [v.note for v in newest_first if v.note]
        return " ".join(notes) or f"Definition changed in {newest_first[0].start.fy_label}."

    def polarity_sentence(self) -> str:
        """The sentence every report gives to say which direction is good."""
        if self.polarity == "high":
            return "For this indicator a high score is indicative of good performance."
        if self.polarity == "low":
            return "For this indicator a low score is indicative of good performance."
        if self.polarity == "band":
            low, high = self.band or (None, None)
            if low is not None:
                return (
                    "For this indicator performance is good within the band of "
                    f"{format_value(low, self.unit, self.decimals)} to "
                    f"{format_value(high, self.unit, self.decimals)}; both higher and lower "
                    "figures are a concern."
                )
            return "For this indicator both too high and too low a figure are a concern."
        return (
            "This indicator measures activity: neither a high nor a low figure is good in itself."
        )

    def format(self, value: float | None) -> str:
        return format_value(value, self.unit, self.decimals)

    def round(self, value: float | None) -> float | None:
        """Round to the reporting precision (half away from zero, as published tables do)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return round_half_up(value, self.decimals)


def round_half_up(value: float, decimals: int) -> float:
    """Round half away from zero; avoids Python's banker's rounding and float noise."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_value(value: float | None, unit: str, decimals: int) -> str:
    """Text for a figure in its unit: ``92.7%``, ``1,616``, ``43.2 per 10,000``, ``12 days``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    number = f"{round_half_up(float(value), decimals):,.{decimals}f}"
    if unit == "percent":
        return f"{number}%"
    if unit == "rate_per_10000":
        return f"{number} per 10,000"
    if unit == "days":
        return f"{number} days"
    return number


class Catalogue:
    """All indicators by id, in catalogue order."""

    def __init__(self, indicators: list[Indicator]):
        self._by_id: dict[str, Indicator] = {}
        for ind in indicators:
            self._by_id[ind.id] = ind

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            known = ", ".join(self._by_id)
            raise UnknownName(f"unknown indicator {indicator_id!r}; known: {known}") from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def by_theme(self, theme: str) -> list[Indicator]:
        return [i for i in self if i.theme == theme]

    def with_local(self, path: str | Path | None) -> Catalogue:
        """This catalogue plus the local indicators defined in ``path`` (if given)."""
        if path is None:
            return self
        local = load_local_indicators(path)
        clash = [i.id for i in local if i.id in self and not self[i.id].local]
        if clash:
            raise InputError(
                [
                    Issue(
                        "error",
                        str(path),
                        "unique-id",
                        f"id {c!r} is a built-in indicator",
                        column="id",
                        value=c,
                    )
                    for c in clash
                ]
            )
        return Catalogue([*self, *local])


def _parse_indicator(entry: dict[str, Any], source: str, row: str, local: bool) -> Indicator:
    issues: list[Issue] = []

    def bad(key: str, message: str, rule: str) -> None:
        issues.append(Issue.error_at(source, rule, message, row, key, entry.get(key)))

    for key in LOCAL_KEYS:
        if key not in entry or entry[key] in (None, ""):
            bad(key, f"the key {key!r} is required", "required-key")
    if issues:
        raise InputError(issues)
    if entry["unit"] not in UNITS:
        bad("unit", f"unit must be one of {', '.join(UNITS)}", "known-unit")
    if entry["polarity"] not in POLARITIES:
        bad("polarity", f"polarity must be one of {', '.join(POLARITIES)}", "known-polarity")
    try:
        decimals = int(entry["decimals"])
        if decimals < 0 or decimals > 4:
            raise ValueError
    except (TypeError, ValueError):
        bad("decimals", "decimals must be a whole number from 0 to 4", "decimals")
        decimals = 0
    band = entry.get("band")
    if band is not None and (
        not isinstance(band, list)
        or len(band) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in band)
    ):
        bad("band", "band must be a list of two numbers [low, high]", "band")
    if entry["polarity"] == "band" and band is None and not local:
        bad("band", "a band indicator needs its band [low, high]", "band")
    window = entry.get("window", "year_to_date")
    if window not in WINDOWS:
        bad("window", f"window must be one of {', '.join(WINDOWS)}", "known-window")
    tolerances: dict[str, float | None] = {}
    for key in ("tolerance", "tolerance_share"):
        raw = entry.get(key)
        number = isinstance(raw, int | float) and not isinstance(raw, bool)
        ok = raw is None or (number and raw >= 0)
        if not ok or (key == "tolerance_share" and raw is not None and raw > 1):
            bad(key, f"{key} must be a number from 0" + (" to 1" if "share" in key else ""), key)
        tolerances[key] = float(raw) if ok and raw is not None else None
    periods: dict[str, Period | None] = {}
    for key in ("valid_from", "valid_to"):
        try:
            periods[key] = parse_period(str(entry[key])) if entry.get(key) else None
        except PeriodError as exc:
            bad(key, str(exc), "period")
    unknown = [t for t in entry.get("tables") or () if t not in TABLES]
    if unknown:
        bad("tables", f"unknown tables {unknown}; known: {', '.join(TABLES)}", "known-table")
    versions: list[Version] = []
    raw_versions = entry.get("versions") or []
    for n, v in enumerate(raw_versions if isinstance(raw_versions, list) else [None], 1):
        params = (v.get("params") or {}) if isinstance(v, dict) else None
        if not isinstance(v, dict) or "from" not in v or not isinstance(params, dict):
            bad(
                "versions",
                f"version {n} needs 'from' (a year) and optional 'params' mapping",
                "version",
            )
            continue
        try:
            versions.append(Version(parse_period(str(v["from"])), dict(params), v.get("note", "")))
        except PeriodError as exc:
            bad("versions", f"version {n}: {exc}", "period")
    if issues:
        raise InputError(issues)
    return Indicator(
        id=str(entry["id"]),
        title=str(entry["title"]),
        unit=entry["unit"],
        decimals=decimals,
        polarity=entry["polarity"],
        short_title=entry.get("short_title", ""),
        theme=entry.get("theme", "local"),
        numerator=entry.get("numerator", ""),
        denominator=entry.get("denominator", ""),
        why=entry.get("why", ""),
        methodology=entry.get("methodology", ""),
        window=window,
        tables=tuple(entry.get("tables", ())),
        rule=entry.get("rule"),
        band=tuple(float(b) for b in band) if band else None,
        valid_from=periods["valid_from"],
        valid_to=periods["valid_to"],
        versions=tuple(versions),
        dfe=dict(entry.get("dfe") or {}),
        local=local,
        tolerance=tolerances["tolerance"],
        tolerance_share=tolerances["tolerance_share"],
    )


def load_local_indicators(path: str | Path) -> list[Indicator]:
    """Read a council's local indicator definitions (a YAML list, or ``indicators:`` list)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "file-exists", "file not found")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Issue("error", str(path), "yaml", f"not valid YAML: {exc}")]) from None
    if isinstance(data, dict) and "indicators" in data:
        data = data["indicators"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise InputError(
            [Issue("error", str(path), "yaml-list", "expected a list of indicator entries")]
        )
    out, issues = [], []
    seen: set[str] = set()
    for n, entry in enumerate(data, start=1):
        where = f"entry {n}"
        if not isinstance(entry, dict):
            issues.append(
                Issue("error", str(path), "yaml-mapping", "entry is not a mapping", row=where)
            )
            continue
        try:
            ind = _parse_indicator(entry, str(path), where, local=True)
        except InputError as exc:
            issues.extend(exc.issues)
            continue
        if ind.id in seen:
            issues.append(
                Issue(
                    "error",
                    str(path),
                    "unique-id",
                    "id appears twice",
                    row=where,
                    column="id",
                    value=ind.id,
                )
            )
        seen.add(ind.id)
        out.append(ind)
    if issues:
        raise InputError(issues)
    return out


_CATALOGUE: Catalogue | None = None


def catalogue() -> Catalogue:
    """The built-in catalogue (cached)."""
    global _CATALOGUE
    if _CATALOGUE is None:
        text = resources.files("safeguarding.data").joinpath("indicators.yaml").read_text("utf-8")
        entries = yaml.safe_load(text)["indicators"]
        _CATALOGUE = Catalogue(
            [
                _parse_indicator(e, "indicators.yaml", f"entry {n}", local=False)
                for n, e in enumerate(entries, 1)
            ]
        )
    return _CATALOGUE


def get_indicator(indicator_id: str, local: str | Path | None = None) -> Indicator:
    """One indicator by id from the built-in catalogue (plus local definitions)."""
    return catalogue().with_local(local)[indicator_id]
