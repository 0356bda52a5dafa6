"""The attacker test: no hidden count in a public report of the demo quarter can be recovered.

The demo quarter (five authorities, every public report, HTML, PDF and DOCX) is built once per
session by the real batch. For each report the attacker (tests/disclosure_attacker.py) reads
every published count - in the HTML, and checks the DOCX tables and the PDF's text show the
same cells - writes down every sum the tables imply within and across tables, and bounds
each hidden cell with ``scipy.optimize.linprog``. It first breaks the tables as they were
published before the report-wide pass (tests/fixtures/disclosure/), so it is shown to work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from disclosure_attacker import (
    OF,
    attack_page,
    caseload_key,
    docx_tables,
    docx_text,
    html_tables,
    html_text,
    pdf_table_tokens,
    pdf_text,
)
from published_demo import AUTHORITIES, GROUP, public_reports

FIXTURES = Path(__file__).parent / "fixtures" / "disclosure"
COUNT_TABLES = ("Children by case type and team", "Cases per team", "Data-quality warnings")


PUBLIC = public_reports()
pytestmark = GROUP


def _labels() -> dict[str, str]:
    """Each indicator's published name (as the scorecard and its section heading print it)."""
    import html

    from safeguarding.catalogue import catalogue
    from safeguarding.report import indicator_name

    return {ind.id: html.unescape(indicator_name(ind)) for ind in catalogue()}


def _counts() -> set[str]:
    """The published names of the indicators that are counts."""
    from safeguarding.catalogue import catalogue

    return {_labels()[ind.id] for ind in catalogue() if ind.unit == "count"}


def test_attacker_breaks_the_tables_as_published_before_the_report_wide_pass():
    """904's scorecard before: Short Breaks = 1,574 - 1,433 - Leaving Care (136, shown in
    "Cases per team"); two conference counts add up to 192 - 187 = 5."""
    attack = attack_page((FIXTURES / "scorecard_904_before.html").read_text(encoding="utf-8"))
    leaks = attack.leaks()
    assert attack.leaks(integer=True) == leaks
    assert leaks[("caseload", "Short Breaks", "Total")] == (5.0, 5.0)
    assert leaks[("caseload", "Short Breaks", "Disabled Children")] == (5.0, 5.0)
    assert leaks[("caseload", "Care Leaver", "Total")] == (136.0, 136.0)
    low, high = leaks[("events", "Initial child protection conferences", "Not allocated")]
    assert low == 1.0 and high == 4.0  # hidden, yet known to be 1 to 4


def test_attacker_sees_through_a_sum_within_one_table():
    page = """<table><caption>Assessments started, 01 April 2024 to 30 September 2024, by
    team</caption><tr><th>Team</th><th>Number</th><th>Share</th></tr>
    <tr><td>North</td><td>c</td><td>c</td></tr><tr><td>South</td><td>40</td><td>88.9%</td></tr>
    <tr><td>Total</td><td>45</td><td>100.0%</td></tr></table>"""
    assert attack_page(page).leaks() == {("events", "Assessments started", "North"): (5.0, 5.0)}


def test_attacker_reads_a_count_a_chart_states_that_the_scorecard_hides():
    page = """<table><caption>Child protection: scorecard for 2024-25 Q2</caption>
    <tr><th>Indicator</th><th>Q1</th><th>Q2</th></tr>
    <tr><td>Children on a CP plan</td><td>40</td><td>c</td></tr></table>
    <section><h3>Children on a CP plan</h3><figure><img aria-label="Children on a CP plan
    fell from 40 in Q1 24-25 to 4 in Q2 24-25 (over 2 quarters)."></figure></section>"""
    attack = attack_page(page, counts={"Children on a CP plan"})
    assert attack.leaks() == {("score", "Children on a CP plan", "Q2"): (4, 4)}


@pytest.mark.parametrize("report", PUBLIC)
@pytest.mark.parametrize("authority", AUTHORITIES)
def test_no_hidden_count_in_a_public_report_can_be_recovered(demo_quarter, authority, report):
    folder = demo_quarter / "public" / authority / report  # where the batch publishes it
    page = (folder / f"{report}.html").read_text(encoding="utf-8")
    tables = html_tables(page)
    counts = [t for t in tables if t.caption.startswith(COUNT_TABLES) or "by team" in t.caption]
    assert counts, "the report publishes no count tables"

    # the Word file's tables are the page's, cell for cell
    # (less the front sheet's label/value tables, which are a definition list in HTML)
    words = [
        t
        for t in docx_tables(folder / f"{report}.docx")
        if t[0][0] not in ("Report to", "Financial implications")
    ]
    assert len(words) == len(tables)
    for table, word in zip(tables, words, strict=True):
        assert word == [table.header, *table.rows], table.caption
    # the PDF shows the same cells in every table of counts
    pdf = pdf_text(folder / f"{report}.pdf")
    for table, tokens in zip(counts, pdf_table_tokens(pdf, counts), strict=True):
        assert tokens == table.cells(), table.caption

    # and the same "(x of N)" key figures, in order, in all three
    stated = OF.findall(" ".join(html_text(page).split()))
    assert OF.findall(" ".join(pdf.split())) == stated
    assert OF.findall(" ".join(docx_text(folder / f"{report}.docx").split())) == stated

    attack = attack_page(page, _labels(), _counts())
    assert attack.sums, "the attacker found no sums to work with"
    assert attack.leaks() == {}
    assert attack.leaks(integer=True) == {}  # whole numbers only: no tighter


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_no_hidden_count_can_be_recovered_from_all_public_reports_together(demo_quarter, authority):
    """A reader holds every public report of the authority: what one shows, and the sums of
    each, are put together."""
    together = None
    for report in PUBLIC:
        page = (demo_quarter / "public" / authority / report / f"{report}.html").read_text(
            encoding="utf-8"
        )
        attack = attack_page(page, _labels(), _counts())
        if together is None:
            together = attack
        else:
            together.merge(attack)
    assert together.leaks() == {}


def test_the_defect_is_gone_from_904(demo_quarter):
    """Leaving Care's 136 is hidden in both tables now, and Short Breaks has room."""
    page = (demo_quarter / "public/904/quarterly_scorecard/quarterly_scorecard.html").read_text(
        encoding="utf-8"
    )
    attack = attack_page(page, _labels())
    if not any(k[0] == "caseload" for k in attack.hidden):
        # issue 16 recalibrated the demo (children in need, looked-after records): 904's
        # caseloads no longer hold the small counts this regression was written for; the
        # attacks on every authority's pages above still check the property
        pytest.skip("the demo's 904 caseloads have no small counts since issue 16's recalibration")
    types = ("Assessment", "Care Leaver", "Child Protection Plan", "Child in Need")
    types += ("Looked After", "Short Breaks")
    for key in [
        ("caseload", "Care Leaver", "Total"),
        caseload_key("Total", "Leaving Care", types),
        ("caseload", "Short Breaks", "Total"),
    ]:
        assert key in attack.hidden
    low, high = attack.ranges()[("caseload", "Short Breaks", "Total")]
    assert low == 1.0 and high > 100
    # zero is shown and the large counts survive: the pass hid no more than it had to
    # (the demo's sizes move with its calibration, so the test asks only that they are shown)
    assert attack.known[("caseload", "Assessment", "Total")] > 5
    assert attack.known[caseload_key("Total", "Assessment South", types)] > 5


def _random_cells(seed: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        rng.integers(0, 12, size=(4, 5)), index=list("ABCD"), columns=[f"T{i}" for i in range(5)]
    )


CASELOADS = "Children by case type and team on 30 September 2024"
PER_TEAM = "Cases per team on 30 September 2024"


@pytest.mark.parametrize("seed", range(12))
def test_attacker_cannot_break_a_random_table_with_its_shares(seed):
    """Random caseload-like tables (many counts of 0 to 11) shown with their cases per team
    from one ledger, as a report shows them: the attacker finds nothing."""
    from safeguarding.report.ledger import ReportLedger

    ledger = ReportLedger("public")
    ledger.add_caseloads(_random_cells(seed), None)
    view = ledger.caseloads[None]
    teams, grand = view.totals.columns, view.key("Total", "Total")
    grid = [[k, *[ledger.text(view.key(k, t)) for t in teams]] for k in view.totals.index]
    shares = [
        [t, ledger.text(view.key("Total", t)), ledger.share(view.key("Total", t), grand)]
        for t in teams
    ]
    page = _page(
        (CASELOADS, ["Case type", *teams], grid), (PER_TEAM, ["Team", "Cases", "Share"], shares)
    )
    attack = attack_page(page)
    assert attack.hidden  # small counts were there to hide
    assert attack.leaks() == {}


def test_attacker_breaks_random_tables_solved_one_at_a_time():
    """The same tables suppressed table by table (even each one audited alone): the attacker
    recovers a hidden count in some of them."""
    from safeguarding import disclosure

    broken = []
    for seed in range(12):
        cells = _random_cells(seed)
        table = disclosure.display_table(cells, "public")
        per_team = disclosure.display_shares(cells.sum(axis=0), "public")
        page = _page(
            (CASELOADS, ["Case type", *table.columns], [[i, *table.loc[i]] for i in table.index]),
            (PER_TEAM, ["Team", "Cases", "Share"], [[t, *r] for t, r in per_team.iterrows()]),
        )
        if attack_page(page).leaks():
            broken.append(seed)
    assert broken


def _page(*tables: tuple[str, list[str], list[list[str]]]) -> str:
    out = []
    for caption, header, rows in tables:
        head = "".join(f"<th>{h}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        out.append(f"<table><caption>{caption}</caption><tr>{head}</tr>{body}</table>")
    return "<html><body>" + "".join(out) + "</body></html>"
