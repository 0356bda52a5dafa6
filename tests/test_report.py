"""Report objects: front sheet, scorecards, sections, activity tables and disclosure by audience."""

from __future__ import annotations

import html
import json
import re

import pytest
from fixtures import report_fixture as fx
from safeguarding import disclosure, render
from safeguarding.report import META_MIME, QuarterlyReport, rag_span, scorecard


@pytest.fixture(scope="module")
def public() -> QuarterlyReport:
    return fx.build("public")


def test_front_sheet_has_every_field(public):
    md = public.front_sheet().markdown
    for label in fx.FRONT_SHEET_FIELDS:
        assert label in md
    assert "01632 960000" in md and "mailto:performance@testshire.example.org" in md
    assert "5 November 2024" in md and "N/A" in md
    assert "Restricted" not in md


def test_restricted_front_sheet_says_so():
    md = fx.build("restricted").front_sheet().markdown
    assert "restricted audience" in md and "Do not publish it" in md


def test_metadata_output_once_with_rag_summary(public):
    data = public.metadata()._repr_mimebundle_()
    meta = data[META_MIME]
    assert meta["committee"] == "Children's Services Scrutiny Committee"
    assert meta["classification"] == "Unrestricted" and meta["audience"] == "public"
    assert set(meta["rag_summary"]) == {"green", "amber", "red", "none"}
    json.dumps(meta)  # serialisable into the notebook


def test_scorecard_layout_status_words_and_footnotes(public):
    table = public.scorecard("child_protection").blocks[1]
    assert table.columns == [
        "Indicator",
        "Counted",
        "England 2023-24",
        "Neighbours 2023-24",
        "Target 2023-24",
        "Actual 2023-24",
        "Target 2024-25",
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "Status",
    ]
    names = [row[0] for row in table.rows]
    assert "Second or subsequent plans (NI 65)" in names
    ni65 = table.rows[names.index("Second or subsequent plans (NI 65)")]
    assert ni65[1] == "Year to date"  # the window every Q column counts
    assert ni65[2] == "22.0%" and ni65[3] == "21.0%"
    assert ni65[6] == "10.0% to 15.0%"  # the catalogue's band stands in for a target
    assert ni65[9] == ni65[10] == ""  # Q3 and Q4 are still to come
    assert "{.rag .rag-" in ni65[11] and re.search(r"\[(Green|Amber|Red|No target)", ni65[11])
    assert any("Provisional" in n for n in table.notes)
    assert any("year to date: Q2 counts April to September 2024, Q4 the whole year" in n
               for n in table.notes)  # fmt: skip
    counted = {row[0]: row[1] for row in table.rows}
    assert counted["Children on a CP plan"] == "At quarter end"


def test_changed_definition_footnote():
    from safeguarding.catalogue import catalogue

    ind = catalogue()["NI59"]
    r = fx.build("public")
    r.period = r.period.__class__(2010, 2)  # a report spanning the 7 to 10 working-day change
    notes: list[str] = []
    label = scorecard.indicator_label(r, ind, notes)
    assert "^1^" in label and "10 working days from 2010-11" in notes[0]


def test_rag_span_always_has_words():
    assert rag_span("red", "above band") == "[Red: above band]{.rag .rag-red}"
    assert rag_span(None) == "[No target]{.rag .rag-none}"


def test_indicator_section_outputs_text_chart_and_commentary(public):
    section = public.indicator_section("NI65")
    intro = section.intro.markdown
    assert "What it measures" in intro and "Why it matters" in intro
    assert "both higher and lower figures are a concern" in intro
    data, meta = section.chart._repr_mimebundle_()
    assert data["image/svg+xml"].startswith("<svg") and meta["safeguarding"]["alt"]
    text = section.commentary.markdown
    assert "Commentary drafted from the figures" in text
    assert "Repeat plans are being audited" in text  # the analyst's text follows


def test_chart_captions_name_only_what_is_drawn(public):
    """NI65 has a target band; NI67 a target (the fixture's targets); a count has no
    comparators."""
    name = public.meta.authority_name
    assert public.trend_chart("NI65").caption.endswith(
        f"{name} against England, statistical neighbours and the target band"
    )
    assert public.trend_chart("NI67").caption.endswith(
        f"{name} against England, statistical neighbours and target"
    )
    assert public.trend_chart("CPP_AT_END").caption.endswith(f", {name}")
    # the fixture has no figure at all for the rate (no population): a note, not bare axes
    assert "Not charted: no figure could be worked out" in (
        public.trend_chart("CPP_AT_END_RATE").markdown
    )


def test_analyst_text_replaces_the_draft_when_asked():
    r = fx.build("public")
    r.inputs.commentary = lambda ind: ("Our own words.", "replace")
    text = r.indicator_section("NI67").commentary.markdown
    assert "Our own words." in text and "drafted from the figures" not in text


def test_caseload_tables_have_totals_and_shares(public):
    md = public.caseloads().markdown
    assert "**Total**" in md and "Share" in md and "%" in md


def test_html_view_for_jupyterlab(public):
    bundle = public.scorecard("looked_after")._repr_mimebundle_()
    assert bundle["text/html"].startswith('<div class="safeguarding">')
    assert '<span class="rag rag-' in bundle["text/html"]
    assert "<caption>" in bundle["text/html"]


def _cells(page: str) -> list[str]:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    text = [html.unescape(re.sub(r"<sup>.*?</sup>|<[^>]+>", "", c)).strip() for c in cells]
    return text


@pytest.fixture(scope="module")
def small_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    out = {}
    for audience in ("public", "restricted"):
        nb = fx.write_notebook(folder / f"{audience}.ipynb", audience=audience, scale=8)
        out[audience] = render.render_notebook(nb, folder, formats=("html",))["html"]
    return out


def test_public_report_of_small_authority_shows_no_count_of_one_to_five(small_reports):
    page = small_reports["public"].read_text(encoding="utf-8")
    cells = _cells(page)
    assert disclosure.small_cells(cells) == []
    assert "c" in cells  # something was suppressed
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert disclosure.small_counts_in_text(text) == []
    assert not re.search(r"\(\s*[1-5] of \d", text)  # key figures like "(3 of 8)"
    assert not re.search(r"\(\d+ of [1-5]\)", text)


def test_restricted_report_of_small_authority_shows_them(small_reports):
    cells = _cells(small_reports["restricted"].read_text(encoding="utf-8"))
    assert disclosure.small_cells(cells)


def test_rag_summary_counts_only_the_reports_own_themes(public):
    # the same figures seen by the child protection report: only its theme's indicators count
    cp = QuarterlyReport(fx.meta("public", "child_protection"), public.inputs)
    assessed = public.assessment
    themes = assessed["indicator"].map(lambda i: public.catalogue[i].theme)
    expected = assessed[themes == "child_protection"]["rag"]
    counts = cp.rag_counts()
    assert sum(counts.values()) == len(expected) < sum(public.rag_counts().values())
    assert counts["red"] == int((expected == "red").sum())
    assert counts["green"] == int((expected == "green").sum())
