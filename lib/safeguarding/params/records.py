"""The validated records of ``params/`` (officers, committees, authorities, front
sheets, settings, run plans) and the words each field may take."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import UnknownName

REPORTS = ("quarterly_scorecard", "child_protection", "looked_after", "national_framework")
AUDIENCES = ("public", "restricted")
FORMATS = ("html", "pdf", "docx")  # a report's published formats, in the order rendered
FORMAT_NAMES = {"html": "HTML", "pdf": "PDF", "docx": "Word"}  # as a reader calls them
NEIGHBOUR_AVERAGES = ("mean", "median")
IMPLICATIONS = ("financial", "legal", "equalities", "risk", "consultation")
COMMENTARY_MODES = ("replace", "follow")
DEFAULT_DATA_DIR = "data/demo"


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
    formats: tuple[str, ...] = FORMATS  # those it takes every quarter (a run plan may say others)


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

    def annex_a_files(self, authority: str) -> tuple[Path, ...]:
        """The paths of the authority's Annex A workbooks (inputs wherever they are kept)."""
        return tuple(e.file for e in self.annex_a_for(authority))

    def named_inputs(self, authority: str) -> tuple[Path, ...]:
        """The inputs these settings name for the authority's runs wherever they are kept:
        the comparators, its Annex A workbooks and the DfE validation summary."""
        named = (self.comparators_file, *self.annex_a_files(authority), self.dfe_rules)
        return tuple(p for p in named if p)


@dataclass(frozen=True)
class RunEntry:
    """One (authority × report) run of a quarter."""

    authority: str
    report: str
    committee: str
    audience: str
    formats: tuple[str, ...] = FORMATS  # the run plan's formats:, else the committee's


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
