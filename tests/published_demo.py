"""The demo quarter as the batch publishes it: five authorities, every public report of the
run plan in every format, built from the project's own params and notebooks and the generated
demo data. Shared by the tests that read what members would read (the disclosure attacker,
the accessibility checks); built once per test process by the ``demo_quarter`` fixture
(tests/conftest.py), and on one xdist worker when its tests carry :data:`GROUP`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2024-25 Q2"
AUTHORITIES = ("901", "902", "903", "904", "905")
# ``pytest -n 2 --dist loadgroup`` (scripts/test) sends the tests marked with it to one worker,
# so the quarter (about a minute of two cores) is built once rather than once per worker
GROUP = pytest.mark.xdist_group("demo-quarter")


def public_reports() -> list[str]:
    """The reports the quarter's run plan publishes to the public."""
    runs = yaml.safe_load((ROOT / "params" / "runs" / "2024-25-Q2.yaml").read_text())["runs"]
    return [r["report"] for r in runs if r.get("audience", "public") == "public"]


def build(root: Path) -> Path:
    """Run the batch for the quarter's public reports in a project at ``root``; return the
    quarter's outputs folder."""
    from safeguarding.batch import BatchOptions, run_batch
    from safeguarding.demo import write_demo

    shutil.copytree(ROOT / "params", root / "params")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / "pyproject.toml").write_text("[project]\nname = 'demo-quarter'\n")
    write_demo(root / "data" / "demo")
    summary = run_batch(
        BatchOptions(
            quarter=QUARTER,
            root=root,
            reports=public_reports(),
            jobs=2,
            run_time="2024-10-20T09:00:00+00:00",
            progress=False,
        )
    )
    assert summary.exit_code == 0, summary.table()
    return root / "outputs" / "2024-25-Q2"
