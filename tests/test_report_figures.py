"""What the report shows of each figure: statuses in colour and words, charts that show what
can be shown, windows and annualised rates in charts and key figures, the SPC section."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures import report_fixture as fx
from safeguarding import charts, report
from safeguarding.markup import Fragment

Q2 = "2024-25 Q2"


def _report(rows, audience="public", targets=None, provisional=()) -> report.QuarterlyReport:
    frame = pd.DataFrame(rows, columns=["indicator", "period", "value", "numerator",
                                        "denominator"])  # fmt: skip
    frame.insert(0, "authority", fx.AUTHORITY)
    frame["status"] = ["provisional" if i in provisional else "final" for i in frame["indicator"]]
    inputs = report.ReportInputs(
        frame, fx.targets() if targets is None else targets, fx.comparators()
    )
    return report.QuarterlyReport(fx.meta(audience), inputs)


def test_suppressed_no_target_not_computable_and_provisional_are_told_apart():
    rows = [
        ("NI62", Q2, 6.0, 3, 50),  # 3 children: suppressed, and NI 62 has a target
        ("NI65", Q2, 4.0, 2, 50),  # suppressed too; its band is a target
        ("CPP_AT_END", Q2, 48, 48, None),  # no target
        ("NI64", Q2, None, 0, 0),  # no plans ended: not computable
        ("NI67", Q2, 96.0, 48, 50),
    ]
    r = _report(rows, provisional=("NI67",))
    status = {i: r.status(r.catalogue[i]) for i in ("NI62", "CPP_AT_END", "NI64", "NI67")}
    assert status["NI62"] == ("suppressed", "figure not published (one to five children)")
    assert status["CPP_AT_END"] == ("none", "")
    assert status["NI64"] == ("unavailable", "no cases in the period to count")
    assert r.status(r.catalogue["NI64"], short=True) == ("unavailable", "no cases")
    assert status["NI67"] == ("green", "target met, provisional")
    table = r.scorecard("child_protection").blocks[1]
    cells = {row[0]: row[-1] for row in table.rows}
    assert cells["Second or subsequent plans (NI 65)"] == "[Suppressed]{.rag .rag-suppressed}"
    assert cells["Plans ended after 2+ years (NI 64)"] == (
        "[Not computable: no cases]{.rag .rag-unavailable}"
    )
    assert cells["Children on a CP plan"] == "[No target]{.rag .rag-none}"
    notes = " ".join(table.notes)
    assert "Suppressed: the figure rests on between one and five children" in notes
    assert "Not computable: the figure cannot be worked out" in notes


def test_a_withheld_figure_without_a_target_is_suppressed_not_no_target():
    rows = [("CPP_AT_END", Q2, 4, 4, None)]  # four children, and no target is set for it
    r = _report(rows)
    ind = r.catalogue["CPP_AT_END"]
    assert r.status(ind) == ("suppressed", "figure not published (one to five children); "
                                           "no target set")  # fmt: skip
    assert r.status(ind, short=True) == ("suppressed", "no target")
    row = next(row for row in r.scorecard("child_protection").blocks[1].rows
               if row[0] == "Children on a CP plan")  # fmt: skip
    assert row[-1] == "[Suppressed: no target]{.rag .rag-suppressed}"


def _quarters(indicator, values, numerator=None, denominator=None):
    periods = [f"2022-23 Q{q}" for q in (3, 4)] + [f"2023-24 Q{q}" for q in range(1, 5)]
    periods += ["2024-25 Q1", Q2]
    return [(indicator, p, v, numerator if numerator is not None else v, denominator)
            for p, v in zip(periods, values, strict=True)]  # fmt: skip


def test_a_mostly_suppressed_series_is_a_note_and_a_table():
    rows = _quarters("NI62", [6.0] * 8, numerator=3, denominator=50)
    shown = _report(rows).trend_chart("NI62")
    assert isinstance(shown, Fragment)
    assert "Not charted: 8 of the 8 quarters' figures rest on between one and five" in (
        shown.markdown
    )
    table = shown.blocks[1]
    assert table.rows[0][1:] == ["c"] * 8  # never plotted, never printed
    # restricted: the same figures are drawn
    assert isinstance(_report(rows, "restricted").trend_chart("NI62"), charts.Chart)


def test_an_all_zero_series_is_a_note_not_an_empty_chart():
    rows = _quarters("NI64", [0.0] * 8, numerator=0, denominator=40)
    shown = _report(rows, "restricted").trend_chart("NI64")
    assert isinstance(shown, Fragment)
    assert "the figure was zero in every quarter from Q3 22-23 to Q2 24-25" in shown.markdown


def test_a_series_with_no_figure_at_all_is_a_note_not_empty_axes():
    rows = _quarters("NI64", [None] * 8, numerator=0, denominator=0)
    shown = _report(rows, "restricted").trend_chart("NI64")
    assert isinstance(shown, Fragment) and len(shown.blocks) == 1  # no table of blanks
    assert "no figure could be worked out for any quarter from Q3 22-23 to Q2 24-25" in (
        shown.markdown
    )
    # one known figure is enough to draw
    rows = _quarters("NI64", [None] * 7 + [5.0], numerator=2, denominator=40)
    assert isinstance(_report(rows, "restricted").trend_chart("NI64"), charts.Chart)


def test_a_quarter_rate_is_charted_on_a_12_month_basis_beside_annual_comparators():
    comps = fx.comparators().values
    extra = pd.DataFrame(
        {"indicator": ["REFERRALS_RATE"] * 2, "period": ["2022-23", "2023-24"],
         "area": ["England"] * 2, "value": ["546.8", "546.8"]}
    )  # fmt: skip
    frame = pd.concat([comps[["indicator", "period", "area", "value"]], extra])
    rows = _quarters("REFERRALS_RATE", [175.4] * 8, numerator=421, denominator=24000)
    table = pd.DataFrame(rows, columns=["indicator", "period", "value", "numerator",
                                        "denominator"])  # fmt: skip
    table.insert(0, "authority", fx.AUTHORITY)
    from safeguarding.comparators import Comparators

    inputs = report.ReportInputs(table, None, Comparators.from_frame(frame))
    r = report.QuarterlyReport(fx.meta("restricted"), inputs)
    chart = r.trend_chart("REFERRALS_RATE")
    assert "each quarter's figure on a 12-month basis" in chart.caption
    assert "x 4, to set beside annual figures" in chart.caption
    assert "Per 10,000 children, a year" in chart.svg
    # the plotted figure is 701.6 a year, above England's 546.8, as the alt text says
    assert "above the England average" in chart.alt
    key = r.indicator_section("REFERRALS_RATE").intro.markdown
    assert "July to September 2024: 175.4" in key
    assert "Over a year at that pace:** 701.7 per 10,000" in key


def test_the_spc_section_states_its_conclusion_once_and_nothing_else():
    r = fx.build("restricted")
    section = r.indicator_section("CPP_AT_END", chart="spc")
    assert isinstance(section.chart, charts.Chart)
    assert "Oct 22 to Sep 24 (SPC chart; mean and limits from Oct 22 to Sep 23" in (
        section.chart.caption
    )
    assert "Latest month:" in section.chart.caption
    (para,) = section.commentary.blocks  # one paragraph: the SPC conclusion
    assert para.text.startswith("Month by month the figure shows common cause variation")
    assert para.text.count(". ") == 0 and para.text.endswith(".")  # in one sentence
    assert "polarity" not in section.intro.markdown and "Why it matters" not in (
        section.intro.markdown
    )


@pytest.mark.parametrize("indicator", ["NI65", "CPP_AT_END", "REFERRALS"])
def test_one_polarity_sentence_per_indicator(indicator):
    r = fx.build("public")
    section = r.indicator_section(indicator)
    sentence = r.catalogue[indicator].polarity_sentence()
    whole = section.intro.markdown + section.commentary.markdown
    assert whole.count(sentence) == 1


def test_not_computable_gives_the_engines_reason_where_it_has_one():
    from safeguarding.summary import AuthoritySummary

    rows = [("NI63", Q2, None, None, None)]
    frame = pd.DataFrame(rows, columns=["indicator", "period", "value", "numerator",
                                        "denominator"])  # fmt: skip
    frame.insert(0, "authority", fx.AUTHORITY)
    reason = "the returns lack the column 'dob' it reads"
    summary = AuthoritySummary(
        fx.AUTHORITY, Q2, not_computable=[f"NI63 for {Q2}: not computable: {reason}"]
    )
    r = report.QuarterlyReport(
        fx.meta("public"), report.ReportInputs(frame, fx.targets(), fx.comparators(), data=summary)
    )
    assert r.status(r.catalogue["NI63"]) == ("unavailable", reason)
    assert r.status(r.catalogue["NI63"], short=True) == ("unavailable", "data incomplete")


def test_a_reports_target_lookups_are_the_targets_own_once_per_indicator_and_year(monkeypatch):
    """The report remembers each indicator's target per financial year: every quarter of a
    year gets that year's target, another year its own, exactly as ``target_for`` says."""
    from fixtures import report_fixture as fx
    from safeguarding import targets as targets_module
    from safeguarding.periods import parse_period

    r = fx.build("public")
    frame = r.inputs.targets.copy()
    frame.loc[(frame["indicator"] == "NI62") & (frame["year"] == "2023-24"), "target"] = 12.0
    r.inputs.targets = frame
    calls = []
    real = targets_module.target_for
    monkeypatch.setattr(
        targets_module, "target_for", lambda *a: calls.append(a[2].id) or real(*a)
    )
    ind = r.catalogue["NI62"]
    q1, q2, last_year = (parse_period(p) for p in ("2024-25 Q1", "2024-25 Q2", "2023-24 Q4"))
    assert r.target(ind, q1) == r.target(ind, q2) == real(frame, r.meta.authority, ind, q2)
    assert r.target(ind, q1).target == 10.0 and r.target(ind, last_year).target == 12.0
    band = r.catalogue["NI65"]  # no row: the catalogue's band
    assert r.target(band, q2) == real(frame, r.meta.authority, band, q2)
    assert calls == ["NI62", "NI62", "NI65"]  # one lookup per indicator and year
