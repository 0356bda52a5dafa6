"""The indicator engine: output shape, not-computable cells, rounding, windows, local rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _indicator_builders import dataset, figure, rows
from safeguarding.catalogue import catalogue
from safeguarding.dataset import DataSet
from safeguarding.indicators import COLUMNS, RULES, available_indicators, compute, compute_one
from safeguarding.periods import PeriodError
from safeguarding.validation import InputError


def _plans() -> DataSet:
    # 2011-12: three plans ended (P1 after exactly 2 years), one open at 31 Mar 2012
    return dataset(
        cp_plans=[
            {"child_id": "A", "start_date": "2009-04-01", "end_date": "2011-04-01"},
            {"child_id": "B", "start_date": "2010-04-01", "end_date": "2011-05-01"},
            {"child_id": "C", "start_date": "2010-04-01", "end_date": "2011-06-01"},
            {"child_id": "D", "start_date": "2011-04-01"},
        ]
    )


def test_output_has_exactly_the_tidy_columns_and_dtypes() -> None:
    out = compute(_plans(), ["Q2 2011/12", "2011-12"], ["NI64", "CPP_AT_END"])
    assert list(out.columns) == COLUMNS
    assert out["value"].dtype == "float64"
    assert str(out["numerator"].dtype) == "Int64" and str(out["denominator"].dtype) == "Int64"
    # one row per authority x indicator x period; periods in canonical spelling, in the
    # order asked for
    assert out[["indicator", "period"]].values.tolist() == [
        ["NI64", "2011-12 Q2"],
        ["NI64", "2011-12"],
        ["CPP_AT_END", "2011-12 Q2"],
        ["CPP_AT_END", "2011-12"],
    ]
    # NI64: 1 of 3 = 33.333.. -> 33.3 (one decimal)
    assert out.loc[1, "value"] == 33.3


def test_every_built_in_indicator_gives_a_row_even_without_data_for_it() -> None:
    out = compute(_plans(), "2011-12")
    computable = [i.id for i in catalogue() if i.computable]
    assert out["indicator"].tolist() == computable
    looked_after = out[out["indicator"] == "CLA_AT_END"].iloc[0]
    # la_episodes is absent: not computable -> empty, never 0
    assert pd.isna(looked_after["value"])
    assert pd.isna(looked_after["numerator"]) and pd.isna(looked_after["denominator"])


def test_a_table_supplied_without_rows_gives_zero_counts_and_empty_percentages() -> None:
    data = dataset(cp_plans=[], referrals=[{"referral_date": "2011-05-01"}])
    assert figure(data, "CPP_AT_END", "2011-12") == (0.0, 0, None)
    assert figure(data, "NI64", "2011-12") == (None, 0, 0)  # 0 of 0 is not 0%


def test_an_authority_missing_from_a_supplied_table_is_not_computable() -> None:
    # 901 sent CP plans; 902 sent only referrals: 902's plan figures are unknown, not 0.
    data = DataSet()
    data.set("cp_plans", rows("cp_plans", [{"start_date": "2011-05-01"}]))
    data.set(
        "referrals",
        rows(
            "referrals",
            [{"referral_date": "2011-05-01"}, {"authority": "902", "referral_date": "2011-06-01"}],
        ),
    )
    assert figure(data, "CPP_AT_END", "2011-12", authority="901") == (1.0, 1, None)
    assert figure(data, "CPP_AT_END", "2011-12", authority="902") == (None, None, None)
    assert figure(data, "REFERRALS", "2011-12", authority="902") == (1.0, 1, None)


def test_population_never_adds_authorities() -> None:
    # a national population file lists every authority; only those with records get rows
    data = dataset(
        referrals=[{"referral_date": "2011-05-01"}],
        population=[
            {"year": 2011, "population": 10_000},
            {"authority": "999", "year": 2011, "population": 50_000},
        ],
    )
    out = compute(data, ["2011-12"], ["REFERRALS_RATE"])
    assert out["authority"].tolist() == ["901"]
    assert out["value"].tolist() == [1.0]


def test_an_empty_data_set_gives_an_empty_frame_with_the_columns() -> None:
    out = compute(DataSet(), ["2011-12"])
    assert out.empty and list(out.columns) == COLUMNS


def test_window_override_and_the_snapshot_indicators() -> None:
    data = _plans()
    # NI64 year to date at Q2 (Apr-Sep): all three endings; in Q2 alone (Jul-Sep): none
    assert figure(data, "NI64", "2011-12 Q2") == (33.3, 1, 3)
    assert figure(data, "NI64", "2011-12 Q2", window="in_period") == (None, 0, 0)
    # rolling 12 months to 30 Jun 2012 (1 Jul 2011 - 30 Jun 2012): no endings
    assert figure(data, "NI64", "2012-13 Q1", window="rolling_12_months") == (None, 0, 0)
    # rolling 12 months to 31 Mar 2012 = the financial year
    assert figure(data, "NI64", "2011-12 Q4", window="rolling_12_months") == (33.3, 1, 3)
    # a snapshot indicator reads only the window's end: unchanged by the override
    assert figure(data, "CPP_AT_END", "2011-12 Q2", window="in_period") == (1.0, 1, None)
    with pytest.raises(ValueError, match="unknown window"):
        compute(data, ["2011-12"], ["NI64"], window="quarterly")


def test_periods_are_checked() -> None:
    with pytest.raises(PeriodError, match="Accepted forms"):
        compute(_plans(), ["2011-13"], ["NI64"])


def test_unknown_indicator_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown indicator 'NI99'.*NI59"):
        compute(_plans(), ["2011-12"], ["NI99"])


def test_compute_one() -> None:
    result = compute_one(_plans(), "NI64", "2011-12")
    assert (result.authority, result.value, result.numerator, result.denominator) == (
        "901",
        33.3,
        1,
        3,
    )
    assert result.period.label == "2011-12" and result.computable
    assert str(result) == "33.3%"
    missing = compute_one(_plans(), "CLA_AT_END", "2011-12")
    assert missing.value is None and not missing.computable and str(missing) == "n/a"
    two = DataSet.combine(
        [_plans(), dataset(referrals=[{"authority": "902", "referral_date": "2011-05-01"}])]
    )
    with pytest.raises(ValueError, match="2 authorities"):
        compute_one(two, "REFERRALS", "2011-12")
    assert compute_one(two, "REFERRALS", "2011-12", authority="902").value == 1.0


def test_available_indicators() -> None:
    assert available_indicators(_plans()) == [
        "NI64",
        "NI65",
        "CPP_AT_END",
        "CPP_2YRS_OPEN",
        "CPP_CAT_NEGLECT",
        "CPP_CAT_EMOTIONAL",
        "CPP_CAT_PHYSICAL",
        "CPP_CAT_SEXUAL",
        "CPP_CAT_MULTIPLE",
    ]
    with_pop = dataset(cp_plans=[], cp_reviews=[], population=[])
    assert "NI67" in available_indicators(with_pop)
    assert "CPP_AT_END_RATE" in available_indicators(with_pop)


# --- local indicators with a library rule ---------------------------------------------------

LOCAL = """\
indicators:
  - id: ICPC_10WD
    title: Initial conferences within 10 working days (local standard)
    unit: percent
    decimals: 0
    polarity: high
    theme: local
    window: in_period
    tables: [section47]
    rule: icpc_timeliness
    versions:
      - from: 2020-21
        params: {working_days: 10}
  - id: HOME_VISITS
    title: Home visits within 1 working day
    unit: percent
    decimals: 1
    polarity: high
"""


def test_a_local_indicator_reuses_a_rule_with_its_own_parameters(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(LOCAL)
    cat = catalogue().with_local(path)
    # s47 start Fri 5 May 2023 (Mon 8 May coronation): day 10 = Mon 22 May, day 11 = Tue 23
    data = dataset(
        section47=[
            {"s47_start_date": "2023-05-05", "icpc_date": "2023-05-22"},
            {"s47_start_date": "2023-05-05", "icpc_date": "2023-05-23"},
            {"s47_start_date": "2023-05-05", "icpc_date": "2023-05-24"},
        ]
    )
    out = compute(data, ["2023-24 Q1", "2019-20"], ["ICPC_10WD", "HOME_VISITS"], catalogue=cat)
    # 1 of 3 = 33.3 -> 33 (0 decimals); no version before 2020-21 -> not computable;
    # HOME_VISITS has no rule (its figures come from outturns) -> empty
    assert out["value"].tolist()[0] == 33.0
    assert out["numerator"].tolist()[0] == 1 and out["denominator"].tolist()[0] == 3
    assert out["value"].isna().tolist() == [False, True, True, True]
    # a local file's indicators are all computed by default only when they have a rule
    everything = compute(data, ["2023-24 Q1"], catalogue=cat)
    assert "ICPC_10WD" in everything["indicator"].tolist()
    assert "HOME_VISITS" not in everything["indicator"].tolist()


def test_a_local_rule_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(
        "- {id: X1, title: x, unit: percent, decimals: 1, polarity: high, rule: no_such_rule}\n"
    )
    cat = catalogue().with_local(path)
    with pytest.raises(InputError, match="indicator 'X1': unknown rule 'no_such_rule'"):
        compute(_plans(), ["2011-12"], ["X1"], catalogue=cat)


def test_a_local_rule_without_its_parameters_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(
        "- {id: X2, title: x, unit: percent, decimals: 1, polarity: high, "
        "rule: icpc_timeliness, tables: [section47]}\n"
    )
    cat = catalogue().with_local(path)
    data = dataset(section47=[{"s47_start_date": "2023-05-05", "icpc_date": "2023-05-22"}])
    with pytest.raises(InputError, match="needs the parameter 'working_days'"):
        compute(data, ["2023-24"], ["X2"], catalogue=cat)


def test_every_catalogue_rule_exists() -> None:
    assert {i.rule for i in catalogue() if i.rule} <= set(RULES)


def test_every_table_supplied_empty() -> None:
    # a return with no records at all: counts are 0, every proportion is empty (0 of 0)
    from safeguarding.schema import TABLES

    data = dataset(**{name: [] for name in TABLES if name != "population"})
    data.set("referrals", rows("referrals", [{"referral_date": "2001-01-01"}]))
    out = compute(data, ["2011-12", "2011-12 Q3"])
    count_ids = ["CPP_AT_END", "CLA_AT_END", "REFERRALS", "CONTACTS"]
    counts = out[out["indicator"].isin(count_ids)]
    assert counts["value"].tolist() == [0.0] * 8
    shares = out[
        ~out["indicator"].str.endswith(("_RATE", "_AT_END")) & ~out["indicator"].isin(count_ids)
    ]
    assert shares["value"].isna().all()
    assert set(shares["denominator"].dropna()) == {0}
