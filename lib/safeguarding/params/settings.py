"""``params/settings.yaml``: the data location, neighbour average, Annex A workbooks and
each report's front-sheet fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .fields import Checker, join_field, mapping_of, read_yaml, unknown_keys
from .records import (
    AUDIENCES,
    DEFAULT_DATA_DIR,
    IMPLICATIONS,
    NEIGHBOUR_AVERAGES,
    AnnexAEntry,
    FrontSheet,
    Implications,
    Settings,
)

_SETTINGS_KEYS = (
    "data",
    "notebooks",
    "targets",
    "indicators",
    "comparators",
    "neighbour_average",
    "defaults",
    "reports",
    "annex_a",
    "dfe_rules",
)
_ANNEX_A_KEYS = ("authority", "file", "extract_date", "months")
_FRONT_KEYS = (
    "title",
    "committee",
    "purpose",
    "recommendations",
    "implications",
    "classification",
    "wards_affected",
    "decision_type",
)


def read_settings(path: Path, root: Path, rel: str = "params/settings.yaml") -> Settings:
    """The project settings, with paths resolved against ``root``."""
    data = read_yaml(path, rel)
    check = Checker(rel)
    data = mapping_of(data, check, "")
    unknown_keys(data, _SETTINGS_KEYS, check, "")
    average = str(data.get("neighbour_average", "mean"))
    if average not in NEIGHBOUR_AVERAGES:
        check.error(
            "neighbour_average", "neighbour_average is mean or median", "neighbour-average", average
        )
    defaults = mapping_of(data.get("defaults"), check, "defaults")
    unknown_keys(defaults, _FRONT_KEYS, check, "defaults")
    reports_raw = mapping_of(data.get("reports"), check, "reports")
    if not reports_raw:
        check.error(
            "reports",
            "settings need a 'reports:' section with each report's front-sheet fields",
            "reports",
        )
    reports: dict[str, FrontSheet] = {}
    for name, fields in reports_raw.items():
        where = f"reports.{name}"
        fields = mapping_of(fields, check, where)
        unknown_keys(fields, _FRONT_KEYS, check, where)
        sheet = _front_sheet(str(name), {**defaults, **fields}, check, where)
        if sheet:
            reports[str(name)] = sheet
    indicators = data.get("indicators", "params/indicators.yaml")
    indicators_path = root / indicators if indicators else None
    if data.get("indicators") and not indicators_path.is_file():
        check.error(
            "indicators", "the local indicators file does not exist", "file-exists", indicators
        )
    comparators = data.get("comparators")
    annex_a = _annex_a(data.get("annex_a"), root, check)
    dfe_rules = data.get("dfe_rules")
    dfe_path = (root / str(dfe_rules)).resolve() if dfe_rules else None
    if dfe_path is not None and not dfe_path.is_file():
        check.error("dfe_rules", "the DfE validation summary does not exist (safeguarding "
                    "dfe-rules writes it)", "file-exists", dfe_rules)  # fmt: skip
    check.raise_if_any()
    return Settings(
        data_dir=(root / str(data.get("data") or DEFAULT_DATA_DIR)).resolve(),
        notebooks_dir=(root / str(data.get("notebooks") or "notebooks")).resolve(),
        targets_dir=(root / str(data.get("targets") or "params/targets")).resolve(),
        indicators_file=indicators_path if indicators_path and indicators_path.is_file() else None,
        comparators_file=(root / str(comparators)).resolve() if comparators else None,
        neighbour_average=average,
        reports=reports,
        annex_a=annex_a,
        dfe_rules=dfe_path,
    )


def _annex_a(value: Any, root: Path, check: Checker) -> tuple[AnnexAEntry, ...]:
    """``annex_a:``: a list of {authority, file, extract_date, months} (one per workbook)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        check.error("annex_a", "annex_a is a list of workbooks (- authority: ..., file: ...)",
                    "yaml-list")  # fmt: skip
        return ()
    entries = []
    for n, item in enumerate(value):
        where = f"annex_a[{n}]"
        item = mapping_of(item, check, where)
        unknown_keys(item, _ANNEX_A_KEYS, check, where)
        authority = check.text(item, "authority", where)
        file = check.text(item, "file", where)
        path = (root / file).resolve() if file else None
        if path is not None and not path.is_file():
            check.error(join_field(where, "file"), "the Annex A workbook does not exist",
                        "file-exists", file)  # fmt: skip
        raw_date = item.get("extract_date")
        extract = None
        if isinstance(raw_date, dt.date):
            extract = raw_date
        elif raw_date is not None:
            try:
                extract = dt.date.fromisoformat(str(raw_date).strip())
            except ValueError:
                check.error(join_field(where, "extract_date"), "extract_date is a YYYY-MM-DD date",
                            "date", raw_date)  # fmt: skip
        months = item.get("months", 12)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 36:
            check.error(join_field(where, "months"), "months is a whole number from 1 to 36",
                        "months", months)  # fmt: skip
            months = 12
        if authority and path is not None:
            entries.append(AnnexAEntry(authority, path, extract, months))
    return tuple(entries)


def _front_sheet(name: str, fields: dict, check: Checker, where: str) -> FrontSheet | None:
    before = len(check.issues)
    recs = fields.get("recommendations")
    if isinstance(recs, str):
        recs = [recs]
    if not isinstance(recs, list) or not recs or not all(isinstance(r, str) for r in recs):
        check.error(
            join_field(where, "recommendations"),
            "recommendations are a list of sentences (in defaults or the report)",
            "recommendations",
        )
        recs = []
    impl = mapping_of(fields.get("implications"), check, join_field(where, "implications"))
    unknown_keys(impl, IMPLICATIONS, check, join_field(where, "implications"))
    implications = Implications(
        *(check.text(impl, key, join_field(where, "implications")) for key in IMPLICATIONS)
    )
    classification = mapping_of(
        fields.get("classification"), check, join_field(where, "classification")
    )
    unknown_keys(classification, AUDIENCES, check, join_field(where, "classification"))
    classes = {
        a: check.text(classification, a, join_field(where, "classification")) for a in AUDIENCES
    }
    committee = check.text(fields, "committee", where)
    sheet = FrontSheet(
        report=name,
        title=check.text(fields, "title", where),
        committee=committee,
        purpose=check.text(fields, "purpose", where),
        recommendations=tuple(r.strip() for r in recs),
        implications=implications,
        classification=classes,
        wards_affected=check.text(fields, "wards_affected", where),
        decision_type=check.text(fields, "decision_type", where),
    )
    return sheet if len(check.issues) == before else None
