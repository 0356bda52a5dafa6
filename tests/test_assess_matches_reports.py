"""``safeguarding assess`` on outturns alone judges and words every figure as the reports do."""

from __future__ import annotations

import pandas as pd
from fixtures import report_fixture as fx
from safeguarding.assessment import COLUMNS
from safeguarding.cli import main
from safeguarding.report.sections import drafted

# every judgement the assessment makes, and the figure's window
JUDGEMENTS = [c for c in COLUMNS if c.startswith("vs_") or c in ("window", "rag", "quartile")]


def test_assess_gives_the_reports_judgements_and_sentences(tmp_path):
    report = fx.build("restricted")  # nothing suppressed: the same figures as the outturns
    outturns = tmp_path / "outturns.csv"
    fx.outturns().to_csv(outturns, index=False)
    targets = tmp_path / "targets.csv"
    fx.targets().to_csv(targets, index=False)
    comparators = tmp_path / "comparators.csv"
    fx.comparators().values[["indicator", "period", "area", "value"]].to_csv(
        comparators, index=False
    )
    out = tmp_path / "assessed.csv"
    args = ["assess", "--period", fx.QUARTER, "--outturns", str(outturns), "--targets",
            str(targets), "--comparators", str(comparators), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assessed = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("indicator")
    shown = report.assessment.map(lambda v: "" if v is None or v != v else str(v))
    shown = shown.set_index("indicator")
    assert len(assessed) == len(shown) == 13
    for indicator in shown.index:
        for column in JUDGEMENTS:
            assert assessed.loc[indicator, column] == shown.loc[indicator, column], (
                indicator,
                column,
            )
        # the sentence the report prints is the one assess writes
        printed = drafted(report, report.catalogue[indicator])
        assert assessed.loc[indicator, "narrative"] == printed, indicator
    # and the windows are stated: a year-to-date figure says its months
    assert assessed.loc["NI65", "period_words"] == "April to September 2024 (year to date)"
    assert "In April to September 2024 (year to date)" in assessed.loc["NI65", "narrative"]
