"""The authority summaries and their cache: reused while valid, rebuilt when an input or the
library changes, the same figures computed together or alone, and no child-level value."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pandas as pd
import pytest
from fixtures.mini_project import make_project
from safeguarding import loaders, manifest, params, privacy, summary
from safeguarding.dataset import DataSet
from safeguarding.validation import Issue

QUARTER = "2024-25 Q2"


@pytest.fixture
def project(tmp_path: Path) -> params.Project:
    return params.load_project(make_project(tmp_path / "project"))


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record every load of records the summaries make."""
    calls: list[list[str]] = []
    real = loaders.read_data_dir

    def counting(folder, authorities=None, **kwargs):
        calls.append(list(authorities or []))
        return real(folder, authorities=authorities, **kwargs)

    monkeypatch.setattr(loaders, "read_data_dir", counting)
    return calls


def test_a_valid_summary_is_reused(project: params.Project, monkeypatch) -> None:
    reads = _reads(monkeypatch)
    first = summary.summary_for(project, project.data_dir, "901", QUARTER)
    assert reads == [["901"]]
    again = summary.summary_for(project, project.data_dir, "901", QUARTER)
    assert reads == [["901"]]  # read from the cache, not the records
    pd.testing.assert_frame_equal(first.outturns, again.outturns)
    assert first.sources == again.sources and first.warnings == again.warnings


def test_a_touched_input_rebuilds_only_that_authority(project: params.Project, monkeypatch) -> None:
    reads = _reads(monkeypatch)
    assert summary.ensure(project, project.data_dir, ["901", "902"], QUARTER) == []
    assert reads == [["901"], ["902"]]
    referrals = project.data_dir / "901" / "referrals.csv"
    stat = referrals.stat()
    os.utime(referrals, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    summary.ensure(project, project.data_dir, ["901", "902"], QUARTER)
    assert reads == [["901"], ["902"], ["901"]]


def test_a_library_change_rebuilds(project: params.Project, monkeypatch) -> None:
    reads = _reads(monkeypatch)
    summary.summary_for(project, project.data_dir, "901", QUARTER)
    monkeypatch.setattr(manifest, "library_source_sha256", lambda: "an edited library")
    summary.summary_for(project, project.data_dir, "901", QUARTER)
    assert reads == [["901"], ["901"]]


def test_together_equals_alone(project: params.Project) -> None:
    parts = {c: loaders.read_data_dir(project.data_dir, [c]) for c in ("901", "902")}
    cat = project.catalogue()
    together = summary.summarise(parts, QUARTER, cat)
    for code in parts:
        alone = summary.summarise({code: parts[code]}, QUARTER, cat)[code]
        for report in summary.SPC_INDICATORS:
            pd.testing.assert_frame_equal(
                together[code].report_outturns(report, cat), alone.report_outturns(report, cat)
            )


def test_a_failing_authority_gets_no_summary(project: params.Project) -> None:
    referrals = project.data_dir / "902" / "referrals.csv"
    lines = referrals.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",2024-02-31"  # no such date: the load fails
    referrals.write_text("\n".join(lines) + "\n")
    assert summary.ensure(project, project.data_dir, ["901", "902"], QUARTER) == ["902"]
    cached = sorted(p.name for p in (project.root / summary.CACHE_DIR).rglob("*.pickle"))
    assert cached == ["901.pickle"]


def test_the_cache_holds_no_child_level_value(project: params.Project) -> None:
    built = summary.summary_for(project, project.data_dir, "901", QUARTER)
    assert len(built.outturns) and built.sources
    found = privacy.identifiers_from_folder(project.data_dir / "901")
    assert found.ids and found.dobs
    (path,) = (project.root / summary.CACHE_DIR).rglob("901.pickle")
    stored = path.read_bytes().decode("latin-1")
    assert not [v for v in found.ids | found.dobs if v in stored]
    # a warning's value (which may be a child's) is dropped; its rule and message are kept
    child = sorted(found.ids)[0]
    data = DataSet(
        issues=[Issue("warning", "children.csv", "odd", "looks odd", 2, "child_id", child, "901")]
    )
    records = summary.records_summary(data, "901", QUARTER)
    assert records.warnings == [("odd", 1, "looks odd")]
    assert child not in pickle.dumps(records).decode("latin-1")


def test_the_batch_prepares_each_authority_once(
    project: params.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding.batch import BatchOptions, run_batch

    collected: list[str] = []
    real = privacy.identifiers_from_inputs

    def counting(folder, workbooks=()):
        collected.append(Path(folder).name)
        return real(folder, workbooks)

    monkeypatch.setattr(privacy.identifiers, "identifiers_from_inputs", counting)
    options = BatchOptions(QUARTER, root=project.root, jobs=1, formats=(), progress=False)
    assert run_batch(options).exit_code == 0
    assert sorted(collected) == ["901", "902"]  # not once per report
    cached = sorted(p.name for p in (project.root / summary.CACHE_DIR).rglob("*.pickle"))
    assert cached == ["901.pickle", "902.pickle"]


def test_comparators_are_read_once_while_unchanged(
    project: params.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding import report
    from safeguarding.comparators import Comparators

    path = project.data_dir / "comparators.csv"
    path.write_text("indicator,period,area,value,authority\nNI65,2023-24,England,22.0,\n")
    reads: list[str] = []
    real = Comparators.from_csv.__func__

    def counting(cls, file, *args, **kwargs):
        reads.append(str(file))
        return real(cls, file, *args, **kwargs)

    monkeypatch.setattr(Comparators, "from_csv", classmethod(counting))
    cat = project.catalogue()
    first = report.comparators_for(project, path, cat)
    again = report.comparators_for(project, path, cat)
    assert len(reads) == 1 and again.england("NI65", "2023-24") == first.england("NI65", "2023-24")
    path.write_text("indicator,period,area,value,authority\nNI65,2023-24,England,23.5,\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert report.comparators_for(project, path, cat).england("NI65", "2023-24").value == 23.5
    assert len(reads) == 2
