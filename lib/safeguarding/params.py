"""Reading and validating everything under ``params/``.

The layout (see ``docs/architecture.md``)::

    params/
      settings.yaml            data location, neighbour average, front-sheet fields per report
      authorities.yaml         authorities, their neighbours and committees
      indicators.yaml          local indicators (read by ``catalogue``)
      targets/<YYYY-YY>.csv    targets per year (read by ``safeguarding.targets``)
      commentary/<YYYY-YY-Qn>/<authority>/<INDICATOR>.md
      runs/<YYYY-YY-Qn>.yaml   which reports go to which committees, for which audience

Every problem is an :class:`~safeguarding.validation.Issue` naming the file (relative to
the project root) and the field (``authorities[2].committees[0].meeting_date``); all the
problems in a file are reported together in one :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .exceptions import MissingInput, UnknownName
from .periods import Period, PeriodError, parse_period
from .validation import InputError, Issue

REPORTS = ("quarterly_scorecard", "child_protection", "looked_after", "national_framework")
AUDIENCES = ("public", "restricted")
NEIGHBOUR_AVERAGES = ("mean", "median")
IMPLICATIONS = ("financial", "legal", "equalities", "risk", "consultation")
COMMENTARY_MODES = ("replace", "follow")
DEFAULT_DATA_DIR = "data/demo"

_CODE = re.compile(r"^\d{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    """The contact officer printed on a front sheet."""

    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class Committee:
    """A committee or board an authority reports to."""

    id: str
    name: str
    meeting_date: dt.date
    report_of: str
    contact: Officer


@dataclass(frozen=True)
class Authority:
    code: str
    name: str
    region: str
    neighbours: tuple[str, ...] | None  # None: take them from the statistical-neighbour data
    committees: dict[str, Committee]

    def committee(self, committee_id: str) -> Committee:
        try:
            return self.committees[committee_id]
        except KeyError:
            known = ", ".join(self.committees) or "none"
            raise UnknownName(
                f"authority {self.code} has no committee {committee_id!r} in "
                f"params/authorities.yaml (known: {known})"
            ) from None


@dataclass(frozen=True)
class Implications:
    financial: str
    legal: str
    equalities: str
    risk: str
    consultation: str


@dataclass(frozen=True)
class FrontSheet:
    """The front-sheet fields of one report (settings ``defaults`` merged with the report's)."""

    report: str
    title: str
    committee: str  # the committee id it goes to unless a run plan says otherwise
    purpose: str
    recommendations: tuple[str, ...]
    implications: Implications
    classification: dict[str, str]  # per audience
    wards_affected: str
    decision_type: str

    def classification_for(self, audience: str) -> str:
        return self.classification[audience]


@dataclass(frozen=True)
class AnnexAEntry:
    """One Ofsted Annex A workbook the batch reads for an authority (``annex_a:`` in
    settings.yaml): the year in progress, joined to the returns for the closed years."""

    authority: str
    file: Path  # absolute
    extract_date: dt.date | None  # None: the latest date in its lists, with a warning
    months: int = 12  # the months it covers up to its extract date


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # absolute
    notebooks_dir: Path  # absolute
    targets_dir: Path  # absolute
    indicators_file: Path | None  # absolute; None when the project has no local indicators
    comparators_file: Path | None  # absolute; None: the data folder's comparators.csv
    neighbour_average: str
    reports: dict[str, FrontSheet]
    annex_a: tuple[AnnexAEntry, ...] = ()
    dfe_rules: Path | None = None  # the DfE validation summary the data-quality note shows

    def annex_a_for(self, authority: str) -> tuple[AnnexAEntry, ...]:
        """The authority's Annex A workbooks, oldest extract first."""
        own = [e for e in self.annex_a if e.authority == str(authority)]
        return tuple(sorted(own, key=lambda e: e.extract_date or dt.date.min))


@dataclass(frozen=True)
class RunEntry:
    """One (authority × report) run of a quarter."""

    authority: str
    report: str
    committee: str
    audience: str


@dataclass(frozen=True)
class RunPlan:
    quarter: str  # canonical, e.g. "2024-25 Q2"
    entries: tuple[RunEntry, ...]
    source: Path | None  # the run file, or None for the default plan

    def select(
        self, authorities: list[str] | None = None, reports: list[str] | None = None
    ) -> RunPlan:
        """The entries for the given authorities and reports only (None: all)."""
        kept = tuple(
            e
            for e in self.entries
            if (not authorities or e.authority in authorities)
            and (not reports or e.report in reports)
        )
        return RunPlan(self.quarter, kept, self.source)


# --- helpers -------------------------------------------------------------------------------


class _Checker:
    """Collects issues for one file; fields are named like ``authorities[2].name``."""

    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []

    def error(self, where: str, message: str, rule: str, value: Any = None) -> None:
        self.issues.append(
            Issue(
                "error",
                self.file,
                rule,
                message,
                row=where or None,
                value=None if value is None else str(value),
            )
        )

    def text(self, mapping: dict, key: str, where: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(
                    _join(where, key),
                    f"{key!r} is required (write N/A if it does not apply)"
                    if key in IMPLICATIONS
                    else f"{key!r} is required",
                    "required-field",
                )
            return ""
        if not isinstance(value, str | int | float):
            self.error(_join(where, key), f"{key!r} must be text", "text-field", value)
            return ""
        return str(value).strip()

    def raise_if_any(self) -> None:
        if self.issues:
            raise InputError(self.issues)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def find_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding ``params/`` and
    ``pyproject.toml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise MissingInput(
        f"no project found at or above {here}: a project folder holds params/ and "
        "pyproject.toml (run from inside the project, or pass --project)"
    )


# libyaml's loader when PyYAML was built with it: a national authorities.yaml (153 entries)
# takes 1.5 s with the pure-Python one, and every report reads it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, rel: str) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
    except FileNotFoundError:
        raise InputError([Issue("error", rel, "file-exists", "file not found")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            [Issue("error", rel, "yaml", f"not valid YAML: {problem}", row=row)]
        ) from None


def _code(value: Any, check: _Checker, where: str) -> str | None:
    """A DfE code as 3-digit text. YAML reads ``901`` as a number; that is fine, but a
    number below 100 lost its leading zero (and ``012`` may even be read as octal)."""
    if isinstance(value, bool) or value is None:
        check.error(
            where, 'an authority code (3 digits, e.g. "901") is required', "authority-code", value
        )
        return None
    if isinstance(value, int):
        if value < 100:
            check.error(
                where,
                'codes with leading zeros must be quoted, e.g. "012"',
                "authority-code",
                value,
            )
            return None
        value = str(value)
    value = str(value).strip()
    if not _CODE.match(value):
        check.error(where, 'an authority code is 3 digits, e.g. "901"', "authority-code", value)
        return None
    return value


def _date(value: Any, check: _Checker, where: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        check.error(where, "a date is written YYYY-MM-DD, e.g. 2024-11-12", "iso-date", value)
        return None


def _mapping(value: Any, check: _Checker, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.error(where, "expected a mapping (key: value lines)", "yaml-mapping")
        return {}
    return value


def _unknown_keys(mapping: dict, allowed: tuple[str, ...], check: _Checker, where: str) -> None:
    for key in mapping:
        if key not in allowed:
            check.error(
                _join(where, str(key)),
                f"unknown field {key!r}; expected one of {', '.join(allowed)}",
                "known-field",
            )


# --- authorities.yaml ----------------------------------------------------------------------

_AUTHORITY_KEYS = ("code", "name", "region", "neighbours", "committees")
_COMMITTEE_KEYS = ("id", "name", "meeting_date", "report_of", "contact")
_OFFICER_KEYS = ("name", "role", "phone", "email")


def read_authorities(path: Path, rel: str = "params/authorities.yaml") -> dict[str, Authority]:
    """Authorities by code, validated."""
    data = _read_yaml(path, rel)
    check = _Checker(rel)
    entries = data.get("authorities") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        check.error(
            "authorities", "expected a list of authorities under 'authorities:'", "yaml-list"
        )
        check.raise_if_any()
    out: dict[str, Authority] = {}
    for n, entry in enumerate(entries):
        where = f"authorities[{n}]"
        if not isinstance(entry, dict):
            check.error(where, "each authority is a mapping", "yaml-mapping")
            continue
        _unknown_keys(entry, _AUTHORITY_KEYS, check, where)
        code = _code(entry.get("code"), check, _join(where, "code"))
        name = check.text(entry, "name", where)
        region = check.text(entry, "region", where)
        neighbours = _neighbours(entry.get("neighbours"), check, _join(where, "neighbours"))
        committees = _committees(entry.get("committees"), check, _join(where, "committees"))
        if code is None:
            continue
        if code in out:
            check.error(_join(where, "code"), "this code appears twice", "unique-code", code)
            continue
        out[code] = Authority(code, name, region, neighbours, committees)
    for code, authority in out.items():
        for other in authority.neighbours or ():
            if other == code:
                check.error(
                    f"authorities[{code}].neighbours",
                    "an authority is not its own neighbour",
                    "neighbour",
                    other,
                )
    check.raise_if_any()
    return out


def _neighbours(value: Any, check: _Checker, where: str) -> tuple[str, ...] | None:
    if value is None or value == "data":
        return None
    if not isinstance(value, list):
        check.error(
            where,
            "neighbours is a list of codes, or 'data' to use the statistical-neighbour file",
            "neighbours",
        )
        return None
    codes = [_code(v, check, f"{where}[{i}]") for i, v in enumerate(value)]
    return tuple(c for c in codes if c)


def _committees(value: Any, check: _Checker, where: str) -> dict[str, Committee]:
    if not isinstance(value, list) or not value:
        check.error(where, "each authority needs a list of committees", "committees")
        return {}
    out: dict[str, Committee] = {}
    for n, entry in enumerate(value):
        at = f"{where}[{n}]"
        if not isinstance(entry, dict):
            check.error(at, "each committee is a mapping", "yaml-mapping")
            continue
        _unknown_keys(entry, _COMMITTEE_KEYS, check, at)
        cid = check.text(entry, "id", at)
        if cid and not _ID.match(cid):
            check.error(
                _join(at, "id"),
                "a committee id is lower-case letters, digits and _",
                "committee-id",
                cid,
            )
        name = check.text(entry, "name", at)
        meeting = _date(entry.get("meeting_date"), check, _join(at, "meeting_date"))
        report_of = check.text(entry, "report_of", at)
        contact = _officer(entry.get("contact"), check, _join(at, "contact"))
        if cid in out:
            check.error(_join(at, "id"), "this committee id appears twice", "unique-id", cid)
        elif cid and meeting and contact:
            out[cid] = Committee(cid, name, meeting, report_of, contact)
    return out


def _officer(value: Any, check: _Checker, where: str) -> Officer | None:
    if not isinstance(value, dict):
        check.error(where, "the contact officer (name, role, phone, email) is required", "contact")
        return None
    _unknown_keys(value, _OFFICER_KEYS, check, where)
    phone = value.get("phone")
    if isinstance(phone, int):
        # YAML drops a phone number's leading zero when it is not quoted
        check.error(
            _join(where, "phone"), 'quote the phone number, e.g. "01632 960123"', "phone", phone
        )
    email = check.text(value, "email", where)
    if email and not _EMAIL.match(email):
        check.error(_join(where, "email"), "not an e-mail address", "email", email)
    return Officer(
        check.text(value, "name", where),
        check.text(value, "role", where),
        check.text(value, "phone", where),
        email,
    )


# --- settings.yaml -------------------------------------------------------------------------

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
    data = _read_yaml(path, rel)
    check = _Checker(rel)
    data = _mapping(data, check, "")
    _unknown_keys(data, _SETTINGS_KEYS, check, "")
    average = str(data.get("neighbour_average", "mean"))
    if average not in NEIGHBOUR_AVERAGES:
        check.error(
            "neighbour_average", "neighbour_average is mean or median", "neighbour-average", average
        )
    defaults = _mapping(data.get("defaults"), check, "defaults")
    _unknown_keys(defaults, _FRONT_KEYS, check, "defaults")
    reports_raw = _mapping(data.get("reports"), check, "reports")
    if not reports_raw:
        check.error(
            "reports",
            "settings need a 'reports:' section with each report's front-sheet fields",
            "reports",
        )
    reports: dict[str, FrontSheet] = {}
    for name, fields in reports_raw.items():
        where = f"reports.{name}"
        fields = _mapping(fields, check, where)
        _unknown_keys(fields, _FRONT_KEYS, check, where)
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


def _annex_a(value: Any, root: Path, check: _Checker) -> tuple[AnnexAEntry, ...]:
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
        item = _mapping(item, check, where)
        _unknown_keys(item, _ANNEX_A_KEYS, check, where)
        authority = check.text(item, "authority", where)
        file = check.text(item, "file", where)
        path = (root / file).resolve() if file else None
        if path is not None and not path.is_file():
            check.error(_join(where, "file"), "the Annex A workbook does not exist",
                        "file-exists", file)  # fmt: skip
        raw_date = item.get("extract_date")
        extract = None
        if isinstance(raw_date, dt.date):
            extract = raw_date
        elif raw_date is not None:
            try:
                extract = dt.date.fromisoformat(str(raw_date).strip())
            except ValueError:
                check.error(_join(where, "extract_date"), "extract_date is a YYYY-MM-DD date",
                            "date", raw_date)  # fmt: skip
        months = item.get("months", 12)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 36:
            check.error(_join(where, "months"), "months is a whole number from 1 to 36",
                        "months", months)  # fmt: skip
            months = 12
        if authority and path is not None:
            entries.append(AnnexAEntry(authority, path, extract, months))
    return tuple(entries)


def _front_sheet(name: str, fields: dict, check: _Checker, where: str) -> FrontSheet | None:
    before = len(check.issues)
    recs = fields.get("recommendations")
    if isinstance(recs, str):
        recs = [recs]
    if not isinstance(recs, list) or not recs or not all(isinstance(r, str) for r in recs):
        check.error(
            _join(where, "recommendations"),
            "recommendations are a list of sentences (in defaults or the report)",
            "recommendations",
        )
        recs = []
    impl = _mapping(fields.get("implications"), check, _join(where, "implications"))
    _unknown_keys(impl, IMPLICATIONS, check, _join(where, "implications"))
    implications = Implications(
        *(check.text(impl, key, _join(where, "implications")) for key in IMPLICATIONS)
    )
    classification = _mapping(fields.get("classification"), check, _join(where, "classification"))
    _unknown_keys(classification, AUDIENCES, check, _join(where, "classification"))
    classes = {a: check.text(classification, a, _join(where, "classification")) for a in AUDIENCES}
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


# --- runs/<quarter>.yaml -------------------------------------------------------------------

_RUN_FILE_KEYS = ("quarter", "runs")
_RUN_KEYS = ("report", "committee", "audience", "authorities")


def read_run_plan(
    path: Path,
    rel: str,
    quarter: Period,
    authorities: dict[str, Authority],
    reports: dict[str, FrontSheet],
) -> RunPlan:
    """A quarter's run file: which reports go to which committees, for which audience."""
    data = _read_yaml(path, rel)
    check = _Checker(rel)
    data = _mapping(data, check, "")
    _unknown_keys(data, _RUN_FILE_KEYS, check, "")
    if "quarter" in data:
        try:
            if parse_period(str(data["quarter"])) != quarter:
                check.error(
                    "quarter",
                    f"the file is for {quarter.label} (its name) but says another quarter",
                    "quarter-matches-file",
                    data["quarter"],
                )
        except PeriodError as exc:
            check.error("quarter", str(exc), "period", data["quarter"])
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        check.error(
            "runs",
            "expected a list of runs (report, committee, audience, authorities)",
            "yaml-list",
        )
        check.raise_if_any()
    entries: list[RunEntry] = []
    seen: dict[tuple[str, str], str] = {}
    for n, run in enumerate(runs):
        where = f"runs[{n}]"
        if not isinstance(run, dict):
            check.error(where, "each run is a mapping", "yaml-mapping")
            continue
        _unknown_keys(run, _RUN_KEYS, check, where)
        report = check.text(run, "report", where)
        if report and report not in reports:
            check.error(
                _join(where, "report"),
                f"unknown report; settings.yaml defines {', '.join(reports)}",
                "known-report",
                report,
            )
            continue
        audience = str(run.get("audience", "public"))
        if audience not in AUDIENCES:
            check.error(
                _join(where, "audience"), "audience is public or restricted", "audience", audience
            )
        committee = str(run.get("committee") or (reports[report].committee if report else ""))
        codes = _run_authorities(
            run.get("authorities", "all"), authorities, check, _join(where, "authorities")
        )
        for code in codes:
            if committee not in authorities[code].committees:
                check.error(
                    _join(where, "committee"),
                    f"authority {code} has no committee with this id in params/authorities.yaml",
                    "known-committee",
                    committee,
                )
                continue
            if (code, report) in seen:
                check.error(
                    where,
                    f"authority {code} already has report {report} in "
                    f"{seen[(code, report)]}; outputs hold one of each",
                    "unique-run",
                    report,
                )
                continue
            seen[(code, report)] = where
            entries.append(RunEntry(code, report, committee, audience))
    check.raise_if_any()
    return RunPlan(quarter.label, tuple(entries), path)


def _run_authorities(
    value: Any, authorities: dict[str, Authority], check: _Checker, where: str
) -> list[str]:
    if value in (None, "all"):
        return list(authorities)
    if not isinstance(value, list):
        check.error(where, "authorities is 'all' or a list of codes", "authorities")
        return []
    codes = []
    for i, raw in enumerate(value):
        code = _code(raw, check, f"{where}[{i}]")
        if code and code not in authorities:
            check.error(
                f"{where}[{i}]",
                "not an authority in params/authorities.yaml",
                "known-authority",
                code,
            )
        elif code:
            codes.append(code)
    return codes


# --- commentary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Commentary:
    text: str
    mode: str  # "replace": the analyst's text replaces the drafted paragraph; "follow": after it
    path: Path


def read_commentary(
    path: Path, rel: str, root: Path | None = None, safe: bool = True
) -> Commentary:
    """One commentary file: Markdown with optional YAML front matter ``mode: replace|follow``.
    Its text is checked and rewritten by :func:`safeguarding.commentary.sanitise` (``safe``;
    ``root``, the project folder, bounds where its images may come from)."""
    raw = path.read_text(encoding="utf-8")
    first_line = 1
    check = _Checker(rel)
    mode = "replace"
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise InputError(
                [
                    Issue(
                        "error",
                        rel,
                        "yaml",
                        f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}",
                    )
                ]
            ) from None
        meta = _mapping(meta, check, "front matter")
        _unknown_keys(meta, ("mode",), check, "front matter")
        mode = str(meta.get("mode", mode))
        if mode not in COMMENTARY_MODES:
            check.error("front matter.mode", "mode is replace or follow", "commentary-mode", mode)
        first_line += raw[: match.end()].count("\n")
        raw = raw[match.end() :]
    check.raise_if_any()
    text = raw.strip()
    if safe:
        from .commentary import sanitise

        first_line += raw[: len(raw) - len(raw.lstrip())].count("\n")  # blank lines stripped
        text = sanitise(text, rel, path.parent, root, first_line)
    return Commentary(text, mode, path)


# --- the project ---------------------------------------------------------------------------


@dataclass
class Project:
    """A project's parameters, validated; paths are absolute."""

    root: Path
    settings: Settings
    authorities: dict[str, Authority]
    _commentary_cache: dict[Path, Commentary] = field(default_factory=dict, repr=False)

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root where it lies inside it (for messages)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def authority(self, code: str) -> Authority:
        code = str(code)
        if code not in self.authorities:
            raise UnknownName(
                f"authority {code!r} is not in params/authorities.yaml (known: "
                f"{', '.join(self.authorities)})"
            )
        return self.authorities[code]

    def front_sheet(self, report: str) -> FrontSheet:
        if report not in self.settings.reports:
            raise UnknownName(
                f"report {report!r} has no front-sheet settings in "
                f"params/settings.yaml (known: {', '.join(self.settings.reports)})"
            )
        return self.settings.reports[report]

    def notebook(self, report: str) -> Path:
        return self.settings.notebooks_dir / f"{report}.ipynb"

    # commentary
    def commentary_dir(self, authority: str, quarter: str | Period) -> Path:
        return self.params_dir / "commentary" / _quarter_slug(quarter) / str(authority)

    def commentary(self, authority: str, quarter: str | Period, indicator: str) -> tuple[str, str]:
        """The analyst's text for one indicator and its mode; ``("", "replace")`` when there is
        none (an empty text never replaces the drafted paragraph)."""
        path = self.commentary_dir(authority, quarter) / f"{indicator}.md"
        if not path.is_file():
            return "", "replace"
        if path not in self._commentary_cache:
            self._commentary_cache[path] = read_commentary(path, self.rel(path), self.root)
        found = self._commentary_cache[path]
        return found.text, found.mode

    # targets
    def targets_file(self, year: str | Period) -> Path | None:
        """``params/targets/<YYYY-YY>.csv`` for the financial year of ``year``, if present."""
        path = self.settings.targets_dir / f"{parse_period(year).fy_label}.csv"
        return path if path.is_file() else None

    def targets_files(self) -> list[Path]:
        return sorted(self.settings.targets_dir.glob("*.csv"))

    def targets(self, years: list[str | Period] | None = None) -> Any:
        """The targets, read by ``safeguarding.targets.read_targets`` (imported lazily: the
        CSV's content rules live there)."""
        from . import targets as targets_module  # noqa: PLC0415 - optional, owned elsewhere

        files = (
            self.targets_files()
            if years is None
            else [p for p in (self.targets_file(y) for y in years) if p is not None]
        )
        import pandas as pd  # noqa: PLC0415

        catalogue = self.catalogue()
        frames = [targets_module.read_targets(f, catalogue) for f in files]
        if not frames:
            return pd.DataFrame(columns=list(targets_module.COLUMNS))
        combined = pd.concat(frames, ignore_index=True)
        combined.attrs = dict(frames[0].attrs)  # every frame was checked against catalogue
        return combined

    def catalogue(self) -> Any:
        """The built-in indicator catalogue plus the project's local indicators."""
        from .catalogue import catalogue  # noqa: PLC0415

        return catalogue().with_local(self.settings.indicators_file)

    # run plans
    def run_file(self, quarter: str | Period) -> Path:
        return self.params_dir / "runs" / f"{_quarter_slug(quarter)}.yaml"

    def run_plan(self, quarter: str | Period) -> RunPlan:
        """The quarter's run file, or the default: every authority × the three reports, each
        to the committee its settings name, for the public."""
        period = parse_period(quarter)
        if period.kind != "quarter":
            raise PeriodError(f"a run is for a quarter, e.g. '2024-25 Q2', not {period.label!r}")
        path = self.run_file(period)
        if path.is_file():
            return read_run_plan(
                path, self.rel(path), period, self.authorities, self.settings.reports
            )
        entries = []
        for code, authority in self.authorities.items():
            for report in REPORTS:
                if report not in self.settings.reports:
                    continue
                committee = self.settings.reports[report].committee
                if committee not in authority.committees:
                    committee = next(iter(authority.committees))
                entries.append(RunEntry(code, report, committee, "public"))
        return RunPlan(period.label, tuple(entries), None)

    # what a run reads
    def files_read(self, authority: str, quarter: str | Period) -> list[Path]:
        """The params files one authority's run reads, for checksums (existing files only)."""
        period = parse_period(quarter)
        files = [self.params_dir / "settings.yaml", self.params_dir / "authorities.yaml"]
        if self.settings.indicators_file:
            files.append(self.settings.indicators_file)
        files.append(self.run_file(period))
        for year in (period.financial_year, period.financial_year.shift(-1)):
            target = self.targets_file(year)
            if target:
                files.append(target)
        folder = self.commentary_dir(authority, period)
        if folder.is_dir():
            files.extend(sorted(folder.rglob("*.md")))
        return [f for f in files if f.is_file()]

    def check(self) -> list[Issue]:
        """Validate the files read lazily (commentary) as well; returns every issue."""
        issues: list[Issue] = []
        for path in sorted((self.params_dir / "commentary").rglob("*.md")):
            parts = path.relative_to(self.params_dir / "commentary").parts
            try:
                if len(parts) != 3:
                    raise InputError(
                        [
                            Issue(
                                "error",
                                self.rel(path),
                                "commentary-layout",
                                "commentary lives at commentary/<YYYY-YY-Qn>/"
                                "<authority>/<INDICATOR>.md",
                            )
                        ]
                    )
                quarter_dir, code, _ = parts
                if parse_period(quarter_dir.replace("-Q", " Q")).kind != "quarter":
                    raise PeriodError(f"{quarter_dir} is not a quarter")
                if code not in self.authorities:
                    raise InputError(
                        [
                            Issue(
                                "error",
                                self.rel(path),
                                "known-authority",
                                f"{code} is not in params/authorities.yaml",
                            )
                        ]
                    )
                read_commentary(path, self.rel(path), self.root, safe=False)  # the runs check text
            except PeriodError as exc:
                issues.append(Issue("error", self.rel(path), "period", str(exc)))
            except InputError as exc:
                issues.extend(exc.issues)
        return issues


def _quarter_slug(quarter: str | Period) -> str:
    """``2024-25 Q2`` → ``2024-25-Q2`` (folder and file names)."""
    period = parse_period(quarter)
    return period.label.replace(" ", "-")


def quarter_slug(quarter: str | Period) -> str:
    """The quarter's folder name, e.g. ``2024-25-Q2``."""
    return _quarter_slug(quarter)


def load_project(root: str | Path | None = None) -> Project:
    """Read and validate ``params/`` of the project at ``root`` (found upward from the working
    directory when not given). Every problem in a file is reported together."""
    root = find_root(root) if root is None else Path(root).resolve()
    if not (root / "params").is_dir():
        raise MissingInput(f"{root} has no params/ folder")
    issues: list[Issue] = []
    settings = authorities = None
    try:
        settings = read_settings(root / "params" / "settings.yaml", root)
    except InputError as exc:
        issues.extend(exc.issues)
    try:
        authorities = read_authorities(root / "params" / "authorities.yaml")
    except InputError as exc:
        issues.extend(exc.issues)
    if settings and authorities:
        issues.extend(_cross_check(settings, authorities))
    if issues:
        raise InputError(issues)
    return Project(root, settings, authorities)


def _cross_check(settings: Settings, authorities: dict[str, Authority]) -> Iterator[Issue]:
    """Each report's default committee should exist for at least one authority."""
    committees = {c for a in authorities.values() for c in a.committees}
    for name, sheet in settings.reports.items():
        if sheet.committee not in committees:
            yield Issue(
                "error",
                "params/settings.yaml",
                "known-committee",
                "no authority in params/authorities.yaml has this committee",
                row=f"reports.{name}.committee",
                value=sheet.committee,
            )
