"""The Dask executor runs the same tasks on a cluster and publishes byte-identical outputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from fixtures.mini_project import make_project
from safeguarding.batch import BatchOptions, iter_published, run_batch

distributed = pytest.importorskip("distributed")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in iter_published(folder)}


def test_dask_outputs_equal_local_outputs(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", reports=("quarterly_scorecard", "looked_after"))
    (project / "params" / "runs" / "2024-25-Q2.yaml").unlink()  # the default plan
    common = {
        "quarter": "2024-25 Q2",
        "root": project,
        "progress": False,
        "formats": ("html", "pdf", "docx"),
        "reports": ["quarterly_scorecard", "looked_after"],
    }
    local = run_batch(BatchOptions(jobs=1, run_time="2024-10-15T09:00:00+00:00", **common))
    assert local.exit_code == 0, local.table()
    quarter = project / "outputs" / "2024-25-Q2"
    expected = _files(quarter)
    assert len(expected) == 2 * 2 * 4
    # break one authority's data: the cluster must isolate that failure too
    (project / "data" / "mini" / "902" / "referrals.csv").write_text("authority,child_id\n")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_batch(
            BatchOptions(executor="dask", scheduler=cluster.scheduler_address, force=True, **common)
        )
    status = {f"{r.authority}/{r.report}": r.status for r in remote.rows}
    assert status == {
        "901/quarterly_scorecard": "ok",
        "901/looked_after": "ok",
        "902/quarterly_scorecard": "failed",
        "902/looked_after": "failed",
    }
    assert all("referral_date" in r.reason for r in remote.failed), remote.table()
    assert _files(quarter) == expected  # 901 rebuilt byte for byte; 902 left as it was
    manifest = json.loads((quarter / "manifest.json").read_text())
    assert manifest["runs"]["901/looked_after"]["executor"] == "dask"


def test_dask_without_a_scheduler_or_the_package_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding.cli import main

    run = ["run", "--quarter", "2024-25 Q2", "--project", str(make_project(tmp_path))]
    code = main([*run, "--executor", "dask"])
    err = capsys.readouterr().err
    assert code == 2 and "needs --scheduler ADDRESS" in err and "Traceback" not in err

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real_find_spec(name, *a),
    )
    code = main([*run, "--executor", "dask", "--scheduler", "tcp://nowhere:1"])
    err = capsys.readouterr().err
    assert code == 2 and "safeguarding-reports[dask]" in err
    assert not list((tmp_path / "outputs").glob("*/*/*"))  # refused before any run
