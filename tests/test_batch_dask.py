"""The Dask executor runs the same tasks on a cluster and publishes byte-identical outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.mini_project import make_project
from safeguarding.batch import BatchOptions, run_batch

distributed = pytest.importorskip("distributed")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.glob("*/*"))
        if p.parent.name != "logs"
    }


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
