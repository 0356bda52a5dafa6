"""Run Data to Insight's published DfE validation rules on statutory returns; write a summary.

This script runs in the validators' OWN virtual environment (``csc-validator-be-cin`` and
``csc-validator-be-903`` pin pandas<2, which the project cannot share), never in the
project's: it imports neither the project nor anything but the standard library, pandas and
the validators. ``safeguarding.dfe_rules`` builds that environment and calls it as

    <venv>/bin/python dfe_rules_runner.py OUT.csv RETURN AUTHORITY YEAR PATH [PATH ...]

RETURN is ``cin`` (PATH: a CIN census XML file) or ``903`` (PATH: a folder of SSDA903 CSV
tables; a second PATH is the previous year's folder, which some rules compare with); YEAR is
the financial year the return covers (``2024-25``), whose rule set is run (the latest the
validators have when they have none for it). OUT.csv gets one row per rule broken:
``return,authority,year,ruleset,rule,message,records``, with no child-level value.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

COLUMNS = ["return", "authority", "year", "ruleset", "rule", "message", "records"]
NOT_RUN = "the rule raised an error on these files and did not run"


def ruleset(package: str, prefix: str, year: str) -> str:
    """``cin2024_25`` for 2024-25, or the latest rule set the package has before it."""
    first = int(year[:4])
    root = Path(list(importlib.import_module(f"{package}.rules").__path__)[0])
    have = sorted(int(p.name[len(prefix) : len(prefix) + 4]) for p in root.glob(f"{prefix}20*"))
    chosen = max([y for y in have if y <= first] or have[:1])
    return f"{prefix}{chosen}_{str(chosen + 1)[2:]}"


# The validators are imported by name: they live in this script's own environment, never in
# the project's (whose dependency check reads ``import`` statements).
def run_cin(path: Path, year: str) -> tuple[str, list[tuple[str, str, int]]]:
    cin_validator = importlib.import_module("cin_validator.cin_validator")

    name = ruleset("cin_validator", "cin", year)
    registry = importlib.import_module(f"cin_validator.rules.{name}").registry
    data = cin_validator.process_data(cin_validator.convert_data(ET.parse(path).getroot()))
    validator = cin_validator.CinValidator(data, registry)
    issues = validator.full_issue_df
    counts: dict[str, set[str]] = {}
    for code, child in zip(issues["rule_code"], issues["child_id"], strict=True):
        counts.setdefault(str(code), set()).add(str(child))
    out = [(code, registry[code].message if code in registry else "", len(kids))
           for code, kids in counts.items()]  # fmt: skip
    for _, row in validator.multichild_issues.drop_duplicates("rule_code").iterrows():
        code = str(row["rule_code"])
        if code not in counts:
            out.append((code, str(row["rule_description"]), 1))
    return name, out


def run_903(folders: list[Path], year: str) -> tuple[str, list[tuple[str, str, int]]]:
    lac_validator = importlib.import_module("lac_validator.lac_validator")
    process_uploaded_files = importlib.import_module("lac_validator.utils").process_uploaded_files

    name = ruleset("lac_validator", "lac", year)
    registry = importlib.import_module(f"lac_validator.rules.{name}").registry
    given = {"This year": sorted(str(p) for p in folders[0].glob("*.csv"))}
    if len(folders) > 1:
        given["Prev year"] = sorted(str(p) for p in folders[1].glob("*.csv"))
    files = [_without_distance(f) for f in process_uploaded_files(given)]
    if len(folders) > 1 and int(year[:4]) >= 2024:
        files = [_sex_as_letters(f) if f["description"] == "Prev year" else f for f in files]
    metadata = {"collectionYear": str(int(year[:4]) + 1), "localAuthority": "E09000027"}
    validator = lac_validator.LacValidator(metadata=metadata, files=files, registry=registry)
    out = []
    for frame in validator.ds_results.values():
        if not hasattr(frame, "columns"):
            continue
        for column in [c for c in frame.columns if str(c).startswith("ERR_")]:
            code = column[4:]
            hits = int(frame[column].fillna(False).astype(bool).sum())
            if hits:
                out.append((code, registry[code].message if code in registry else "", hits))
    # a rule that raised on the files: a fault of the rule (listed apart, with no count)
    for code in validator.fails:
        out.append((str(code), NOT_RUN, -1))
    merged: dict[str, tuple[str, int]] = {}
    for code, message, hits in out:
        old = merged.get(code, (message, 0))
        merged[code] = (old[0] or message, -1 if hits < 0 else old[1] + hits)
    return name, [(c, m, n) for c, (m, n) in merged.items()]


def _without_distance(uploaded):
    """Episodes without an extract's own PL_DISTANCE: the validator works the distance out
    from HOME_POST and PL_POST itself, and fails on a column already holding numbers."""
    if not str(uploaded["name"]).lower().endswith("episodes.csv"):
        return uploaded
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(uploaded["file_content"]), dtype=str, keep_default_na=False)
    if "PL_DISTANCE" not in frame.columns:
        return uploaded
    content = frame.drop(columns="PL_DISTANCE").to_csv(index=False, lineterminator="\n").encode()
    return type(uploaded)(name=uploaded["name"], description=uploaded["description"],
                          file_content=content)  # fmt: skip


def _sex_as_letters(uploaded):
    """Last year's header with SEX 1/2 written M/F, as this year's schema codes it: the
    rule comparing a child's sex across years (202) compares codes, not sexes."""
    if not str(uploaded["name"]).lower().endswith("header.csv"):
        return uploaded
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(uploaded["file_content"]), dtype=str, keep_default_na=False)
    frame["SEX"] = frame["SEX"].replace({"1": "M", "2": "F"})
    content = frame.to_csv(index=False, lineterminator="\n").encode()
    return type(uploaded)(name=uploaded["name"], description=uploaded["description"],
                          file_content=content)  # fmt: skip


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)  # the validators log every rule
    out, kind, authority, year, *paths = argv
    if kind == "cin":
        name, broken = run_cin(Path(paths[0]), year)
    elif kind == "903":
        name, broken = run_903([Path(p) for p in paths], year)
    else:
        raise SystemExit(f"unknown return {kind!r}: cin or 903")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    target = Path(out)
    if not target.exists():
        writer.writerow(COLUMNS)
    for code, message, records in sorted(broken):
        shown = "" if records < 0 else records
        writer.writerow([kind, authority, year, name, code, " ".join(message.split()), shown])
    with open(target, "a", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
