"""What a report says about its inputs: the extract date of each, every input it used, and
why figures are empty."""

from __future__ import annotations

from pathlib import Path

from safeguarding.catalogue import catalogue
from safeguarding.dataset import Source
from safeguarding.loaders import load_cin_census, load_ssda903, merge_returns, read_canonical
from safeguarding.report.closing import extract_dates, provenance_rows
from safeguarding.summary import AuthoritySummary, summarise

CORPUS = Path(__file__).parent / "bad_inputs"


def test_each_input_knows_its_extract_date() -> None:
    cin = load_cin_census(CORPUS / "cin_base_figures" / "census.xml", authority="350")
    assert [s.extract_date for s in cin.sources] == ["2018-05-01"]  # the header's DateTime
    ssda903 = load_ssda903(CORPUS / "s903_base_figures" / "return", "999", "2017-18")
    assert {s.extract_date for s in ssda903.sources} == {"collection year 2017-18"}
    canonical = read_canonical(CORPUS / "can_base_figures" / "tables", authority="350")
    assert all(s.extract_date.endswith("(file date)") for s in canonical.sources)


def test_provenance_rows_show_extract_dates_per_kind() -> None:
    two = merge_returns(
        [
            load_cin_census(CORPUS / "cin_two_years" / name, authority="350")
            for name in ("census_2018.xml", "census_2019.xml")
        ]
    )
    summary = AuthoritySummary("350", "2018-19 Q4", sources=two.sources)
    ((label, when, digest),) = provenance_rows(summary)
    assert label == "cin census (2 files)"
    assert when == "2018-05-01, 2019-05-02"
    assert len(digest.strip("`")) == 64


def test_extract_dates_of_many_files_are_a_range() -> None:
    sources = [Source(f"f{i}", "0" * 64, "canonical", None, f"2024-0{i}-01") for i in range(1, 6)]
    assert extract_dates(sources) == "2024-01-01 to 2024-05-01"
    assert extract_dates(sources[:1] * 3) == "2024-01-01"
    assert extract_dates([Source("f", "0" * 64, "canonical")]) == ""


def test_the_summary_says_why_figures_are_not_computable() -> None:
    data = read_canonical(CORPUS / "can_no_previous_plans" / "tables", authority="350")
    summary = summarise({"350": data}, "2017-18 Q4", catalogue())["350"]
    ni65 = [line for line in summary.not_computable if line.startswith("NI65 for ")]
    assert len(ni65) == 1 and "no 'previous_plans' column" in ni65[0]
    assert "2017-18" in ni65[0] and "authority" not in ni65[0]
    # and the loader's warning naming the file and column is in the data-quality rows
    assert ("missing_column", 1) in [(rule, n) for rule, n, _ in summary.warnings]


def test_the_data_quality_note_lists_the_figures_not_computable_that_the_report_shows() -> None:
    from fixtures import report_fixture as fx
    from safeguarding import report

    repeat = "NI65 for 2017-18: not computable: the cp_plans input has no 'previous_plans' column"
    moves = "NI62 for 2017-18: not computable: the la_episodes input has no 'rne' column"
    records = AuthoritySummary(fx.AUTHORITY, fx.QUARTER, not_computable=[repeat, moves])
    inputs = report.ReportInputs(fx.outturns(), fx.targets(), fx.comparators(), data=records)
    r = report.QuarterlyReport(fx.meta("public", "child_protection"), inputs)
    text = r.data_quality().markdown
    # the repeat-plans measure is the child protection report's; placement moves are not
    title = r.catalogue["NI65"].title
    assert "shown as blank" in text and f"{title} (NI65) for 2017-18: not computable" in text
    assert "NI62" not in text and "'rne'" not in text
    assert "no data-quality problems" in text  # no loader warnings besides


def test_a_note_about_a_whole_file_is_not_shown_as_a_count_of_records() -> None:
    from fixtures import report_fixture as fx
    from safeguarding import report
    from safeguarding.summary import records_summary
    from safeguarding.validation import Issue

    data = fx.dataset()
    data.issues.append(Issue(
        "warning", "999/annex_a.xlsx", "annex_a_older_than_returns",
        "this Annex A extract is older than the returns", authority=fx.AUTHORITY,
    ))  # fmt: skip
    summary = records_summary(data, fx.AUTHORITY, fx.QUARTER)
    assert summary.file_notes == ["annex_a_older_than_returns"]
    inputs = report.ReportInputs(fx.outturns(), fx.targets(), fx.comparators(), data=summary)
    r = report.QuarterlyReport(fx.meta("public"), inputs)
    table = r.data_quality().blocks[1]
    counts = {row[0].replace("\\_", "_"): row[1] for row in table.rows}  # Markdown cells
    # one note is not "1 record" (nor "c", as if it were a hidden count of children)
    assert counts["annex_a_older_than_returns"] == "–"
    assert counts["end-before-start"] == "c"  # one record: a count, hidden in public
    assert any("a note about a whole file, not a count of records" in n for n in table.notes)
