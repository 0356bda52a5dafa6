"""The report's closing parts: data-quality note, conclusion and provenance."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import __version__
from ..manifest import git_commit
from ..markup import Block, Fragment, Heading, Para, Raw, Table, esc
from ..summary import AuthoritySummary


def data_quality(r: QuarterlyReport) -> Fragment:
    """What the loaders warned about, in a sentence per rule."""
    blocks: list[Block] = [Heading(2, "Data quality", "data-quality")]
    warnings = [] if r.records is None else r.records.warnings
    missing = not_computable_here(r)
    if missing:
        blocks.append(
            Para(
                "Some figures cannot be computed from the records supplied and are shown as "
                "blank: " + "; ".join(esc(line) for line in missing) + "."
            )
        )
    if not warnings:
        blocks.append(
            Para(
                "The loaders found no data-quality problems in this authority's "
                "records for the period."
            )
        )
        return Fragment(blocks)
    rows = [[esc(rule), record_count(r, rule), esc(message)] for rule, _, message in warnings]
    notes = []
    if any(rule not in r.ledger.records for rule, _, _ in warnings):
        notes.append(f"{NOT_A_COUNT}: a note about a whole file, not a count of records.")
    blocks.append(
        Table(
            "Data-quality warnings by rule",
            ["Rule", "Records", "Example"],
            rows,
            align="lrl",
            notes=notes,
        )
    )
    return Fragment(blocks)


NOT_A_COUNT = "–"


def not_computable_here(r: QuarterlyReport) -> list[str]:
    """The engine's not-computable lines for the indicators of this report's themes (the
    summary explains every indicator in the catalogue; a scorecard's reader need not hear
    about a measure only another report shows), each named as the report names it."""
    out = []
    for line in getattr(r.records, "not_computable", None) or []:
        indicator, sep, rest = line.partition(" for ")
        if not sep or indicator not in r.catalogue:
            out.append(line)  # not the engine's form: shown as it is rather than lost
            continue
        ind = r.catalogue[indicator]
        if ind.theme in r.themes and ind.applies_to(r.period):
            out.append(f"{ind.title} ({ind.id}) for {rest}")
    return out


def record_count(r: QuarterlyReport, rule: str) -> str:
    """A rule's count of records, from the ledger (``c`` when hidden, as in every table:
    "fewer than 6" would say which hidden counts are the small ones); ``–`` for a rule whose
    warnings are about whole files."""
    if rule not in r.ledger.records:
        return NOT_A_COUNT
    return r.ledger.text(r.ledger.records[rule])


def conclusion(r: QuarterlyReport, text: str = "") -> Fragment:
    """The analyst's conclusion (argument, then the inputs' text, then a plain default)."""
    text = text or r.inputs.conclusion
    blocks: list[Block] = [Heading(2, "Conclusion", "conclusion")]
    if text:
        blocks.append(Raw(text))
    else:
        c = r.rag_counts()
        # no promise of actions where no commentary describes any
        ask = (
            "Members are asked to note it and the actions the service commentary describes."
            if r.has_commentary()
            else "Members are asked to note it."
        )
        blocks.append(
            Para(
                f"This report sets out {esc(r.meta.authority_name)}'s performance to the end "
                f"of {r.period.end:%B %Y} ({esc(r.period.label)}) against its targets, England "
                f"and its statistical neighbours: {c['green']} green, {c['amber']} amber and "
                f"{c['red']} red. {ask}"
            )
        )
    return Fragment(blocks)


def provenance(r: QuarterlyReport) -> Fragment:
    """Where the figures came from: inputs and checksums, extract dates, code, run time."""
    blocks: list[Block] = [Heading(2, "About this report", "provenance")]
    # The batch records its run time; a notebook run by hand in JupyterLab has none.
    when = f"at {esc(r.meta.run_time)}" if r.meta.run_time else "run interactively"
    blocks.append(
        Para(
            f"Produced by safeguarding-reports {esc(__version__)} "
            f"(code {esc(code_version())}), {when}, for the {esc(r.meta.audience)} "
            "audience. The same inputs rebuild this report exactly; per-file checksums "
            "are in the quarter's manifest."
        )
    )
    rows = provenance_rows(r.records)
    rows += [[esc(label), "", f"`{digest}`"] for label, digest, *_ in r.inputs.extra_sources]
    if rows:
        blocks.append(
            Table(
                "Inputs",
                ["Input", "Extract dates", "SHA-256"],
                rows,
                align="lll",
            )
        )
    return Fragment(blocks)


def code_version() -> str:
    """The library's git commit, shortened (``+dirty`` if the tree has uncommitted changes),
    else 'unknown'."""
    commit = git_commit()
    if not commit:
        return "unknown"
    sha, plus, state = commit.partition("+")
    return sha[:12] + plus + state


def provenance_rows(records: AuthoritySummary | None) -> list[list[str]]:
    """One row per kind of input: extract dates, file count and a combined SHA-256."""
    if records is None:
        return []
    groups: dict[str, list[Any]] = {}
    for s in records.sources:
        groups.setdefault(s.kind, []).append(s)
    rows = []
    for kind, sources in sorted(groups.items()):
        when = extract_dates(sources)
        if len(sources) == 1:
            digest = sources[0].sha256
        else:  # a checksum of the sorted per-file checksums: one line that still pins every file
            digest = hashlib.sha256("".join(sorted(s.sha256 for s in sources)).encode()).hexdigest()
        files = "one file" if len(sources) == 1 else f"{len(sources)} files"
        rows.append([f"{esc(kind.replace('_', ' '))} ({files})", esc(when), f"`{digest}`"])
    return rows


def extract_dates(sources: list[Any]) -> str:
    """The inputs' extract dates as one cell: each distinct one (the CIN census header's
    DateTime, an SSDA903 return's collection year, else the file's own date), or the first
    and last of many."""
    dates = sorted({s.extract_date for s in sources if s.extract_date})
    if len(dates) <= 3:
        return ", ".join(dates)
    return f"{dates[0]} to {dates[-1]}"
