"""``params/runs/<YYYY-YY-Qn>.yaml``: which reports go to which committees, for which
audience."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..periods import Period, PeriodError, parse_period
from .fields import (
    Checker,
    authority_code,
    formats_field,
    join_field,
    mapping_of,
    read_yaml,
    unknown_keys,
)
from .records import AUDIENCES, Authority, FrontSheet, RunEntry, RunPlan

_RUN_FILE_KEYS = ("quarter", "runs")
_RUN_KEYS = ("report", "committee", "audience", "authorities", "formats")


def read_run_plan(
    path: Path,
    rel: str,
    quarter: Period,
    authorities: dict[str, Authority],
    reports: dict[str, FrontSheet],
) -> RunPlan:
    """A quarter's run file: which reports go to which committees, for which audience."""
    data = read_yaml(path, rel)
    check = Checker(rel)
    data = mapping_of(data, check, "")
    unknown_keys(data, _RUN_FILE_KEYS, check, "")
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
    for where, run in check.mappings(runs, "runs", "run", _RUN_KEYS):
        report = check.text(run, "report", where)
        if report and report not in reports:
            check.error(
                join_field(where, "report"),
                f"unknown report; settings.yaml defines {', '.join(reports)}",
                "known-report",
                report,
            )
            continue
        audience = str(run.get("audience", "public"))
        if audience not in AUDIENCES:
            check.error(
                join_field(where, "audience"),
                "audience is public or restricted",
                "audience",
                audience,
            )
        committee = str(run.get("committee") or (reports[report].committee if report else ""))
        formats = formats_field(run.get("formats"), check, join_field(where, "formats"))
        codes = _run_authorities(
            run.get("authorities", "all"), authorities, check, join_field(where, "authorities")
        )
        for code in codes:
            if committee not in authorities[code].committees:
                check.error(
                    join_field(where, "committee"),
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
            # the run's own formats, else those the committee takes every quarter
            taken = formats or authorities[code].committees[committee].formats
            entries.append(RunEntry(code, report, committee, audience, taken))
    check.raise_if_any()
    return RunPlan(quarter.label, tuple(entries), path)


def _run_authorities(
    value: Any, authorities: dict[str, Authority], check: Checker, where: str
) -> list[str]:
    if value in (None, "all"):
        return list(authorities)
    if not isinstance(value, list):
        check.error(where, "authorities is 'all' or a list of codes", "authorities")
        return []
    codes = []
    for i, raw in enumerate(value):
        code = authority_code(raw, check, f"{where}[{i}]")
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
