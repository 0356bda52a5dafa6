"""The indicators' keys (authority positions, ids numbered per authority) do not depend on
the order of the records: a national data set stacked authority by authority and the same
records shuffled give the same figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute
from safeguarding.indicators.context import authority_codes
from safeguarding.periods import parse_year_range


def test_authority_codes_in_runs_interleaved_and_blank() -> None:
    column = pd.Series(["901", "901", "350", "901", None, "350", "350"], dtype="string")
    codes, distinct = authority_codes(column)
    assert [None if c < 0 else distinct[c] for c in codes] == [
        "901", "901", "350", "901", None, "350", "350"
    ]  # fmt: skip
    codes, distinct = authority_codes(pd.Series(["350"] * 3 + ["901"] * 2, dtype="string"))
    assert distinct == ["350", "901"] and codes.tolist() == [0, 0, 0, 1, 1]
    codes, distinct = authority_codes(pd.Series([], dtype="string"))
    assert distinct == [] and len(codes) == 0


@pytest.fixture(scope="module")
def two_authorities() -> DataSet:
    from safeguarding.demo import make_authorities
    from safeguarding.demo.generate import DEFAULT_SEED, generate_for

    years = parse_year_range("2023-24..2024-25")
    return generate_for(make_authorities(5, DEFAULT_SEED)[:2], years, DEFAULT_SEED)


def test_shuffled_records_give_the_same_figures(two_authorities: DataSet) -> None:
    periods = ["2023-24", "2024-25", "2024-25 Q1", "2024-25 Q3"]
    stacked = compute(two_authorities, periods)
    rng = np.random.default_rng(7)
    shuffled = DataSet(
        {
            name: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
            for name, frame in two_authorities.tables.items()
        }
    )
    assert stacked["value"].notna().sum() > 40  # real figures, not an empty frame
    pd.testing.assert_frame_equal(compute(shuffled, periods), stacked)
