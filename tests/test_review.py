"""The analyst's review list (contradicting or stale commentary, unexplained status changes)
and no report for a quarter the records do not cover."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from fixtures import report_fixture as fx
from safeguarding import report
from safeguarding.catalogue import catalogue
from safeguarding.exceptions import PeriodError
from safeguarding.review import contradictions, review_path, review_report, stale, write_review
from safeguarding.summary import AuthoritySummary

CAT = catalogue()
RISE = "The rise in repeat plans this quarter is concentrated in two sibling groups."


def ni65_row(**overrides) -> dict:
    row = {
        "indicator": "NI65",
        "period": "2024-25 Q2",
        "value": 20.0,
        "previous_quarter_value": 20.0,
        "vs_previous_quarter": "no_change",
        "previous_year_end_value": 21.0,
        "vs_previous_year_end": "within_normal_variation",
    }
    row.update(overrides)
    return row


def test_a_claimed_rise_the_figures_do_not_show_is_a_contradiction():
    found = contradictions(RISE, ni65_row(), CAT["NI65"])
    assert found == [
        "the commentary speaks of a rise (rise) but the figure is 20.0%, unchanged from 20.0% "
        "last quarter and within chance of 21.0% at the last year end"
    ]
    # a real rise since last quarter bears the words out
    risen = ni65_row(value=31.0, vs_previous_quarter="declined")
    assert contradictions(RISE, risen, CAT["NI65"]) == []
    # "improved" against a real decline is flagged; against a real improvement it is not
    better = "Performance improved this quarter."
    assert contradictions(better, ni65_row(vs_previous_quarter="declined"), CAT["NI65"])
    assert not contradictions(better, ni65_row(vs_previous_quarter="improved"), CAT["NI65"])
    # no words of direction, nothing to check
    assert contradictions("The audit reports in March.", ni65_row(), CAT["NI65"]) == []


def test_commentary_written_for_last_quarter():
    text = "Repeat plans stood at 25.0% this quarter."
    row = ni65_row(previous_quarter_value=25.0, vs_previous_quarter="declined")
    assert stale(text, "", row, CAT["NI65"]) == [
        "the commentary quotes 25.0%, last quarter's figure, not 20.0%"
    ]
    assert stale(RISE, RISE, row, CAT["NI65"]) == [
        "the commentary is the same text as last quarter's"
    ]
    assert stale("Repeat plans stood at 20.0%.", "", row, CAT["NI65"]) == []


def _report(commentary: dict[str, str]) -> report.QuarterlyReport:
    rows = [
        ("NI65", "2024-25 Q1", 20.0, 10, 50),
        ("NI65", "2024-25 Q2", 20.0, 20, 100),
        ("NI65", "2023-24", 21.0, 42, 200),
        ("ASSESS_45WD", "2024-25 Q1", 90.0, 180, 200),  # green against 85
        ("ASSESS_45WD", "2024-25 Q2", 70.0, 280, 400),  # red
        ("ASSESS_45WD", "2023-24", 88.0, 704, 800),
    ]
    outturns = pd.DataFrame(rows, columns=["indicator", "period", "value", "numerator",
                                           "denominator"])  # fmt: skip
    outturns.insert(0, "authority", fx.AUTHORITY)
    inputs = report.ReportInputs(
        outturns,
        fx.targets(),
        fx.comparators(),
        commentary=lambda ind: (commentary.get(ind, ""), "follow"),
    )
    return report.QuarterlyReport(fx.meta("restricted"), inputs)


def test_review_list_of_a_report():
    r = _report({"NI65": RISE})
    items = review_report(r, previous_commentary=lambda ind: RISE if ind == "NI65" else "")
    found = {(i.indicator, i.check) for i in items}
    assert found == {
        ("NI65", "contradiction"),
        ("NI65", "stale_commentary"),
        ("ASSESS_45WD", "status_changed"),
    }
    changed = next(i for i in items if i.check == "status_changed")
    assert changed.detail == (
        "status changed from green to red since last quarter and there is no commentary"
    )
    # explained in the commentary: no longer an item
    explained = review_report(_report({"ASSESS_45WD": "Two staff left in August."}))
    assert not [i for i in explained if i.check == "status_changed"]


def test_review_file_sits_beside_the_batch_log(tmp_path: Path):
    log = tmp_path / "logs" / "batch-20241020T093000.log"
    path = write_review(review_report(_report({"NI65": RISE})), review_path(log))
    assert path == tmp_path / "logs" / "review-20241020T093000.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "authority,indicator,check,detail"
    assert any(line.startswith("999,NI65,contradiction,") for line in lines)


def test_cli_prints_the_review_count_and_publishes_nothing_of_it(tmp_path: Path, capsys):
    from fixtures.mini_project import make_project
    from safeguarding import cli

    project = make_project(tmp_path / "project", authorities=("901",))
    code = cli.main(["run", "--quarter", "2024-25 Q2", "--project", str(project), "--jobs",
                     "1", "--formats", "html", "--report", "child_protection"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    line = next(x for x in out.splitlines() if x.startswith("review: "))
    path = Path(line.rsplit(": ", 1)[1])
    assert path.is_file() and path.parent.name == "logs" and path.name.startswith("review-")
    count = int(line.split()[1])
    assert count == len(path.read_text(encoding="utf-8").splitlines()) - 1
    quarter = project / "outputs" / "2024-25-Q2"
    published = (quarter / "restricted/901/child_protection/child_protection.html").read_text()
    assert "review" not in published.lower() or "stale_commentary" not in published


# --- no report without data ------------------------------------------------------------------


def _summary(first: dt.date, last: dt.date) -> AuthoritySummary:
    return AuthoritySummary(fx.AUTHORITY, "2024-25 Q2", records_span=(first, last))


@pytest.mark.parametrize(
    ("quarter", "words"),
    [
        ("2025-26 Q1", "2025-26 Q1 is after the end of authority 999's records: their last date "
                       "is 31 March 2025. Load the records for 2025-26 Q1"),
        ("2007-08 Q4", "2007-08 Q4 is before the start of authority 999's records: their first "
                       "date is 1 April 2008."),
    ],
)  # fmt: skip
def test_a_quarter_outside_the_records_is_refused_in_one_line(quarter, words):
    meta = fx.meta("public")
    meta = report.ReportMeta(**{**meta.__dict__, "quarter": quarter})
    inputs = report.ReportInputs(
        fx.outturns(), data=_summary(dt.date(2008, 4, 1), dt.date(2025, 3, 31))
    )
    with pytest.raises(PeriodError) as info:
        report.QuarterlyReport(meta, inputs)
    assert str(info.value).startswith(words)
    assert "\n" not in str(info.value)
    # the quarters the records cover are fine, the last one included
    ok = report.ReportMeta(**{**meta.__dict__, "quarter": "2024-25 Q4"})
    report.QuarterlyReport(ok, inputs)


def test_the_batch_fails_a_quarter_past_the_data_and_publishes_nothing(tmp_path: Path, capsys):
    from fixtures.mini_project import make_project
    from safeguarding import cli

    project = make_project(tmp_path / "project", authorities=("901",))
    code = cli.main(["run", "--quarter", "2030-31 Q1", "--project", str(project), "--jobs",
                     "1", "--formats", "html", "--report", "child_protection"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    row = next(x for x in out.splitlines() if x.startswith("901 "))
    assert "failed" in row
    assert "2030-31 Q1 is after the end of authority 901's records: their last date is" in row
    assert "Load the records for 2030-31 Q1" in row
    assert not (project / "outputs" / "2030-31-Q1" / "901").exists()


def test_a_rerun_after_one_authoritys_data_changed_prepares_and_reviews_that_one_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from fixtures.mini_project import make_project
    from safeguarding import batch, review

    project = make_project(tmp_path / "project", authorities=("901", "902"))
    prepared: list[list[str]] = []
    reviewed: list[list[str]] = []
    real_prepare, real_review = batch.prepare, review.review_quarter

    def prepare(project_, data_dir, quarter, codes, *args):
        prepared.append(sorted(codes))
        return real_prepare(project_, data_dir, quarter, codes, *args)

    def review_quarter(project_, data_dir, quarter, runs):
        reviewed.append(sorted({r[0] for r in runs}))
        return real_review(project_, data_dir, quarter, runs)

    monkeypatch.setattr(batch, "prepare", prepare)
    monkeypatch.setattr(review, "review_quarter", review_quarter)
    options = batch.BatchOptions("2024-25 Q2", reports=["child_protection"], jobs=1,
                                 formats=("html",), root=project, progress=False)  # fmt: skip
    first = batch.run_batch(options)
    assert [r.status for r in first.rows] == ["ok", "ok"]
    assert prepared == [["901", "902"]] and sorted(reviewed) == [["901"], ["902"]]

    referrals = project / "data" / "mini" / "901" / "referrals.csv"
    rows = referrals.read_text().splitlines()
    referrals.write_text("\n".join(rows[:-3]) + "\n")
    prepared.clear(), reviewed.clear()
    second = batch.run_batch(options)
    assert [(r.authority, r.status) for r in second.rows] == [("901", "ok"), ("902", "skipped")]
    assert prepared == [["901"]] and reviewed == [["901"]]
    # the kept items are the ones a full review finds
    items, notes = real_review(project_obj := batch.load_project(project), project_obj.data_dir,
                               "2024-25 Q2", [("901", "child_protection"),
                                              ("902", "child_protection")])  # fmt: skip
    import csv

    with second.review.path.open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))[1:]
    assert written == [i.row() for i in items] and second.review.notes == tuple(notes)


def test_reviews_in_worker_processes_give_the_list_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A national batch reviews its authorities in a pool; the list (items, their order, the
    notes of an authority that could not be reviewed) and the kept cache are the same."""
    from fixtures.mini_project import make_project
    from safeguarding import review
    from safeguarding.params import load_project

    root = make_project(tmp_path / "project", authorities=("901", "902", "903"))
    for quarter in ("2024-25-Q1", "2024-25-Q2"):  # the same words twice: stale commentary
        for code in ("901", "903"):
            folder = root / "params" / "commentary" / quarter / code
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "NI65.md").write_text(f"---\nmode: follow\n---\n{RISE}\n")
    project = load_project(root)
    assert project.data_dir.is_dir()  # the demo data made once, before the workers read it
    runs = [("901", "child_protection"), ("999", "child_protection"), ("902", "child_protection"),
            ("903", "quarterly_scorecard")]  # fmt: skip
    keys = {"901": "a", "902": "b", "903": "c", "999": "d"}
    monkeypatch.setattr(review, "POOL_FROM", 2)
    lists = {}
    for jobs in (1, 2):
        log = tmp_path / f"jobs{jobs}" / "batch-x.log"
        cache = log.with_name(review.REVIEW_CACHE)
        lists[jobs] = review.for_batch(project, project.data_dir, "2024-25 Q2", runs, log,
                                       keys, cache, jobs=jobs)  # fmt: skip
        lists[jobs] = (lists[jobs].path.read_text(encoding="utf-8"), lists[jobs].notes,
                       cache.read_text(encoding="utf-8"))  # fmt: skip
    assert lists[2] == lists[1]
    written, notes, _ = lists[1]
    stale_rows = [r for r in written.splitlines() if ",stale_commentary," in r]
    assert [r.split(",")[0] for r in stale_rows] == ["901", "903"]
    assert [n.split(":")[0] for n in notes] == ["authority 999 not reviewed"]


def test_a_review_worker_that_dies_leaves_the_list_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A pool whose worker died (out of memory) is not the batch's failure: the authorities
    are reviewed here instead, with the same items."""
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    from fixtures.mini_project import make_project
    from safeguarding import review
    from safeguarding.params import load_project

    class DyingPool:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, *args, **kwargs):
            raise BrokenProcessPool("a worker died")

    project = load_project(make_project(tmp_path / "project", authorities=("901", "902")))
    runs = [("901", "child_protection"), ("902", "child_protection")]
    alone = review.for_batch(project, project.data_dir, "2024-25 Q2", runs,
                             tmp_path / "one" / "batch-x.log")  # fmt: skip
    monkeypatch.setattr(review, "POOL_FROM", 2)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", DyingPool)
    pooled = review.for_batch(project, project.data_dir, "2024-25 Q2", runs,
                              tmp_path / "two" / "batch-x.log", jobs=2)  # fmt: skip
    assert pooled.path.read_text() == alone.path.read_text() and pooled.notes == alone.notes
