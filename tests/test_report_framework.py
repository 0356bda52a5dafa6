"""The National Framework report's parts (report/framework.py), on hand-made figures."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures import report_fixture as fx
from safeguarding.catalogue import catalogue
from safeguarding.comparators import Comparators
from safeguarding.report import REPORT_THEMES, QuarterlyReport, ReportInputs
from safeguarding.report import framework as nf

LA = fx.AUTHORITY


def test_every_built_in_measure_sits_under_exactly_one_outcome_or_enabler():
    shown = [i for ids in nf.FRAMEWORK.values() for i in ids]
    assert len(shown) == len(set(shown))
    assert set(shown) == {i.id for i in catalogue() if not i.local}
    assert set(nf.FRAMEWORK) == {*nf.OUTCOMES, *nf.ENABLERS}
    # so the report's RAG summary (every theme) counts exactly what it shows
    assert set(REPORT_THEMES["national_framework"]) >= {i.theme for i in catalogue()} - {"local"}


def _outturns() -> pd.DataFrame:
    rows = []
    for period in ("2023-24", "2024-25 Q1", "2024-25 Q2"):
        rows += [
            ("KINSHIP_AT_END", period, 18.0, 18, 100),
            ("LEFT_CARE_SGO", period, 12.5, 5, 40),  # 5 children: hidden for the public
            ("DOLO_AT_END", period, 7.0, 7, None),
        ]
    frame = pd.DataFrame(rows, columns=["indicator", "period", "value", "numerator", "denominator"])
    return frame.assign(authority=LA, status="final")


def _comparators() -> Comparators:
    rows = [
        ("SW_TURNOVER", "2023-24", "England", 13.9, ""),
        ("SW_TURNOVER", "2023-24", "North West", 14.5, ""),
        ("SW_TURNOVER", "2023-24", LA, 12.0, "North West"),
        ("SW_TURNOVER", "2023-24", "statistical_neighbours", 15.0, ""),
        ("SW_CASELOAD", "2023-24", "England", 15.4, ""),
        ("SW_CASELOAD", "2023-24", LA, 17.25, "North West"),
        ("KINSHIP_AT_END", "2023-24", "England", 17.0, ""),
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "period", "area", "value", "region"])
    return Comparators.from_frame(frame)


def _data():
    from _indicator_builders import dataset

    kids = [{"child_id": f"W{n}", "ethnicity": "WBRI"} for n in range(40)]
    kids += [{"child_id": f"B{n}", "ethnicity": "BAFR"} for n in range(12)]
    kids += [{"child_id": "M1", "ethnicity": "MWBC"}]
    plans = [{"child_id": k["child_id"], "start_date": "2024-08-01"} for k in kids]
    data = dataset(
        children=kids,
        cp_plans=plans,
        la_episodes=[{"child_id": "W1", "episode_start": "2024-01-01", "placement": "K2"}],
        dolo=[{"child_id": "W1", "start_date": "2024-05-01"}],
        population_ethnicity=[
            {"year": 2024, "ethnicity": g, "population": p}
            for g, p in (
                ("White", 4000),
                ("Black", 400),
                ("Mixed", 300),
                ("Asian", 500),
                ("Other", 100),
            )
        ],  # fmt: skip
    )
    for frame in data.tables.values():
        frame["authority"] = LA
    return data


@pytest.fixture(scope="module", params=["public", "restricted"])
def report(request) -> QuarterlyReport:
    inputs = ReportInputs(_outturns(), None, _comparators(), data=_data())
    return QuarterlyReport(fx.meta(request.param, "national_framework"), inputs)


def test_family_networks_scorecard_and_the_gaps_said_in_words(report):
    blocks = nf.scorecard(report, "family_networks").blocks
    table = blocks[0]
    names = [row[0] for row in table.rows]
    assert names == ["Looked after in kinship care", "Left care on an SGO"]  # CAO: no figures
    england, q2 = table.columns.index("England 2023-24"), table.columns.index("Q2")
    assert table.rows[0][england] == "17.0%" and table.rows[0][q2] == "18.0%"
    sgo = table.rows[1][q2]
    assert sgo == ("c" if report.meta.audience == "public" else "12.5%")
    notes = nf.scorecard(report, "families_together").markdown
    assert "No figures are available" in notes and "Referrals after early help need" in notes
    # no distances in the figures: the gap is said, with what the return holds instead
    stable = nf.scorecard(report, "stable_homes").markdown
    assert "20 miles from home need each placement's distance" in stable


def test_workforce_is_the_councils_published_figure_beside_its_comparators(report):
    table = nf.workforce(report).blocks[0]
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Social worker turnover"] == [
        "12.0%", "15.0%", "14.5%", "13.9%", "30 September 2023"
    ]  # fmt: skip
    assert rows["Average caseload"][0] == "17.3" and rows["Average caseload"][3] == "15.4"
    assert rows["Agency social workers"][:4] == ["n/a"] * 4
    said = nf.workforce(report).markdown
    assert "12.0% for the council at 30 September 2023, against 13.9% for England" in said
    assert "better" not in said and "worse" not in said


def test_disproportionality_hides_small_groups_for_the_public(report):
    md = nf.disproportionality(report).markdown
    assert "Children on a child protection plan by ethnic group" in md
    black = (
        "Black children are 3.0 times as likely as White children to be on a child protection "
        "plan; the difference is larger than chance."
    )  # 12 of 400 against 40 of 4,000 White children
    if report.meta.audience == "restricted":
        assert black in md and "| Mixed or Multiple ethnic groups | 1 |" in md
    else:
        # Mixed (1 child) is hidden; with the plan count published elsewhere, a zero Asian and
        # Other and the White count would give it away, so Black is hidden too
        assert "| Mixed or Multiple ethnic groups | c |" in md and black not in md
        assert "The comparison for Black children is not published" in md
        assert "| White | 40 |" in md


def test_dolo_placements_table(report):
    md = nf.dolo_placements(report).markdown
    assert "Children's home" in md
    assert ("| Children's home | c | c |" in md) == (report.meta.audience == "public")


def test_overview_counts_what_each_theme_shows(report):
    table = nf.overview(report).blocks[1]
    rows = {row[0]: row[1:] for row in table.rows}
    key = "Outcome: Children and young people are supported by their family network"
    assert rows[key] == ["2", "0", "0", "0", "2"]
    assert len(rows) == 7
    # the workforce: how many measures DfE publishes for the council (turnover and caseload)
    assert rows["Enabler: the workforce is equipped and effective"] == ["2", "", "", "", ""]


def test_framework_tables_are_in_every_reports_one_disclosure_pass():
    outturns = pd.concat(
        [
            _outturns(),
            pd.DataFrame(
                {"authority": LA, "indicator": "CPP_AT_END", "period": "2024-25 Q2",
                 "value": 53.0, "numerator": 53, "denominator": None, "status": "final"},
                index=[0],
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    for kind in ("national_framework", "looked_after"):
        r = QuarterlyReport(
            fx.meta("public", kind), ReportInputs(outturns, None, None, data=_data())
        )
        ledger = r.ledger
        assert ledger.is_hidden(("ethnicity", "cp", "Mixed"))  # one child
        assert ledger.is_hidden(("dolo", "Children's home"))
        # the cohort's total is the published CPP_AT_END count: one quantity, linked
        total = ("ethnicity", "cp", "Total")
        figure = ledger.figure_key("CPP_AT_END", "2024-25 Q2", "numerator")
        assert any(rel.total == total and rel.parts == (figure,) for rel in ledger.relations)


def test_an_interval_ending_near_1_says_on_which_side():
    """6 of 405 Black children looked after against 72 of 11,054 White: 2.3 times, 95%
    interval 0.99 to 5.2 - one decimal would print 1.0 beside "within chance"."""
    from safeguarding.disproportionality import relative_rates

    found = pd.DataFrame({"cohort": ["cla", "cla"], "group": ["Black", "White"],
                          "children": [6, 72]})  # fmt: skip
    rates = relative_rates(found, pd.Series({"Black": 405, "White": 11_054}), "restricted")
    black = rates[rates["group"] == "Black"].iloc[0]
    assert 0.99 <= black["low"] < 1 and nf._rate_row(black)[-1] == "2.3 (0.99 to 5.2)"
    assert [nf._bound(v) for v in (1.0, 1.04, 0.951, 2.26)] == ["1.0", "1.04", "0.95", "2.3"]
