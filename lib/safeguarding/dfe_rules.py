"""DfE's own validation rules on the statutory returns, as an optional step for analysts.

Data to Insight publish the DfE's CIN census and SSDA903 validation rules as Python packages
(``csc-validator-be-cin``, ``csc-validator-be-903``). They pin pandas below 2, so they cannot
live in the project's environment: :func:`ensure_environment` builds them their own virtual
environment (under ``.cache/dfe-validators`` by default, once), and :func:`check_returns`
runs each year's rule set there on a data directory's returns (``<code>/cin_census/*.xml``,
``<code>/ssda903/<YYYY-YY>/``) through a small script (``data/dfe_rules_runner.py``) that
imports nothing of the project. The result is one summary file,
``return,authority,year,ruleset,rule,message,records``, holding no child-level value;
:func:`summary_issues` turns an authority's rows into data-quality warnings, which the
reports' data-quality note shows when ``dfe_rules:`` in settings.yaml names the file.

Some rules no fictional authority can pass: they look its LA code or its postcodes up in
national lists. :data:`FICTIONAL` names them and why. Two more (:data:`PARTIAL_HISTORY`) flag
care leavers of a complete return because the validators see two years of episodes; the
demo's test allows those only for exactly the care leavers whose care ended before then.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .exceptions import MissingInput, ValidatorError
from .validation import Issue

VALIDATORS = ("csc-validator-be-cin==0.1.13", "csc-validator-be-903==0.1.17")
DEFAULT_ENV = Path(".cache") / "dfe-validators"
RUNNER = Path(__file__).parent / "data" / "dfe_rules_runner.py"
COLUMNS = ("return", "authority", "year", "ruleset", "rule", "message", "records")

# Rules a demo authority breaks whatever its records: they look its LA code or its postcodes
# up in national lists, which hold no fictional authority or postcode.
FICTIONAL: dict[str, dict[str, str]] = {
    "cin": {
        "1530": "a UPN's characters 2-4 must be a real LA's code; the demo's 9xx codes are not",
    },
    "903": {
        "169": "the LA of placement is looked up from the placement postcode in ONS's lists; "
        "the demo's postcodes are fictional",
        "179": "the placement location is derived from the same postcode look-up",
        "1015": "own provision is checked against the LA the postcode look-up gives",
        "392c": "postcodes must be in ONS's postcode directory; the demo's are fictional",
        "392a": "the distance to the placement is computed from the postcodes' locations",
    },
}
# Rules that flag records of a complete, correct return, as the validators' own messages warn:
# they see this year's and last year's SSDA903 episodes only, so a care leaver of 19 to 21
# whose care ended before last year looks as if they had never been looked after. Not a
# fictional authority's fault: a council breaks them too. The demo's test checks that the
# records flagged are exactly those care leavers and that each was looked after long enough
# (13 weeks from 14, and after 16) on the demo's whole history.
PARTIAL_HISTORY: dict[str, dict[str, str]] = {
    "903": {
        "1001": "the validators see two years of episodes: a care leaver whose care ended "
        "before last year shows too little care after 14 to be a former relevant child",
        "1002": "the validators see two years of episodes: a care leaver whose care ended "
        "before last year shows no episode at all",
    },
}
# Not allowed, but adapted: rule 202 compares a child's SEX code with last year's, and the
# 2024-25 return codes sex M/F where 2023-24 coded 1/2; the runner recodes last year's 1/2 as
# M/F before comparing (data/dfe_rules_runner.py), so the rule compares sexes, not codings.


def expected(kind: str, rule: str) -> str | None:
    """Why a rule is expected to be broken (fictional codes, the validators' two years), or
    None when breaking it is a finding."""
    return FICTIONAL.get(kind, {}).get(rule) or PARTIAL_HISTORY.get(kind, {}).get(rule)


def _python() -> str:
    """A Python the validators support (they need numpy<1.25: Python 3.11 at the latest)."""
    for candidate in ("python3.11", "python3.10", "python3.9"):
        found = shutil.which(candidate)
        if found:
            return found
    if sys.version_info[:2] <= (3, 11):
        return sys.executable
    raise MissingInput(
        "the DfE validators need Python 3.9 to 3.11 (their numpy pin): install python3.11"
    )


def ensure_environment(where: Path = DEFAULT_ENV) -> Path:
    """The validators' virtual environment at ``where``, built once; returns its Python."""
    where = Path(where)
    python = where / "bin" / "python"
    stamp = where / ".installed"
    wanted = "\n".join(VALIDATORS)
    if python.exists() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    steps = [
        [_python(), "-m", "venv", "--clear", str(where)],
        [str(python), "-m", "pip", "install", "--quiet", *VALIDATORS],
    ]
    for step in steps:
        done = subprocess.run(
            step,
            capture_output=True,
            text=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        if done.returncode:
            raise ValidatorError(
                f"could not build the DfE validators' environment in {where} "
                f"({' '.join(step[1:3])}): {done.stderr.strip().splitlines()[-1:]}"
            )
    stamp.write_text(wanted)
    return python


def returns_in(folder: Path, authority: str) -> list[tuple[str, str, list[Path]]]:
    """The returns in an authority's folder: (``cin``/``903``, year, paths), oldest first;
    an SSDA903 return comes with the previous year's folder when there is one."""
    own = Path(folder) / authority
    found: list[tuple[str, str, list[Path]]] = []
    for xml in sorted((own / "cin_census").glob("cin_*.xml")):
        match = re.fullmatch(r"cin_(\d{4})", xml.stem)
        if match:
            end = int(match.group(1))  # the year of the census's 31 March reference date
            found.append(("cin", f"{end - 1}-{str(end)[2:]}", [xml]))
    years = sorted(p for p in (own / "ssda903").glob("20??-??") if p.is_dir())
    for i, year in enumerate(years):
        found.append(("903", year.name, [year, *years[max(i - 1, 0) : i]]))
    return found


def check_returns(
    folder: Path,
    authorities: Iterable[str],
    out: Path,
    years: Iterable[str] | None = None,
    environment: Path = DEFAULT_ENV,
) -> list[tuple[str, str, str]]:
    """Run each return's year's rule set; write the summary to ``out`` (replaced). Returns the
    (return, authority, year) runs made."""
    python = ensure_environment(environment)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(COLUMNS)
    wanted = set(years) if years is not None else None
    runs: list[tuple[str, str, str]] = []
    for code in authorities:
        for kind, year, paths in returns_in(folder, code):
            if wanted is not None and year not in wanted:
                continue
            done = subprocess.run(
                [str(python), str(RUNNER), str(partial), kind, code, year, *map(str, paths)],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                last = done.stderr.strip().splitlines()[-1:] or ["no message"]
                raise ValidatorError(f"the {kind} validator failed on {paths[0]}: {last[0]}")
            runs.append((kind, code, year))
    partial.replace(out)
    return runs


def read_summary(path: Path) -> list[dict[str, str]]:
    """The summary's rows (``COLUMNS``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def summary_issues(path: Path, authority: str) -> list[Issue]:
    """The authority's broken rules as data-quality warnings (one per rule and year)."""
    issues = []
    for row in read_summary(path):
        if row["authority"] != str(authority):
            continue
        kind = "CIN census" if row["return"] == "cin" else "SSDA903"
        why = FICTIONAL.get(row["return"], {}).get(row["rule"])
        note = f" (expected of a fictional authority: {why})" if why else ""
        if not why and (partial := PARTIAL_HISTORY.get(row["return"], {}).get(row["rule"])):
            note = f" (a known false positive of the validators: {partial})"
        counted = f"{row['records']} records" if row["records"] else "the rule could not run"
        issues.append(
            Issue(
                "warning",
                str(path),
                f"dfe_rule_{row['return']}_{row['rule']}",
                f"DfE validation rule {row['rule']} ({kind} {row['year']}, rule set "
                f"{row['ruleset']}): {row['message']} - {counted}{note}",
                authority=str(authority),
            )
        )
    return issues


def unexpected(path: Path, allowed: dict[str, dict[str, str]] | None = None) -> list[dict]:
    """The rules broken other than those expected (by default :func:`expected`; ``allowed``:
    these alone, e.g. :data:`FICTIONAL`). Rules that could not run at all, a fault of the
    rule, are :func:`not_run`."""

    def ok(kind: str, rule: str) -> bool:
        return bool(expected(kind, rule) if allowed is None else allowed.get(kind, {}).get(rule))

    return [r for r in read_summary(path) if r["records"] != "" and not ok(r["return"], r["rule"])]


def not_run(path: Path) -> set[tuple[str, str, str]]:
    """(return, year, rule) of the rules that raised an error instead of running."""
    return {(r["return"], r["year"], r["rule"]) for r in read_summary(path) if r["records"] == ""}
