"""Comparators: DfE's published files, statistical neighbours, the tidy CSV, year choice,
rank and quartile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safeguarding.comparators import (
    DFE_MEASURES,
    SUPPRESSION_SYMBOLS,
    Comparators,
    neighbour_lists,
    quartile_band,
    read_dfe,
    read_neighbours,
    to_number,
    validate_comparators,
)
from safeguarding.validation import InputError


@pytest.fixture(scope="module")
def dfe(shared_data):
    return read_dfe(shared_data / "dfe")


@pytest.fixture(scope="module")
def comps(shared_data):
    return Comparators.from_dfe(
        shared_data / "dfe", shared_data / "statistical_neighbours" / "sn_model_2025_wide.csv"
    )


def test_suppression_symbols_are_missing_never_zero():
    values = to_number(pd.Series(["12", "c", "x", "u", "z", "k", "", "0", " 3.5 "]))
    assert values.isna().tolist() == [False, True, True, True, True, True, True, False, False]
    assert values.iloc[7] == 0 and values.iloc[8] == 3.5


def test_every_mapped_indicator_is_imported(dfe):
    assert {m.indicator for m in DFE_MEASURES} == set(dfe["indicator"])
    counts = dfe.groupby(["indicator", "area_type"]).size().unstack()
    assert (counts["england"] >= 5).all() and (counts["authority"] >= 5 * 150).all()
    # time_period 2025 is the financial year 2024-25; for the workforce census (at 30
    # September) 30 September 2025, in 2025-26
    census = dfe["source"].str.startswith("csww")
    assert dfe.loc[~census, "period"].max() == "2024-25"
    assert dfe.loc[census, "period"].max() == "2025-26"


@pytest.mark.parametrize("measure", DFE_MEASURES, ids=lambda m: m.indicator)
def test_suppressed_cells_of_every_mapped_file_stay_missing(shared_data, dfe, measure):
    path = sorted((shared_data / "dfe").glob(f"{measure.file}*.csv"))[0]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column, wanted in measure.where:
        raw = raw[raw[column] == wanted]
    raw = raw[raw["geographic_level"] == "Local authority"]
    symbol = raw[measure.value].str.strip().str.lower().isin(SUPPRESSION_SYMBOLS)
    ours = dfe[(dfe["indicator"] == measure.indicator) & (dfe["area_type"] == "authority")]
    assert len(ours) == len(raw)
    start = raw["time_period"].astype(int) - (0 if measure.september_census else 1)
    year = start.astype(str) + "-" + ((start + 1) % 100).astype(str).str.zfill(2)
    keyed = ours.set_index(["period", "area"])["value"]
    keyed = keyed[~keyed.index.duplicated()]
    looked_up = keyed.reindex(pd.MultiIndex.from_arrays([year, raw["old_la_code"]])).to_numpy()
    assert np.isnan(looked_up[symbol.to_numpy()]).all()
    if symbol.any():
        assert not (looked_up[symbol.to_numpy()] == 0).any()
    published = ~symbol & (raw[measure.value].str.strip() != "")
    if not measure.per_population:
        assert np.allclose(
            looked_up[published.to_numpy()], raw.loc[published, measure.value].astype(float)
        )


def test_long_files_take_numerator_and_denominator_from_their_rows(dfe):
    def one(indicator, period, area):
        rows = dfe[
            (dfe["indicator"] == indicator) & (dfe["period"] == period) & (dfe["area"] == area)
        ]
        assert len(rows) == 1
        return rows.iloc[0]

    hartlepool_ni63 = one("NI63", "2024-25", "805")
    assert (
        hartlepool_ni63["value"],
        hartlepool_ni63["numerator"],
        hartlepool_ni63["denominator"],
    ) == (60, 75, 126)
    hartlepool_ni62 = one("NI62", "2024-25", "805")
    assert (
        hartlepool_ni62["value"],
        hartlepool_ni62["numerator"],
        hartlepool_ni62["denominator"],
    ) == (9, 31, 332)
    assert one("NI147", "2024-25", "805")["value"] == 84  # aged 19 to 21 only
    england = one("NI65", "2024-25", "England")
    assert (england["value"], england["numerator"], england["denominator"]) == (24.5, 15130, 61840)


def test_rates_from_the_ons_population(dfe):
    row = dfe[
        (dfe["indicator"] == "REFERRALS_RATE")
        & (dfe["period"] == "2024-25")
        & (dfe["area"] == "England")
    ].iloc[0]
    # 632,830 referrals over 12,183,016 children (mid-2024 estimate) per 10,000
    assert row["value"] == pytest.approx(round(632830 / 12183016 * 10_000, 1))


def test_neighbours_2025_model_strips_closeness_labels(shared_data):
    frame = read_neighbours(shared_data / "statistical_neighbours" / "sn_model_2025_wide.csv")
    lists = neighbour_lists(frame)
    assert len(lists) >= 150
    assert all(len(v) == 10 for v in lists.values())
    assert lists["800"][0] == "816"
    assert not frame["closeness"].str.endswith(" ").any()
    assert "Close" in set(frame["closeness"])


def test_neighbours_2021_groupings_with_repeated_snp_header(shared_data):
    frame = read_neighbours(
        shared_data
        / "statistical_neighbours"
        / "New_Statistical_Neighbour_Groupings_April_2021.csv"
    )
    lists = neighbour_lists(frame)
    assert all(len(v) == 10 for v in lists.values())
    assert lists["202"][:2] == ["213", "205"]
    assert lists["801"][0] == "851"  # a quoted name with a comma does not shift the columns


def test_neighbour_mean_and_median_by_hand(comps, dfe):
    result = comps.neighbours_of("800", "NI65", "2024-25 Q2")
    assert result.period == "2023-24"  # the latest year ending before the quarter
    la = dfe[
        (dfe["indicator"] == "NI65")
        & (dfe["period"] == "2023-24")
        & (dfe["area_type"] == "authority")
    ].set_index("area")["value"]
    values = [la[c] for c in comps.neighbours["800"] if pd.notna(la.get(c))]
    assert result.n == len(values)
    assert result.mean == pytest.approx(sum(values) / len(values))
    assert result.median == pytest.approx(float(np.median(values)))
    assert result.shown == "mean" and result.value == result.mean


def test_comparator_year_choice(comps):
    assert comps.england("NI65", "2024-25").period == "2024-25"
    assert comps.england("NI65", "2024-25 Q4").period == "2024-25"
    assert comps.england("NI65", "2024-25 Q2").period == "2023-24"
    assert comps.england("NI65", "2030-31 Q1").period == "2024-25"
    assert comps.england("NI65", "2009-10 Q1") is None


def test_region_and_code_changes(comps):
    assert comps.regions["800"] == "South West"
    assert comps.region("800", "NI65", "2024-25").value > 0
    # Dorset: 835 until 2018-19, 838 since; the predecessor stands in and says so
    old = comps.authority("838", "NI65", "2016-17")
    assert old.value == 19.9 and "835" in old.note
    # an ONS code is translated to the DfE 3-digit code
    assert comps.code("E06000059") == "838"
    assert comps.authority("E06000059", "NI65", "2024-25").value == 27.5


def test_quartiles_and_rank_against_a_hand_computation():
    values = {"001": 5, "002": 7, "003": 7, "004": 9, "005": 10, "006": 12, "007": 14, "008": 20}
    frame = pd.DataFrame(
        {
            "indicator": "NI62",
            "period": "2023-24",
            "area": list(values),
            "value": [str(v) for v in values.values()],
        }
    )
    comps = Comparators.from_frame(frame)
    # R's default quantiles (type 7) of 5,7,7,9,10,12,14,20 by hand:
    # Q1 at position 1.75 -> 7; median at 3.5 -> 9.5; Q3 at 5.25 -> 12 + 0.25 * 2 = 12.5
    low = comps.position("003", "NI62", "2024-25 Q1", 7, "low")
    assert low.bands == (5, 7, 9.5, 12.5, 20)
    assert (low.rank, low.of, low.quartile) == (2, 8, "A")  # tied with 002: both rank 2
    assert comps.position("002", "NI62", "2024-25 Q1", 7, "low").rank == 2
    assert comps.position("004", "NI62", "2024-25 Q1", 9, "low").quartile == "B"
    assert comps.position("005", "NI62", "2024-25 Q1", 10, "low").quartile == "C"
    worst = comps.position("008", "NI62", "2024-25 Q1", 20, "low")
    assert (worst.rank, worst.quartile) == (8, "D")
    # high polarity flips the bands and the ranking
    best = comps.position("008", "NI62", "2024-25 Q1", 20, "high")
    assert (best.rank, best.quartile) == (1, "A")
    assert comps.position("002", "NI62", "2024-25 Q1", 7, "high").quartile == "D"
    assert comps.position("002", "NI62", "2024-25 Q1", 7, "high").rank == 6
    # a new figure from a listed authority replaces its own published one
    assert comps.position("008", "NI62", "2024-25 Q1", 6, "low").rank == 2
    assert comps.position("008", "NI62", "2024-25 Q1", 6, "band") is None
    assert quartile_band(12.5, low.bands, "low") == "C"


def test_real_quartile_bands_match_numpy(comps, dfe):
    la = dfe[
        (dfe["indicator"] == "NI62")
        & (dfe["period"] == "2024-25")
        & (dfe["area_type"] == "authority")
    ]["value"].dropna()
    position = comps.position("800", "NI62", "2024-25", 8, "low")
    assert position.bands == pytest.approx(tuple(np.quantile(la, [0, 0.25, 0.5, 0.75, 1])))
    assert position.of == len(la)


def test_tidy_csv_neighbour_rows_and_bad_cells():
    frame = pd.DataFrame(
        {
            "indicator": ["NI59", "NI59", "NI59", "NI59"],
            "period": ["2007-08"] * 4,
            "area": [
                "England",
                "statistical_neighbours",
                "statistical_neighbours_median",
                "North West",
            ],
            "value": ["70.7", "71.2", "70.0", "c"],
        }
    )
    comps = Comparators.from_frame(frame, neighbour_average="median")
    result = comps.neighbours_of("350", "NI59", "2008-09 Q2")
    assert (result.mean, result.median, result.value) == (71.2, 70.0, 70.0)
    bad = frame.assign(
        value=["70.7", "seventy", "70", "c"], period=["2007-08", "2007/8", "2007-08", "2007-08"]
    )
    with pytest.raises(InputError) as info:
        validate_comparators(bad, "comparators.csv")
    lines = [str(i) for i in info.value.issues]
    assert len(lines) == 2
    assert "row 3" in lines[0] and "column period" in lines[0]
    assert "column value" in lines[1] and "seventy" in lines[1]


def _neighbours_by_filter(comps, code, indicator, period):
    """The neighbour figures as one filter over the rows finds them (the lookup keeps them
    split by authority): the first row with a value for the chosen period, in file order."""
    v = comps.values
    rows = v[(v["indicator"] == indicator) & v["authority"].isin(["", code])]
    out = []
    for kind in ("neighbours", "neighbours_median"):
        some = rows[(rows["area_type"] == kind) & rows["value"].notna()]
        chosen = Comparators.choose_period(list(some["period"]), period)
        out.append(None if chosen is None else (some[some["period"] == chosen].iloc[0]["value"],
                                                chosen))  # fmt: skip
    return out


def test_neighbour_rows_given_per_authority_and_for_all_are_found_in_file_order():
    """Rows given for every authority (blank authority) and for one, interleaved, with a
    period both give (the first in the file wins), a blank value, and an authority with no
    rows of its own."""
    rows = [  # area, authority, period, value
        ("statistical_neighbours", "", "2022-23", "10.0"),
        ("statistical_neighbours", "901", "2022-23", "11.0"),
        ("statistical_neighbours", "901", "2023-24", "12.0"),
        ("statistical_neighbours", "", "2023-24", "13.0"),
        ("statistical_neighbours_median", "902", "2023-24", "c"),
        ("statistical_neighbours_median", "", "2023-24", "14.0"),
        ("statistical_neighbours_median", "902", "2022-23", "15.0"),
        ("statistical_neighbours", "902", "2021-22", "16.0"),
        ("England", "", "2023-24", "9.0"),
    ]
    frame = pd.DataFrame(
        {
            "indicator": ["NI59"] * len(rows),
            "area": [r[0] for r in rows],
            "authority": [r[1] for r in rows],
            "period": [r[2] for r in rows],
            "value": [r[3] for r in rows],
        }
    )
    comps = Comparators.from_frame(frame)
    checked = 0
    for code in ("901", "902", "903"):
        for period in ("2023-24 Q2", "2022-23", "2024-25", "2021-22 Q4"):
            found = comps.neighbours_of(code, "NI59", period)
            mean, median = _neighbours_by_filter(comps, code, "NI59", period)
            expected = (None if mean is None else mean[0], None if median is None else median[0])
            got = (None, None) if found is None else (found.mean, found.median)
            assert got == expected, (code, period)
            assert found is None or found.period == (mean or median)[1]
            checked += 1
    assert checked == 12
    # by hand: 901 in 2023-24 takes its own 12.0 (before the blank 13.0); 902's own median
    # for 2023-24 is blank, so the blank row's 14.0
    assert comps.neighbours_of("901", "NI59", "2023-24").mean == 12.0
    assert comps.neighbours_of("902", "NI59", "2023-24").median == 14.0
    assert comps.neighbours_of("903", "NI59", "2022-23").mean == 10.0
