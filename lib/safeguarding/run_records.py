"""What one run of the batch is: its notebook parameters, the files it reads, its record and
fingerprint (:mod:`safeguarding.manifest`), why it runs again, and the run time it records.

The batch (:mod:`safeguarding.batch`), the preview and Quarto's staging build their runs from
these, so a run means the same wherever it is made."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .manifest import FileHasher, fingerprint, library_info, package_versions
from .params import Project, RunEntry


def run_parameters(
    entry: RunEntry, quarter: str, run_time: str = "", project_dir: str = "."
) -> dict[str, Any]:
    """The notebook parameters of one run, as the batch passes them (``project_dir`` "." by
    default: the kernel works in the project, so no path of this machine is recorded)."""
    return {
        "authority": entry.authority,
        "quarter": quarter,
        "report": entry.report,
        "committee": entry.committee,
        "audience": entry.audience,
        "project_dir": project_dir,
        "data_dir": "",
        "run_time": run_time,
    }


def allowed_dates(project: Project, authority: str, run_time: str) -> tuple[str, ...]:
    """The dates a run's outputs may show whatever the records hold (the privacy scan): the
    run's own date and the authority's committees' meeting dates."""
    committees = project.authority(authority).committees.values()
    return (run_time[:10], *(c.meeting_date.isoformat() for c in committees))


def input_files(project: Project, data_dir: Path, authority: str) -> list[Path]:
    """The data files one run reads, for its fingerprint: the authority's own data, the
    data folder's shared files (comparators etc.), and what settings name wherever it is kept
    (the comparators, the authority's Annex A workbooks, the DfE validation summary)."""
    # scandir's entries know their type without a stat each: the data folder holds every
    # authority's folder (153 nationally), listed again for each run
    with os.scandir(data_dir) as entries:
        files = [data_dir / e.name for e in entries if e.is_file() and not e.name.startswith(".")]
    own = data_dir / authority
    if own.is_dir():
        files.extend(p for p in own.rglob("*") if p.is_file() and not p.name.startswith("."))
    files.extend(
        p for p in project.settings.named_inputs(authority) if p.is_file() and p not in files
    )
    return files


def commentary_files(project: Project, authority: str, quarter: str) -> list[Path]:
    """The authority's commentary files for the quarter (checked by each of its runs)."""
    folder = project.commentary_dir(authority, quarter)
    return sorted(folder.rglob("*.md")) if folder.is_dir() else []


def run_record(
    project: Project,
    entry: RunEntry,
    quarter: str,
    data_dir: Path,
    hasher: FileHasher,
    *,
    formats: Sequence[str],
    engine: str,
    executor: str,
) -> dict[str, Any] | None:
    """The run's record as the manifest keeps it, with its fingerprint; None when the report's
    notebook does not exist."""
    notebook = project.notebook(entry.report)
    if not notebook.is_file():
        return None
    record: dict[str, Any] = {
        "authority": entry.authority,
        "report": entry.report,
        "committee": entry.committee,
        "audience": entry.audience,
        "parameters": run_parameters(entry, quarter),
        "notebook": {"path": project.rel(notebook), "sha256": hasher.sha256(notebook)},
        "inputs": hasher.checksums(input_files(project, data_dir, entry.authority), project.root),
        "params_files": hasher.checksums(
            project.files_read(entry.authority, quarter), project.root
        ),
        "library": library_info(),
        "packages": package_versions(),
        "formats": list(formats),
        "engine": engine,
        "executor": executor,
    }
    record["fingerprint"] = fingerprint(record)
    return record


def why_rerun(previous: dict[str, Any] | None, record: dict[str, Any]) -> str:
    """What changed since the published run, in a few words (the summary's reason column)."""
    if not previous:
        return "first run"
    changed = []
    if previous.get("notebook", {}).get("sha256") != record["notebook"]["sha256"]:
        changed.append("notebook")
    if previous.get("library", {}).get("source_sha256") != record["library"]["source_sha256"]:
        changed.append("library")
    for part in ("inputs", "params_files"):
        old, new = previous.get(part, {}), record[part]
        files = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        if files:
            label = "inputs" if part == "inputs" else "params"
            changed.append(
                f"{label} ({files[0]}" + (f" and {len(files) - 1} more)" if len(files) > 1 else ")")
            )
    old_params = {k: v for k, v in previous.get("parameters", {}).items() if k != "run_time"}
    new_params = {k: v for k, v in record["parameters"].items() if k != "run_time"}
    if old_params != new_params:
        changed.append("parameters")
    if previous.get("formats") != record.get("formats"):
        changed.append("formats")
    return "changed: " + ", ".join(changed) if changed else "forced"


def choose_run_time(given: str | None, previous: dict | None, fingerprint_: str) -> str:
    """The run time a run records and prints: ``given`` (``--run-time``),
    ``SOURCE_DATE_EPOCH``, the published run's when nothing changed (a rebuild is then
    byte-identical), else now."""
    if given:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat()
    if previous and previous.get("fingerprint") == fingerprint_ and previous.get("run_time"):
        return previous["run_time"]
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
