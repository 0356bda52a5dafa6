"""One disclosure pass per report: the solver over related counts and the report's ledger."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures import report_fixture as fx
from safeguarding import disclosure as d
from safeguarding.catalogue import catalogue
from safeguarding.exceptions import ParameterError
from safeguarding.report import QuarterlyReport
from safeguarding.report.ledger import ReportLedger

Q2 = "2024-25 Q2"


def _rel(total, *parts):
    return d.Relation(total, tuple(parts))


# --- the solver -------------------------------------------------------------------------------
def test_two_small_counts_in_one_sum_get_a_third_beside_them():
    """a=2 and b=3 are hidden; a single-unknown rule is satisfied, yet a + b = 45 - 40 = 5
    bounds each to 1..4. The audit hides c too: then a is anywhere in 1..43."""
    values = {"a": 2, "b": 3, "c": 40, "t": 45}
    relations = [_rel("t", "a", "b", "c")]
    hidden = d.suppress(values, relations, "public")
    assert hidden == {"a", "b", "c"}
    assert d.hidden_ranges(values, relations, hidden)["a"] == (1.0, 43.0)


def test_a_count_in_two_tables_is_protected_in_both():
    """The 904 defect in small: Leaving Care's 136 cases are the only Care Leaver cases, so
    the type's total, the team's total and its "Cases per team" row are one count. With Short
    Breaks (5) hidden, the caseload table alone hides the Care Leaver total and the cases per
    team alone hide the smaller Assessment North: the two together give 5 back.
    One pass hides 136 wherever it appears, and nothing else."""
    cells = pd.DataFrame(
        {
            "Assessment Central": [116, 0, 0, 0],
            "Assessment North": [92, 0, 0, 0],
            "Assessment South": [113, 0, 0, 0],
            "Leaving Care": [0, 136, 0, 0],
            "Disabled Children": [0, 0, 5, 0],
            "Safeguarding": [0, 0, 0, 211],
        },
        index=["Assessment", "Care Leaver", "Short Breaks", "Child in Need"],
    )
    ledger = ReportLedger("public")
    ledger.add_caseloads(cells, None)
    view = ledger.caseloads[None]
    assert {k[1:3] for k in ledger.hidden} == {
        ("Care Leaver", "Leaving Care"),
        ("Care Leaver", "Total"),
        ("Total", "Leaving Care"),
        ("Short Breaks", "Disabled Children"),
        ("Short Breaks", "Total"),
        ("Total", "Disabled Children"),
    }
    grand = view.key("Total", "Total")
    assert ledger.text(view.key("Total", "Leaving Care")) == d.SUPPRESSED
    assert ledger.share(view.key("Total", "Leaving Care"), grand) == d.SUPPRESSED
    assert ledger.text(view.key("Total", "Assessment North")) == "92"
    assert ledger.share(view.key("Total", "Assessment North"), grand) == "13.7%"  # 92 of 673
    assert d.exposed_cells(ledger.values, ledger.relations, ledger.hidden) == []
    # table by table, as reports were solved before: the cases per team show the 136
    alone = d.display_shares(cells.sum(axis=0), "public")
    assert alone.loc["Leaving Care", "count"] == "136"
    assert d.display_table(cells, "public").loc["Total", "Leaving Care"] == d.SUPPRESSED


def test_no_more_is_hidden_than_the_sums_need():
    """The classic table: small counts in Residence and SGO; hiding the Adoption row (the
    smallest counts beside them) protects both, and nothing else is hidden."""
    counts = pd.DataFrame(
        {"NE": [49, 101, 6, 0, 1, 78], "SE": [95, 153, 10, 1, 2, 85], "W": [67, 92, 6, 1, 0, 42]},
        index=["CIN", "CLA", "Adoption", "Residence", "SGO", "CPP"],
    )
    shown = d.display_table(counts, "public")
    hidden = {(i, c) for i in shown.index for c in shown.columns if shown.loc[i, c] == "c"}
    assert hidden == {
        ("Adoption", "NE"),
        ("Adoption", "SE"),
        ("Adoption", "W"),
        ("Adoption", "Total"),
        ("Residence", "SE"),
        ("Residence", "W"),
        ("Residence", "Total"),
        ("SGO", "NE"),
        ("SGO", "SE"),
        ("SGO", "Total"),
    }


def test_restricted_hides_nothing_and_false_sums_are_refused():
    assert d.suppress({"a": 2, "t": 2}, [_rel("t", "a")], "restricted") == frozenset()
    with pytest.raises(ValueError, match="do not add up"):
        d.suppress({"a": 2, "b": 3, "t": 9}, [_rel("t", "a", "b")], "public")


# --- the report's ledger ----------------------------------------------------------------------
def _figures(rows: list[tuple[str, str, float, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["indicator", "period", "value", "numerator", "denominator"]
    ).assign(authority="999")


def test_a_year_is_the_sum_of_its_quarters_and_a_rate_shares_its_count():
    """Referrals (in the period): Q1 = 3 is hidden, so the year (153) would give it away
    unless a second quarter is hidden; the rate of a hidden count is hidden with it."""
    quarters = {"2023-24 Q1": 3, "2023-24 Q2": 40, "2023-24 Q3": 50, "2023-24 Q4": 60}
    rows = [("REFERRALS", p, v, v, None) for p, v in quarters.items()]
    rows += [("REFERRALS", "2023-24", 153, 153, None)]
    rows += [("REFERRALS_RATE", p, v / 2, v, 20000) for p, v in quarters.items()]
    outturns = _figures(rows)
    ledger = ReportLedger("public")
    ledger.add_figures(outturns, catalogue())
    masked = ledger.mask(outturns).set_index(["indicator", "period"])["hidden"]
    assert masked[("REFERRALS", "2023-24 Q1")] and masked[("REFERRALS", "2023-24 Q2")]
    assert masked[("REFERRALS_RATE", "2023-24 Q2")]  # 40 / population would give 40 back
    assert not masked[("REFERRALS", "2023-24 Q3")] and not masked[("REFERRALS", "2023-24")]
    rate = ledger.figure_key("REFERRALS_RATE", "2023-24 Q3", "numerator")
    assert rate == ledger.figure_key("REFERRALS", "2023-24 Q3", "numerator")


def test_a_case_type_total_is_the_indicator_counting_the_same_children():
    """Children on a plan at the quarter's end in the caseload table (30) and in the
    scorecard (CPP_AT_END) are one count: hidden in the table, hidden in the scorecard."""
    cells = pd.DataFrame(
        {"Safeguarding": [30, 0], "Disabled": [0, 3]},
        index=["Child Protection Plan", "Short Breaks"],
    )
    for count, linked in ((30, True), (31, False)):
        outturns = _figures([("CPP_AT_END", Q2, count, count, None)])
        ledger = ReportLedger("public")
        ledger.add_figures(outturns, catalogue())
        ledger.add_caseloads(cells, None)
        ledger.link_records_to_figures(fx.meta().period)
        assert ledger.is_hidden(("caseload", "Child Protection Plan", "Total"))
        assert ledger.figure_hidden("CPP_AT_END", Q2) is linked


def test_record_counts_and_events_read_c_when_small():
    ledger = ReportLedger("public")
    ledger.add_records([("dob-after-referral", 3, "row 4"), ("missing-team", 12, "row 9")])
    ledger.add_events(("section47", "icpc_date"), pd.Series({"North": 4, "South": 40}))
    assert ledger.text(ledger.records["dob-after-referral"]) == "c"
    assert ledger.text(ledger.records["missing-team"]) == "12"
    view = ledger.events[("section47", "icpc_date")]
    assert [ledger.text(k) for k in view.keys().values()] == ["c", "c", "44"]


def test_the_ledger_is_closed_once_solved():
    ledger = ReportLedger("public")
    ledger.add("a", 7)
    assert not ledger.is_hidden("a")
    with pytest.raises(RuntimeError, match="never in its disclosure pass"):
        ledger.add("b", 7)
    with pytest.raises(KeyError, match="not in the report's disclosure pass"):
        ledger.text("b")
    twice = ReportLedger("public")
    twice.add("a", 1)
    with pytest.raises(ValueError, match="recorded as 1 and as 2"):
        twice.add("a", 2)


def test_a_report_shows_only_the_caseload_tables_its_pass_covered():
    public = fx.build("public")
    with pytest.raises(ParameterError, match="REPORT_VIEWS"):
        public.caseloads(case_types=["Looked After"])
    cp = QuarterlyReport(fx.meta("public", "child_protection"), public.inputs)
    table = cp.caseloads(case_types=["Child Protection Plan"]).blocks[1]
    assert [row[0] for row in table.rows][-1] == "**Total**"
    assert table.columns[0] in ("Case type", "Team")


# --- the solution remembered ------------------------------------------------------------------
def test_a_ledger_solved_again_gets_the_same_solution_and_a_changed_one_a_fresh_one(monkeypatch):
    from safeguarding.report import ledger

    values = {"a": 2, "b": 3, "c": 40, "t": 45}
    relations = [_rel("t", "a", "b", "c")]
    calls = []
    real = d.suppress

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(ledger.disclosure, "suppress", counting)
    ledger._SOLVED.clear()
    first = ledger.solve(values, relations, "public")
    assert first == real(values, relations, "public") == {"a", "b", "c"}
    assert ledger.solve(dict(values), list(relations), "public") == first and len(calls) == 1
    # any changed count, sum or audience is solved afresh, and gets its own answer
    changed = {**values, "a": 7, "t": 50}
    assert ledger.solve(changed, relations, "public") == real(changed, relations, "public")
    assert ledger.solve(values, relations, "restricted") == frozenset()
    assert ledger.solve(values, [], "public") == real(values, [], "public") == {"a", "b"}
    assert len(calls) == 4


def test_keys_that_do_not_print_as_data_are_never_remembered(monkeypatch):
    from safeguarding.report import ledger

    class Opaque:
        pass

    key = Opaque()
    calls = []
    real = d.suppress
    monkeypatch.setattr(
        ledger.disclosure, "suppress", lambda *a: calls.append(a) or real(*a)
    )
    for _ in range(2):
        assert ledger.solve({key: 3, "t": 30}, [], "public") == {key}
    assert len(calls) == 2
