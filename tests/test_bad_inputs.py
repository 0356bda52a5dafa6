"""The bad-input corpus: every case under ``tests/bad_inputs/<case>/`` is a council's file (or
a command line) as a new user might give it, with its expected outcome worked out by hand in
``expected.yaml``: the error's rule (and file, row, column, value), the warnings, or exact
figures, and the reason a figure is not computable.

``expected.yaml``::

    about: what is wrong, and what the right answer is
    load:                      # or cli: [indicators, --ssda903, "{case}/return", ...]
      authority: "999"
      ssda903: [{path: return, year: 2017-18}]   # several: one history (merge_returns)
      cin: [census.xml]
      canonical: tables
      population: population.csv
    expect:
      error: {rule: ragged_row, file: return/episodes.csv, row: 3}
      warnings: [{rule: encoding, value: windows-1252}]
      no_warnings: [conflicting_record]          # rules that must not appear
      figures: [[CLA_AT_END, 2017-18, 2, 2, null]]   # value, numerator, denominator
      not_computable: [[CLA_AT_END, 2017-18, "no 'episode_end' column"]]
      exit: 2                                    # cli cases
      stderr: ["three digits"]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from safeguarding.cli import main
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute, explain
from safeguarding.loaders import (
    load_cin_census,
    load_population,
    load_ssda903,
    merge_returns,
    read_canonical,
)
from safeguarding.validation import InputError, Issue

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def _spec(case: str) -> dict:
    return yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))


def _load(folder: Path, load: dict) -> DataSet:
    authority = str(load["authority"])
    parts = []
    cin = [load_cin_census(folder / f, authority=authority) for f in load.get("cin", [])]
    ssda903 = [
        load_ssda903(folder / r["path"], authority, r.get("year")) for r in load.get("ssda903", [])
    ]
    parts += [merge_returns(group) for group in (cin, ssda903) if group]
    if "canonical" in load:
        parts.append(read_canonical(folder / load["canonical"], authority=authority))
    if "population" in load:
        parts.append(load_population(folder / load["population"], authorities=[authority]))
    return DataSet.combine(parts)


def _matches(issue: Issue, want: dict, folder: Path) -> bool:
    for key, value in want.items():
        got = getattr(issue, key)
        if key == "file":
            if Path(got).resolve() != (folder / value).resolve():
                return False
        elif key == "message":
            if value not in got:
                return False
        elif got != value:
            return False
    return True


def _clean(v) -> float | None:
    return None if pd.isna(v) else float(v)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: str, capsys) -> None:
    spec = _spec(case)
    folder = CORPUS / case
    expect = spec["expect"]
    if "cli" in spec:
        argv = [str(a).replace("{case}", str(folder)) for a in spec["cli"]]
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        assert code == expect["exit"], err
        for words in expect.get("stderr", []):
            assert words in err, err
        for words in expect.get("stdout", []):
            assert words in out, out
        return
    if "error" in expect:
        with pytest.raises(InputError) as raised:
            _load(folder, spec["load"])
        issues = raised.value.issues
        assert any(_matches(i, expect["error"], folder) for i in issues), [str(i) for i in issues]
        assert all("\n" not in str(i) for i in issues)  # one line each
        return
    data = _load(folder, spec["load"])
    for want in expect.get("warnings", []):
        assert any(_matches(w, want, folder) for w in data.warnings), (
            want,
            [str(w) for w in data.warnings],
        )
    rules = {w.rule for w in data.warnings}
    for rule in expect.get("no_warnings", []):
        assert rule not in rules, [str(w) for w in data.warnings if w.rule == rule]
    authority = str(spec["load"]["authority"])
    for indicator, period, value, numerator, denominator in expect.get("figures", []):
        out = compute(data, [str(period)], [indicator])
        row = out[out["authority"] == authority].iloc[0]
        got = (_clean(row["value"]), _clean(row["numerator"]), _clean(row["denominator"]))
        assert got == (value, numerator, denominator), (indicator, period)
    for indicator, period, reason in expect.get("not_computable", []):
        notes: list = []
        out = compute(data, [str(period)], [indicator], notes=notes)
        row = out[out["authority"] == authority].iloc[0]
        assert pd.isna(row["value"]) and pd.isna(row["numerator"])
        lines = explain(notes)
        assert any(reason in line for line in lines), (indicator, period, lines)


def test_a_notebook_cell_shows_the_error_not_a_traceback(capsys) -> None:
    from IPython.core import interactiveshell as interactive

    shell = interactive.InteractiveShell.instance()
    case = CORPUS / "can_empty_file" / "tables"
    shell.run_cell(
        "from safeguarding.loaders import read_canonical\n"
        f"read_canonical({str(case)!r}, authority='350')\n"
    )
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "EmptyDataError" not in text
    assert f"error: {case / 'cp_plans.csv'}: the CSV file is empty [rule: empty_file]" in text
