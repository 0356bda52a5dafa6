"""Identity of preparing an authority across two versions of the library, and its CPU seconds.

    PYTHONPATH=<lib> python benchmarks/prepare_identity.py dump --data /tmp/nat/data \
        --project /tmp/me/project --codes 101,102,... --out /tmp/me/new [--damaged /tmp/me/bad]
    python benchmarks/prepare_identity.py compare /tmp/me/old /tmp/me/new

``dump`` runs what the batch's preparing pass does for each authority (read its folder with
the project's workbooks and DfE rules, summarise it, collect its identifiers from the raw
files) and pickles the DataSet's tables and issues, the AuthoritySummary and the
Identifiers; it prints CPU seconds per authority for read / summarise / identifiers. With
``--damaged`` it also writes seeded damaged copies of the authorities' folders there
(whitespace of every kind, blanks, lower-case codes, unknown links and children, repeated
rows, bad dates and numbers, ragged rows) and dumps those too, loaded or failing (an
InputError's issues are compared then). Run it once with each library (``PYTHONPATH``), then
``compare``: every frame with ``assert_frame_equal(check_exact=True)``, every other value
with ``==``, field by field.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import pickle
import random
import shutil
import time
from pathlib import Path

WHITESPACE = [" ", "\t", "\u00a0", "\u3000", "\x1c", "\u2003", "  "]


def _damage(value: str, column: str, rng: random.Random, errors: bool) -> str:
    r = rng.random()
    if r < 0.35:
        return rng.choice(WHITESPACE) + value
    if r < 0.6:
        return value + rng.choice(WHITESPACE)
    if r < 0.65:
        return rng.choice(WHITESPACE) if errors else value
    if r < 0.7:
        return value if column == "assessment_type" and not errors else value.lower()
    if r < 0.75 and column.endswith("_id"):
        return value + "X"  # an unknown link or child
    if errors:
        if r < 0.8:
            return ""
        if r < 0.85 and "date" in column or column == "dob":
            return rng.choice(["2024-13-45", "0201-05-04", "31/12/2024", "2101-01-01"])
        if r < 0.9:
            return rng.choice(["abc", "-1", "1e30", "2.5", "١٢"])
    return value


def write_damaged(data: Path, codes: list[str], into: Path) -> list[Path]:
    """For each code a copy loading with warnings (``_warn``) and one with errors (``_err``),
    kept when already there (both versions must read the same files at the same paths)."""
    made = []
    for seed, code in enumerate(codes):
        for variant in ("warn", "err"):
            errors = variant == "err"
            rng = random.Random(seed * 7 + errors)
            root = into / f"{code}_{variant}"
            made.append(root)
            if root.exists():  # made by the other version's run: the same files (and paths)
                continue
            (root / code).mkdir(parents=True)
            for path in sorted((data / code).glob("*.csv")):
                with open(path, newline="", encoding="utf-8") as fh:
                    header, *body = list(csv.reader(fh))
                for row in body:
                    for j, value in enumerate(row):
                        if header[j] == "authority" and not errors:
                            continue
                        if rng.random() < (0.002 if errors else 0.003):
                            row[j] = _damage(value, header[j], rng, errors)
                repeatable = errors or path.stem in ("la_reviews", "cp_reviews")
                if body and repeatable and rng.random() < 0.5:
                    body.extend(rng.sample(body, min(3, len(body))))
                if errors and body and rng.random() < 0.1:
                    body[rng.randrange(len(body))].append("extra")
                with open(root / code / path.name, "w", newline="", encoding="utf-8") as fh:
                    csv.writer(fh, lineterminator="\n").writerows([header, *body])
            for extra in ("population.csv", "authorities.csv"):
                if (data / extra).exists():
                    shutil.copy(data / extra, root / extra)
    return made


def dump(args: argparse.Namespace) -> None:
    from safeguarding import loaders, privacy, summary
    from safeguarding.exceptions import InputError
    from safeguarding.loaders.in_year import read_authority
    from safeguarding.params import load_project

    project = load_project(args.project)
    catalogue = project.catalogue()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    codes = args.codes.split(",")

    def identifiers(folder: Path) -> object:
        reading = getattr(privacy, "identifiers", privacy)  # a package since the split
        collect = reading._identifiers_from_files.__wrapped__  # not the process's cache
        return collect(reading._folder_stamp(folder))

    spent = [0.0, 0.0, 0.0]
    for code in codes:
        t0 = time.process_time()
        workbooks = summary._workbooks(project, code)
        part = summary._with_dfe_rules(read_authority(data, code, workbooks), project, code)
        t1 = time.process_time()
        record = {"tables": {k: v.copy() for k, v in part.tables.items()}}
        record["issues"] = list(part.issues)
        t2 = time.process_time()
        record["summary"] = summary.summarise({code: part}, args.quarter, catalogue, consume=True)
        t3 = time.process_time()
        record["ids"] = identifiers(data / code)
        t4 = time.process_time()
        spent = [spent[0] + t1 - t0, spent[1] + t3 - t2, spent[2] + t4 - t3]
        (out / f"{code}.pkl").write_bytes(pickle.dumps(record))
    n = len(codes)
    print(
        f"CPU s per authority: read {spent[0] / n:.3f} summarise {spent[1] / n:.3f} "
        f"identifiers {spent[2] / n:.3f}"
    )
    if args.damaged:
        for root in write_damaged(data, codes, Path(args.damaged)):
            code = root.name.split("_")[0]
            record = {}
            try:
                part = loaders.read_data_dir(root, authorities=[code])
                record["tables"] = {k: v.copy() for k, v in part.tables.items()}
                record["issues"] = list(part.issues)
                record["summary"] = summary.summarise(
                    {code: part}, args.quarter, catalogue, consume=True
                )
            except InputError as exc:
                record["error"] = list(exc.issues)
            record["ids"] = identifiers(root / code)
            (out / f"{root.name}.pkl").write_bytes(pickle.dumps(record))


def _same(x: object, y: object, where: str) -> None:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=where)
    elif isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, y, check_exact=True, obj=where)
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        assert type(x) is type(y), where
        for f in dataclasses.fields(x):
            _same(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
    elif isinstance(x, dict):
        assert list(x) == list(y), where
        for key in x:
            _same(x[key], y[key], f"{where}[{key!r}]")
    elif isinstance(x, list | tuple):
        assert type(x) is type(y) and len(x) == len(y), where
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            _same(a, b, f"{where}[{i}]")
    else:
        assert type(x) is type(y) and (x == y or (x != x and y != y)), (where, x, y)


def compare(args: argparse.Namespace) -> None:
    old, new = Path(args.old), Path(args.new)
    names = sorted(p.name for p in old.glob("*.pkl"))
    assert names == sorted(p.name for p in new.glob("*.pkl")), "different authorities dumped"
    for name in names:
        before, after = (pickle.loads((d / name).read_bytes()) for d in (old, new))
        _same(before, after, name)
    print(f"identical: {len(names)} dumps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--data", required=True)
    d.add_argument("--project", required=True)
    d.add_argument("--codes", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--quarter", default="2024-25 Q2")
    d.add_argument("--damaged", help="write damaged copies of the folders here and dump them")
    c = sub.add_parser("compare")
    c.add_argument("old")
    c.add_argument("new")
    args = parser.parse_args()
    dump(args) if args.command == "dump" else compare(args)


if __name__ == "__main__":
    main()
