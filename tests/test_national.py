"""A synthetic England: 153 authorities' sizes, and a project folder for a national run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from safeguarding.demo import make_authorities, write_demo
from safeguarding.demo.project import write_project
from safeguarding.demo.rates import children, per_child
from safeguarding.params import load_project
from safeguarding.periods import parse_year_range

ROOT = Path(__file__).resolve().parents[1]


def test_england_sizes_are_realistic():
    england = make_authorities(153, 20241)
    assert len({a.code for a in england}) == 153
    year = np.array([2024])
    kids = np.array([children(a, year)[0] for a in england])
    looked_after = np.array([(per_child(a, "CLA_AT_END_RATE", year) * children(a, year))[0]
                             for a in england])  # fmt: skip
    # England has about 12 million children; Rutland-sized to Kent-sized authorities
    assert 10e6 <= kids.sum() <= 14e6
    assert kids.min() >= 7_000 and kids.max() <= 400_000
    # looked-after children at a year end: from a few dozen to a couple of thousand
    assert 30 <= looked_after.min() <= 120 and 1_500 <= looked_after.max() <= 3_000
    assert 300 <= np.median(looked_after) <= 700


def test_national_project_params_validate(tmp_path):
    data = write_demo(tmp_path / "data", n_authorities=3, years=parse_year_range("2024-25"),
                      real_formats="none")  # fmt: skip
    folder = write_project(tmp_path / "project", data, ROOT / "params", ROOT / "notebooks")
    project = load_project(folder)
    assert project.check() == []
    assert sorted(project.authorities) == ["901", "902", "903"]
    assert project.data_dir == data.resolve()
    plan = project.run_plan("2024-25 Q2")
    assert [(e.authority, e.report, e.committee) for e in plan.entries] == [
        (code, "quarterly_scorecard", "scrutiny") for code in ("901", "902", "903")
    ]
    assert project.targets_file("2024-25") is not None
    assert project.notebook("quarterly_scorecard").is_file()
