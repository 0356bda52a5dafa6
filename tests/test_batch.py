"""The quarterly batch on a small project (2 authorities × 3 reports, the fixture notebook):
publishing, incremental skips, failure isolation, atomic outputs and the privacy check."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from fixtures.mini_project import first_child, make_project
from fixtures.outputs import manifest_matches
from safeguarding import cli
from safeguarding.batch import BatchOptions, BatchSummary, iter_published, run_batch

QUARTER = "2024-25 Q2"
RUN_TIME = "2024-10-15T09:00:00+00:00"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def _run(project: Path, **options) -> BatchSummary:
    settings = {"quarter": QUARTER, "root": project, "jobs": 1, "formats": (), "progress": False}
    settings.update(options)
    return run_batch(BatchOptions(**settings))


def _status(summary: BatchSummary) -> dict[str, str]:
    return {f"{r.authority}/{r.report}": r.status for r in summary.rows}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _published(project: Path, authority: str | None = None) -> dict[str, bytes]:
    """The published files (reports and notebooks) of one authority, or of both."""
    quarter = project / "outputs" / "2024-25-Q2"
    codes = [authority] if authority else ["901", "902"]
    return {
        p.relative_to(quarter).as_posix(): p.read_bytes()
        for p in iter_published(quarter)
        if p.relative_to(quarter).parts[1] in codes
    }


def test_first_run_publishes_and_records_everything(project: Path) -> None:
    summary = _run(project, jobs=2, formats=("html", "pdf", "docx"), run_time=RUN_TIME)
    assert summary.exit_code == 0, summary.table()
    assert set(_status(summary).values()) == {"ok"} and len(summary.rows) == 6
    quarter = project / "outputs" / "2024-25-Q2"
    audiences = {"quarterly_scorecard": "public", "child_protection": "restricted"}
    for code in ("901", "902"):
        for report in ("quarterly_scorecard", "child_protection", "looked_after"):
            assert (quarter / "notebooks" / code / f"{report}.ipynb").is_file()
            folder = quarter / audiences.get(report, "public") / code / report
            for suffix in ("html", "pdf", "docx"):
                assert (folder / f"{report}.{suffix}").is_file()
    # public/ holds public reports and their index only; the rest stays outside it
    public = sorted(
        p.relative_to(quarter / "public").as_posix()
        for p in (quarter / "public").rglob("*")
        if p.is_file()
    )
    assert public == [
        f"{code}/{report}/{report}.{suffix}"
        for code in ("901", "902")
        for report in ("looked_after", "quarterly_scorecard")
        for suffix in ("docx", "html", "pdf")
    ] + ["index.html"]
    index = (quarter / "public" / "index.html").read_text()
    assert "child_protection" not in index and "Child protection" not in index
    assert 'href="901/looked_after/looked_after.pdf"' in index
    internal = (quarter / "internal-index.html").read_text()
    assert 'href="restricted/902/child_protection/child_protection.html"' in internal
    assert 'href="notebooks/902/child_protection.ipynb"' in internal
    assert not (quarter / ".staging").exists()
    manifest = json.loads((quarter / "manifest.json").read_text())
    run = manifest["runs"]["902/looked_after"]
    assert run["status"] == "ok" and run["run_time"] == RUN_TIME
    assert run["parameters"]["committee"] == "corporate_parenting"
    assert run["parameters"]["audience"] == "public"
    assert "data/mini/902/children.csv" in run["inputs"]
    assert not any(k.startswith("data/mini/901/") for k in run["inputs"])
    assert "params/runs/2024-25-Q2.yaml" in run["params_files"]
    assert run["notebook"]["path"] == "notebooks/looked_after.ipynb"
    assert run["library"]["source_sha256"] and "pandas" in run["packages"]
    assert set(run["timings"]) == {"identifiers", "execute", "render", "scan"}
    assert set(run["outputs"]) == {
        "notebooks/902/looked_after.ipynb",
        *(f"public/902/looked_after/looked_after.{s}" for s in ("docx", "html", "pdf")),
    }
    assert manifest_matches(quarter)
    nb = nbformat.read(quarter / "notebooks" / "902" / "looked_after.ipynb", as_version=4)
    # no path of this machine in any published file (the notebook's included)
    for path in iter_published(quarter):
        assert str(project).encode() not in path.read_bytes(), path
    assert "start_time" not in nb.metadata["papermill"]
    assert all("execution" not in c.metadata for c in nb.cells)
    assert (quarter / "logs" / "902-looked_after.log").is_file()
    assert list((quarter / "logs").glob("batch-*.log"))


def test_rerun_skips_and_a_changed_input_reruns_only_its_authority(project: Path) -> None:
    assert _run(project).exit_code == 0
    before = _published(project, "902")
    # with a pool of workers, as the command line's default: nothing to run starts none
    again = _run(project, jobs=2)
    assert set(_status(again).values()) == {"skipped"} and again.exit_code == 0
    referrals = project / "data" / "mini" / "901" / "referrals.csv"
    referrals.write_text(referrals.read_text() + "901,901K00001,901K00001R9,2024-08-01\n")
    changed = _run(project)
    assert {k: v for k, v in _status(changed).items()} == {
        "901/quarterly_scorecard": "ok",
        "901/child_protection": "ok",
        "901/looked_after": "ok",
        "902/quarterly_scorecard": "skipped",
        "902/child_protection": "skipped",
        "902/looked_after": "skipped",
    }
    assert _published(project, "902") == before
    assert {r.reason for r in changed.rows if r.status == "ok"} == {
        "changed: inputs (data/mini/901/referrals.csv)"
    }
    forced = _run(project, force=True, authorities=["902"], reports=["looked_after"])
    assert _status(forced) == {"902/looked_after": "ok"}
    # a forced rebuild of unchanged inputs reuses the recorded run time: byte-identical
    assert _published(project, "902") == before


def test_bad_data_fails_only_that_authority_and_keeps_its_outputs(project: Path) -> None:
    assert _run(project).exit_code == 0
    good = _published(project, "902")
    referrals = project / "data" / "mini" / "902" / "referrals.csv"
    lines = referrals.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",2024-02-31"
    referrals.write_text("\n".join(lines) + "\n")
    summary = _run(project)
    status = _status(summary)
    assert summary.exit_code == 1
    assert {k for k, v in status.items() if v == "failed"} == {
        "902/quarterly_scorecard",
        "902/child_protection",
        "902/looked_after",
    }
    assert {v for k, v in status.items() if k.startswith("901/")} == {"skipped"}
    reason = next(r.reason for r in summary.rows if r.authority == "902")
    assert "InputError" in reason and "902/referrals.csv, row 4, column referral_date" in reason
    assert "\n" not in reason
    assert _published(project, "902") == good
    manifest = json.loads((project / "outputs/2024-25-Q2/manifest.json").read_text())
    failed = manifest["runs"]["902/child_protection"]
    assert failed["status"] == "failed" and failed["published"]["status"] == "ok"
    # a missing table: named in the reason, outputs still the last good ones
    shutil.copy(project / "data/mini/901/referrals.csv", referrals)  # any valid file
    (project / "data" / "mini" / "902" / "children.csv").unlink()
    summary = _run(project, reports=["looked_after"])
    assert "the children table is missing" in summary.rows[1].reason
    assert _published(project, "902") == good
    assert "902" in summary.table() and "failed" in summary.table()


def test_planted_child_identifier_is_caught_without_showing_it(project: Path) -> None:
    assert _run(project).exit_code == 0
    good = _published(project, "901")
    child, upn, _ = first_child(project, "901")
    notebook = project / "notebooks" / "looked_after.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace('leak = ""', "leak = authority + 'K00000'")
    nbformat.write(nb, notebook)
    summary = _run(project, reports=["looked_after"])
    status = _status(summary)
    assert status == {"901/looked_after": "failed", "902/looked_after": "ok"}
    reason = summary.rows[0].reason
    assert reason.startswith("child-level data in outputs: 901/looked_after.ipynb, cell ")
    assert "outputs: 1 child identifier" in reason
    assert _published(project, "901") == good
    quarter = project / "outputs" / "2024-25-Q2"
    written = [summary.table()] + [p.read_text() for p in (quarter / "logs").glob("*.log")]
    written.append((quarter / "manifest.json").read_text())
    assert not any(child in text or upn in text for text in written)
    assert not (quarter / "logs" / "901-looked_after.failed.ipynb").exists()


def _plan_formats(project: Path, formats: dict[str, list[str]]) -> None:
    """Give some reports of the mini project's run plan a ``formats:`` of their own."""
    path = project / "params" / "runs" / "2024-25-Q2.yaml"
    plan = yaml.safe_load(path.read_text())
    for run in plan["runs"]:
        run.pop("formats", None)
        if run["report"] in formats:
            run["formats"] = formats[run["report"]]
    path.write_text(yaml.safe_dump(plan, sort_keys=False))


def _report_files(project: Path, report: str) -> set[str]:
    quarter = project / "outputs" / "2024-25-Q2"
    return {p.name for p in quarter.glob(f"*/901/{report}/*") if p.is_file()}


def test_each_committee_gets_the_formats_its_run_plan_lists(project: Path) -> None:
    _plan_formats(project, {"looked_after": ["pdf", "html"]})
    first = _run(project, formats=None, authorities=["901"], run_time=RUN_TIME)
    assert first.exit_code == 0, first.table()
    assert _report_files(project, "looked_after") == {"looked_after.html", "looked_after.pdf"}
    assert _report_files(project, "child_protection") == {
        f"child_protection.{s}" for s in ("html", "pdf", "docx")
    }
    quarter = project / "outputs" / "2024-25-Q2"
    index = (quarter / "public" / "index.html").read_text()
    assert 'href="901/looked_after/looked_after.pdf"' in index
    assert "looked_after.docx" not in index
    manifest = json.loads((quarter / "manifest.json").read_text())
    assert manifest["runs"]["901/looked_after"]["formats"] == ["html", "pdf"]
    assert "'formats': \"the run plan's\"" in first.log.read_text()
    assert manifest_matches(quarter)

    # the committee now takes Word too: only that run renders again, and its folder is whole
    _plan_formats(project, {"looked_after": ["html", "pdf", "docx"]})
    second = _run(project, formats=None, authorities=["901"], run_time=RUN_TIME)
    reasons = {r.report: (r.status, r.reason) for r in second.rows}
    assert reasons["looked_after"][0] == "ok" and "formats" in reasons["looked_after"][1]
    # the run file is read by every run, so the others rerun too, but for its change alone
    assert "formats" not in reasons["child_protection"][1]
    assert _report_files(project, "looked_after") == {
        f"looked_after.{s}" for s in ("html", "pdf", "docx")
    }

    # --formats renders every run in the formats given, whatever the plan says; a format
    # left out is no longer published
    third = _run(project, formats=("html",), authorities=["901"], reports=["looked_after"],
                 run_time=RUN_TIME)  # fmt: skip
    assert third.exit_code == 0 and "formats" in third.rows[0].reason
    assert _report_files(project, "looked_after") == {"looked_after.html"}
    assert manifest_matches(quarter)


def test_cli_summary_and_exit_code(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / "data" / "mini" / "902" / "children.csv").unlink()
    code = cli.main(
        [
            "run",
            "--quarter",
            QUARTER,
            "--project",
            str(project),
            "--jobs",
            "1",
            "--formats",
            "html",
            "--report",
            "child_protection",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "901        child_protection  ok" in out
    assert "902        child_protection  failed" in out and "children table is missing" in out
    code = cli.main(["run", "--quarter", "2024-25 Q9", "--project", str(project)])
    assert code == 2 and "2024-25 Q9" in capsys.readouterr().err


def test_hostile_or_identifying_commentary_fails_only_that_authority(project: Path) -> None:
    """Commentary is checked before the run: a forbidden construct is one line naming file,
    line and construct; a planted date of birth is found before anything renders it, and its
    value is written nowhere. The other authority publishes as usual."""
    assert _run(project).exit_code == 0
    good = _published(project, "901")
    folder = project / "params" / "commentary" / "2024-25-Q2" / "901"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "NI62.md").write_text("---\nmode: follow\n---\nSee below.\n\n<script>x()</script>\n")
    summary = _run(project, reports=["looked_after"])
    assert _status(summary) == {"901/looked_after": "failed", "902/looked_after": "skipped"}
    assert summary.rows[0].reason == (
        "params/commentary/2024-25-Q2/901/NI62.md, line 6: raw HTML (<script>x()</script>) is "
        "not allowed in commentary [rule: commentary-safe]"
    )
    assert _published(project, "901") == good

    _, _, dob = first_child(project, "901")
    day = dt.date.fromisoformat(dob)
    (folder / "NI62.md").write_text(f"A child born {day.day} {day:%B %Y} moved away.\n")
    summary = _run(project, reports=["looked_after"])
    assert summary.rows[0].reason == (
        "child-level data in commentary: params/commentary/2024-25-Q2/901/NI62.md, line 1: "
        "1 date of birth from the inputs"
    )
    quarter = project / "outputs" / "2024-25-Q2"
    written = [summary.table(), (quarter / "manifest.json").read_text()]
    written += [p.read_text() for p in (quarter / "logs").glob("*.log")]
    assert not any(f"{day:%B %Y}" in text or dob in text for text in written)
    assert _published(project, "901") == good
    assert manifest_matches(quarter)


def test_a_child_known_only_from_an_annex_a_workbook_is_caught_in_commentary(
    project: Path,
) -> None:
    """The workbooks ``annex_a:`` names are the authority's inputs as much as its data folder:
    a child the returns do not hold yet (an in-year contact) is known to the scan."""
    from test_loaders_annex_a import child, d, write_workbook

    (project / "data" / "annex_a").mkdir()
    contact = {**child("WB7000001"), "Date of Contact": d("2024-09-02"),
               "Contact Source": "q) 6: Police"}  # fmt: skip
    write_workbook(project / "data" / "annex_a" / "901_2024-09-30.xlsx", {"List 1": [contact]})
    settings = project / "params" / "settings.yaml"
    settings.write_text(
        settings.read_text() + '\nannex_a:\n  - authority: "901"\n'
        "    file: data/annex_a/901_2024-09-30.xlsx\n    extract_date: 2024-09-30\n"
    )
    folder = project / "params" / "commentary" / "2024-25-Q2" / "901"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "NI62.md").write_text("Child WB7000001 was referred twice.\n")
    summary = _run(project, reports=["looked_after"])
    assert summary.rows[0].reason == (
        "child-level data in commentary: params/commentary/2024-25-Q2/901/NI62.md, line 1: "
        "1 child identifier from the inputs"
    )
    assert not any("WB7000001" in p.read_text() for p in project.glob("outputs/**/*.log"))


def test_a_changed_annex_a_workbook_or_dfe_summary_kept_elsewhere_reruns(project: Path) -> None:
    """The files settings name outside the data folder (Annex A workbooks, the DfE validation
    summary) are the runs' inputs too: a corrected extract saved over the old one reruns its
    authority's reports rather than leaving the published ones on the old figures."""
    from test_loaders_annex_a import child, d, write_workbook

    (project / "data" / "annex_a").mkdir()
    book = project / "data" / "annex_a" / "901_2024-09-30.xlsx"
    contact = {**child("WB7000001"), "Date of Contact": d("2024-09-02"),
               "Contact Source": "q) 6: Police"}  # fmt: skip
    write_workbook(book, {"List 1": [contact]})
    settings = project / "params" / "settings.yaml"
    settings.write_text(
        settings.read_text() + '\nannex_a:\n  - authority: "901"\n'
        "    file: data/annex_a/901_2024-09-30.xlsx\n    extract_date: 2024-09-30\n"
    )
    assert _run(project, reports=["looked_after"]).exit_code == 0
    assert set(_status(_run(project, reports=["looked_after"])).values()) == {"skipped"}
    write_workbook(book, {"List 1": [contact, {**contact, "Date of Contact": d("2024-09-03")}]})
    again = _run(project, reports=["looked_after"])
    assert _status(again) == {"901/looked_after": "ok", "902/looked_after": "skipped"}
    assert again.rows[0].reason == "changed: inputs (data/annex_a/901_2024-09-30.xlsx)"

    from safeguarding.dfe_rules import COLUMNS

    rules = project / "data" / "dfe_summary.csv"
    rules.write_text(",".join(COLUMNS) + "\n")
    settings.write_text(settings.read_text() + "dfe_rules: data/dfe_summary.csv\n")
    _run(project, reports=["looked_after"])  # settings changed: both rerun
    rules.write_text(",".join(COLUMNS) + "\ncin,902,2023-24,2024-25,8500,a rule,3\n")
    third = _run(project, reports=["looked_after"])
    assert {r.reason for r in third.rows} == {"changed: inputs (data/dfe_summary.csv)"}


def test_an_input_the_scan_cannot_read_is_a_note_naming_it(project: Path) -> None:
    """A password-protected workbook left in an authority's folder holds children the scan
    cannot know: the batch says so, naming the file, why and the rule (its runs go ahead: the
    loaders do not read it either). Identifiers too short to look for are counted likewise."""
    (project / "data" / "mini" / "901" / "old_extract.xlsx").write_bytes(b"PK\x03\x04 locked")
    (project / "data" / "mini" / "902" / "contacts.csv").write_text(
        "child_id,contact_date\n12345,2024-07-01\nX1,2024-07-02\n"  # a number, a code: too short
    )
    summary = _run(project, reports=["looked_after"])
    assert _status(summary) == {"901/looked_after": "ok", "902/looked_after": "ok"}
    assert sorted(n for n in summary.notes if "[rule: privacy-" in n) == [
        "901: data/mini/901/old_extract.xlsx could not be read for the privacy scan (not a "
        "readable Excel workbook (BadZipFile)), so the children it holds are not checked for "
        "in the outputs: make it readable or take it out of the authority's inputs "
        "[rule: privacy-inputs-readable]",
        "902: 2 child identifier(s) are too short to be told from ordinary numbers (numbers "
        "under 6 digits, other values under 4 characters) and are not checked for in the "
        "outputs [rule: privacy-identifiers-scannable]",
    ]


def _spy_on_early_workers(monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    """What happened in order (workers started early, preparing), and the process ids of the
    workers started early, as they were while preparing."""
    from safeguarding import batch, executors

    order: list = []
    workers: list = []
    real_prepare, real_start = batch.prepare, executors.LocalExecutor.start_workers

    def prepare(*args, **kwargs):
        order.append("prepare")
        return real_prepare(*args, **kwargs)

    def start_workers(self, runs: int, kernel_name: str) -> None:
        order.append(("start workers", runs))
        real_start(self, runs, kernel_name)
        workers.extend(p.pid for p in self._early._processes.values())

    monkeypatch.setattr(batch, "prepare", prepare)
    monkeypatch.setattr(executors.LocalExecutor, "start_workers", start_workers)
    return order, workers


def test_one_authoritys_runs_have_their_workers_started_while_it_is_prepared(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding import executors

    order, workers = _spy_on_early_workers(monkeypatch)
    pools: list = []
    real_pool = executors.LocalExecutor._pool
    monkeypatch.setattr(executors.LocalExecutor, "_pool",
                        lambda self, n: pools.append(n) or real_pool(self, n))  # fmt: skip
    summary = _run(project, jobs=2, authorities=["901"])
    assert summary.exit_code == 0 and len(summary.rows) == 3, summary.table()
    assert order == [("start workers", 3), "prepare"]
    assert pools == [2]  # the runs went to the workers started early: no second pool
    order.clear()
    shutil.rmtree(project / "outputs")
    assert _run(project, jobs=2).exit_code == 0  # two authorities: started as the runs start
    assert order == ["prepare"]


def test_a_single_runs_review_is_made_while_its_kernel_warms_up(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The analyst's rerun of one report: its authority is reviewed after preparing, while
    its kernel still starts, not again after the run, and the list is the one a review made
    afresh after the run gives."""
    from safeguarding import batch, executors, review

    order: list[str] = []
    calls: list[tuple] = []

    def spy(module, name: str, label: str) -> None:
        real = getattr(module, name)

        def called(*args, **kwargs):
            order.append(label)
            if label == "review":
                calls.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, called)

    text = "Repeat plans rose this quarter: two sibling groups came back into the area.\n"
    for quarter in ("2024-25-Q1", "2024-25-Q2"):  # last quarter's words again: an item
        folder = project / "params" / "commentary" / quarter / "902"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "NI65.md").write_text(text, encoding="utf-8")
    spy(batch, "prepare", "prepare")
    spy(review, "reviewed", "review")
    spy(executors, "run_task", "run")
    summary = _run(project, authorities=["902"], reports=["child_protection"])
    assert _status(summary) == {"902/child_protection": "ok"}, summary.table()
    assert order == ["prepare", "review", "run"]
    loaded, data_dir, quarter, runs = calls[0][:4]
    assert runs == [("902", "child_protection")]
    fresh = review.for_batch(loaded, data_dir, quarter, runs, tmp_path / "batch-fresh.log")
    made = summary.review.path.read_text(encoding="utf-8")
    assert made == fresh.path.read_text(encoding="utf-8")
    assert summary.review.count == fresh.count > 0, made


def test_workers_started_early_stop_when_no_run_is_left_for_them(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psutil
    from safeguarding import batch

    order, workers = _spy_on_early_workers(monkeypatch)
    monkeypatch.setattr(batch.summary_module, "uncovered",
                        lambda *args: "the records end before 2024-25 Q2")  # fmt: skip
    summary = _run(project, jobs=2, authorities=["901"])
    reports = ("quarterly_scorecard", "child_protection", "looked_after")
    assert _status(summary) == {f"901/{r}": "failed" for r in reports}
    assert order == [("start workers", 3), "prepare"] and len(workers) == 2
    alive = [p for p in workers if psutil.pid_exists(p)]
    assert not [p for p in alive if psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
