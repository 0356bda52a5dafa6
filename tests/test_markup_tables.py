"""Tables as the report writes them: widths from content, row headers, one orientation."""

from __future__ import annotations

import re

import pandas as pd
from fixtures import report_fixture as fx
from safeguarding.markup import Table, content_widths, text_width, visible_text


def test_visible_text_drops_inline_marks():
    assert visible_text("14.3%^p^") == "14.3%p"
    assert visible_text("[Red: target missed]{.rag .rag-red}") == "Red: target missed"
    assert visible_text("**Total**") == "Total"
    assert visible_text("Looked-after reviews on time^1^ (NI 66)") == (
        "Looked-after reviews on time1 (NI 66)"
    )


def test_widths_by_hand():
    """'Assessment Central' and '628,750', in units of a digit's width: 'Assessment' is nine
    letters and a wide m (9 + 1.6 = 10.6), 'Central' 7, a space 0.5, so the cell is 18.1; the
    figure is six digits and a comma (6 + 0.5 = 6.5). Each column adds 2 for its margins:
    longest words 12.6 and 8.5, whole cells 20.1 and 8.5."""
    assert text_width("Assessment") == 10.6 and text_width("628,750") == 6.5
    # they fit in 110: the whole cells' widths
    assert content_widths(["Team", "Cases"], [["Assessment Central", "628,750"]]) == [20, 8]
    # squeezed into 20: each column keeps its longest word (12.6 and 8.5)
    squeezed = content_widths(["Team", "Cases"], [["Assessment Central", "628,750"]], total=20)
    assert squeezed == [13, 8]
    # room to share: 30 less the longest words (12 for 'subsequent', 7.1 for '19.2%') is
    # 10.9, all of it to the name, the only column whose cell is longer than its longest word
    shared = content_widths(
        ["Indicator", "Q1"], [["Second or subsequent plans (NI 65)", "19.2%"]], total=30
    )
    assert shared == [23, 7]


def test_scorecard_widths_keep_every_figure_on_one_line():
    r = fx.build("public")
    table = r.scorecard("child_protection").blocks[1]
    widths = table.column_widths
    for row in table.rows:
        for width, cell in zip(widths, row, strict=True):
            for word in visible_text(cell).split():
                assert text_width(word) + 2 <= width + 0.5, (word, width)
    assert widths[0] == max(widths)  # the indicator's name gets the room


def test_row_headers_in_markdown_and_html():
    table = Table("Caption", ["Team", "Cases"], [["North", "12"]])
    assert "{.row-headers-1}" in table.md()
    page = table.html()
    assert '<th scope="row">North</th>' in page and '<th scope="col">Team</th>' in page
    assert re.search(
        r'<div class="table-scroll" role="region" tabindex="0" aria-label="Caption"', page
    )
    plain = Table("Caption", ["A", "B"], [["1", "2"]], row_headers=0)
    assert "row-headers" not in plain.md() and 'scope="row"' not in plain.html()


def _many_teams() -> fx.report.QuarterlyReport:
    r = fx.build("public")
    teams = r.inputs.data.tables["teams"].copy()
    teams["team"] = [f"Team {n % 12:02d}" for n in range(len(teams))]
    r.inputs.data.set("teams", teams)
    return fx.report.QuarterlyReport(r.meta, r.inputs)


def test_caseloads_have_one_orientation_for_few_and_many_teams():
    """Teams down the side whether an authority has three teams or twelve (the table used to
    turn round when teams outnumbered case types)."""
    for r in (fx.build("public"), _many_teams()):
        table = r.caseloads().blocks[1]
        assert table.columns[0] == "Team"
        assert {"Child in need", "Looked after"} <= set(table.columns)
        teams = [row[0] for row in table.rows[:-1]]
        assert all(t.startswith(("North", "South", "West", "Team")) for t in teams)
    assert len(_many_teams().caseloads().blocks[1].rows) == 13  # 12 teams and the total
    assert isinstance(_many_teams().inputs.data.tables["teams"], pd.DataFrame)
