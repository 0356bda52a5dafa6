"""Several years' returns make one history: the demo's three CIN census years and three
SSDA903 returns, merged, give the figures its canonical tables give."""

from __future__ import annotations

import pandas as pd
import pytest
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute
from safeguarding.loaders import (
    load_cin_census,
    load_population,
    load_ssda903,
    merge_returns,
    read_data_dir,
)

PERIODS = ["2023-24", "2024-25", "2023-24 Q3", "2024-25 Q2"]


@pytest.fixture(scope="module")
def both(small_demo):
    folder = small_demo / "901"
    cin = [load_cin_census(p, authority="901") for p in sorted(folder.glob("cin_census/*.xml"))]
    years = sorted(p.name for p in (folder / "ssda903").iterdir())
    ssda903 = [load_ssda903(folder / "ssda903" / y, "901", y) for y in years]
    assert len(cin) == 3 and len(ssda903) == 3
    population = load_population(small_demo / "population.csv", authorities=["901"])
    # given newest first: the later return still wins
    returns = DataSet.combine([merge_returns(cin[::-1]), merge_returns(ssda903[::-1]), population])
    return returns, read_data_dir(small_demo, authorities=["901"]), cin


def test_three_census_years_give_the_canonical_figures(both) -> None:
    returns, canonical, cin = both
    got = compute(returns, PERIODS).set_index(["indicator", "period"])
    want = compute(canonical, PERIODS).set_index(["indicator", "period"])
    # NI63 is left out: it reads care histories back 2.5 years, before the first return began
    # (the episodes that ended before it are in no return): its denominator is smaller
    # The National Framework measures that read what the returns the demo writes do not carry
    # yet (latest category, social worker, DoLO and missing tables: the loaders and formats of
    # issue 15) are left out too, and early help, which no statutory return holds. Step-downs
    # are read from the census's ReasonForClosure, but the demo's census writer draws its own
    # reasons (those the validators accept after an assessment or after work), not the
    # canonical table's: computed from the returns, they differ.
    not_in_returns = {"NI63", "CPP_CAT_NEGLECT", "CPP_CAT_EMOTIONAL", "CPP_CAT_PHYSICAL",
                      "CPP_CAT_SEXUAL", "CPP_CAT_MULTIPLE", "SW_CHANGE_12M", "STEP_DOWN_EH",
                      "DOLO_AT_END", "CLA_MISSING", "REFERRALS_AFTER_EH"}  # fmt: skip
    assert got.loc[("STEP_DOWN_EH", "2024-25"), "numerator"] > 0  # RC9 read from the XML
    keep = [i for i in got.index.get_level_values(0).unique() if i not in not_in_returns]
    pd.testing.assert_frame_equal(got.loc[keep], want.loc[keep], check_like=True)
    assert got.loc[("CPP_AT_END", "2024-25"), "value"] > 0
    # stacked instead of merged, the years double-count
    stacked = compute(DataSet.combine(cin), ["2023-24"], ["REFERRALS"])["value"].iloc[0]
    assert stacked > got.loc[("REFERRALS", "2023-24"), "value"]
