"""Assessment inputs and judgements: outturns, targets, bad inputs, the command line."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
import pytest
from safeguarding.assessment import COLUMNS, assess, judge_target
from safeguarding.catalogue import Catalogue, catalogue
from safeguarding.cli import main
from safeguarding.outturns import read_outturns, validate_outturns
from safeguarding.targets import (
    Target,
    as_targets,
    default_tolerance,
    read_targets,
    target_for,
)
from safeguarding.validation import InputError

CAT = catalogue()
REQUIRED = [
    "authority",
    "indicator",
    "period",
    "value",
    "target",
    "vs_target",
    "rag",
    "vs_previous_quarter",
    "vs_previous_year_end",
    "vs_same_quarter_last_year",
    "vs_england",
    "vs_neighbours",
    "quartile",
    "narrative",
]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


# --- outturns -------------------------------------------------------------------------------


def test_outturns_are_normalised(tmp_path):
    path = write(
        tmp_path,
        "outturns.csv",
        """
authority,indicator,period,value,numerator,denominator,status,note
901,NI59,Q2 2011/12,83.7,77,92,,
901,NI59,2011/12,80,,,provisional,awaiting audit
901,NI60,2011-12 Q2,,,,,
""",
    )
    frame = read_outturns(path)
    assert list(frame["period"]) == ["2011-12 Q2", "2011-12", "2011-12 Q2"]
    assert list(frame["status"]) == ["final", "provisional", "final"]
    assert frame["value"].isna().tolist() == [False, False, True]  # blank is missing, not 0
    assert frame.loc[0, "denominator"] == 92


def test_bad_outturns_give_one_clear_line_each(tmp_path):
    path = write(
        tmp_path,
        "outturns.csv",
        """
authority,indicator,period,value,status
901,NI59,2011-12 Q2,83.7,final
901,NI999,2011-12 Q2,50,final
901,NI60,2011-2013,50,final
901,NI62,2011-12 Q2,abc,final
901,NI63,2011-12 Q2,70,draft
""",
    )
    with pytest.raises(InputError) as info:
        read_outturns(path)
    lines = [str(i) for i in info.value.issues]
    assert len(lines) == 4
    unknown, spelling, number, status = lines
    assert "outturns.csv, row 3, column indicator: value 'NI999'" in unknown
    assert "[rule: known-indicator]" in unknown
    assert "row 4, column period: value '2011-2013'" in spelling
    assert "financial year runs from one year into the next" in spelling
    assert "row 5, column value: value 'abc': not a number [rule: numeric]" in number
    assert "row 6, column status: value 'draft'" in status
    assert all("\n" not in line for line in lines)


def test_missing_columns_and_duplicates():
    with pytest.raises(InputError) as info:
        validate_outturns(pd.DataFrame({"authority": ["901"], "indicator": ["NI59"]}))
    assert {i.column for i in info.value.issues} == {"period", "value"}
    twice = pd.DataFrame(
        {
            "authority": ["901", "901"],
            "indicator": ["NI59", "NI59"],
            "period": ["2011-12 Q2", "Q2 2011-12"],
            "value": ["1", "2"],
        }
    )
    with pytest.raises(InputError) as info:
        validate_outturns(twice)
    assert [i.rule for i in info.value.issues] == ["unique-figure"]


def test_computed_frame_goes_through_the_same_path():
    # the shape indicators.compute returns: nullable integer counts, NaN where not computable
    computed = pd.DataFrame(
        {
            "authority": ["901", "901", "901"],
            "indicator": ["NI62", "NI62", "NI59"],
            "period": ["2023-24", "2024-25 Q2", "2024-25 Q2"],
            "value": [12.0, 8.0, float("nan")],
            "numerator": pd.array([24, 16, None], dtype="Int64"),
            "denominator": pd.array([200, 200, None], dtype="Int64"),
        }
    )
    result = assess(computed, "2024-25 Q2")
    assert list(result.columns) == COLUMNS
    assert set(REQUIRED) <= set(result.columns)
    ni62 = result.set_index("indicator").loc["NI62"]
    assert ni62["vs_previous_year_end"] == "within_normal_variation"  # 24/200 to 16/200
    assert ni62["status"] == "final"
    # no figure: not computable, which is not the same as having no target
    assert result.set_index("indicator").loc["NI59", "vs_target"] == "not_computable"


# --- targets ---------------------------------------------------------------------------------


def test_default_tolerance():
    assert default_tolerance(CAT["NI59"], 78) == 2.0
    assert default_tolerance(CAT["CPP_AT_END_RATE"], 40) == pytest.approx(2.0)


def test_bad_targets_give_one_clear_line_each(tmp_path):
    path = write(
        tmp_path,
        "targets.csv",
        """
authority,indicator,year,target,tolerance,band_low,band_high
901,NI59,2011-12,78,,,
901,CPP_AT_END,2011-12,100,,,
901,NI60,2011-12 Q2,80,,,
901,NI62,2011-12,ten,,,
901,NI65,2011-12,,,10,
901,NIX,2011-12,5,,,
""",
    )
    with pytest.raises(InputError) as info:
        read_targets(path)
    rules = [i.rule for i in info.value.issues]
    assert rules == [
        "target-needs-polarity",
        "target-year",
        "numeric",
        "band-pair",
        "known-indicator",
    ]
    assert "polarity 'none'" in str(info.value.issues[0])
    assert "row 3" in str(info.value.issues[0])


def test_targets_bands_and_tolerances(tmp_path):
    path = write(
        tmp_path,
        "targets.csv",
        """
authority,indicator,year,target,tolerance,band_low,band_high
901,NI59,2011/12,78,,,
901,NI64,2011-12,,1.5,0,10
""",
    )
    frame = read_targets(path)
    assert list(frame["year"]) == ["2011-12", "2011-12"]
    assert list(frame["tolerance"]) == [2.0, 1.5]


def test_a_targets_file_read_again_is_the_same_and_an_edit_is_read_at_once(tmp_path):
    """Kept per process by its bytes and the catalogue: a second read equals a first and is
    the caller's own; an edit of the same size straight after is checked afresh (a wrong
    cell then fails as it would in a fresh process)."""
    text = "authority,indicator,year,target,tolerance,band_low,band_high\n901,NI59,2011-12,78,,,\n"
    path = write(tmp_path, "targets.csv", text)
    first = read_targets(path)
    again = read_targets(path)
    pd.testing.assert_frame_equal(first, again)
    again.loc[0, "target"] = 1.0  # the caller's copy: the next read is untouched
    assert read_targets(path).loc[0, "target"] == 78.0
    path.write_text(text.replace(",78,", ",79,"), encoding="utf-8")
    assert read_targets(path).loc[0, "target"] == 79.0
    path.write_text(text.replace(",78,", ",7x,"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_targets(path)
    assert [i.rule for i in info.value.issues] == ["numeric"]


def test_targets_looked_up_by_key_are_the_ones_a_filter_of_the_frame_finds(tmp_path):
    """The report and the assessment index the targets once (first row of each key, as the
    frame's filter finds it): same target, band, tolerance and fallback to the catalogue's
    band, for every authority, indicator and period (a checked file has one row per key)."""
    from safeguarding.targets import target_rows

    path = write(
        tmp_path,
        "targets.csv",
        """
authority,indicator,year,target,tolerance,band_low,band_high
901,NI59,2011-12,78,,,
901,NI64,2011-12,,1.5,0,10
902,NI59,2012-13,80,3,,
902,NI65,2011-12,12,,,
""",
    )
    frame = read_targets(path)
    rows = target_rows(frame)
    looked = 0
    for authority in ("901", "902", "903"):
        for indicator in ("NI59", "NI64", "NI65", "NI62"):
            for period in ("2011-12 Q2", "2011-12", "2012-13 Q4", "2013-14"):
                ind = CAT[indicator]
                by_frame = target_for(frame, authority, ind, period)
                assert target_for(rows, authority, ind, period) == by_frame, (authority, period)
                looked += by_frame is not None
    assert looked >= 6  # the hand-made rows are found, and NI65 falls back to its band
    assert target_for(rows, "901", CAT["NI59"], "2011-12").target == 78.0
    assert target_for(target_rows(None), "901", CAT["NI59"], "2011-12") is None


BAND = Target("1", "NI65", "2011-12", None, 2.0, (10, 15))


@pytest.mark.parametrize(
    ("indicator", "value", "target", "expected"),
    [
        ("NI59", 78.0, Target("1", "NI59", "2011-12", 78.0, 2.0), ("met", "green")),
        ("NI59", 76.0, Target("1", "NI59", "2011-12", 78.0, 2.0), ("near", "amber")),
        ("NI59", 75.9, Target("1", "NI59", "2011-12", 78.0, 2.0), ("missed", "red")),
        ("NI64", 8.8, Target("1", "NI64", "2011-12", 8.0, 2.0), ("near", "amber")),
        ("NI64", 7.9, Target("1", "NI64", "2011-12", 8.0, 2.0), ("met", "green")),
        ("NI65", 9.0, BAND, ("below_band", "amber")),
        ("NI65", 2.1, BAND, ("below_band", "red")),
        (
            "NI65",
            15.0,
            BAND,
            ("within_band", "green"),
        ),
        (
            "NI65",
            15.04,
            BAND,
            ("within_band", "green"),
        ),
        ("NI59", 50.0, None, ("no_target", "none")),
    ],
)
def test_judge_target(indicator, value, target, expected):
    assert judge_target(value, target, CAT[indicator]) == expected


def test_band_indicator_without_a_target_row_uses_the_catalogue_band():
    outturns = pd.DataFrame(
        {"authority": ["1"], "indicator": ["NI65"], "period": ["2024-25"], "value": [17.0]}
    )
    row = assess(outturns, "2024-25").iloc[0]
    assert (row["vs_target"], row["target_source"]) == ("above_band", "catalogue band")


def test_direction_of_travel_for_bands_and_definition_changes():
    outturns = pd.DataFrame(
        {
            "authority": ["1"] * 6,
            "indicator": ["NI65", "NI65", "NI65", "NI59", "NI59", "REFERRALS"],
            "period": [
                "2023-24 Q1",
                "2023-24 Q2",
                "2024-25 Q2",
                "2009-10",
                "2010-11 Q2",
                "2010-11 Q2",
            ],
            "value": [20.0, 14.0, 16.0, 70.0, 80.0, 300],
        }
    )
    result = assess(outturns, "2024-25 Q2").set_index("indicator")
    # 16% from 14% a year earlier: out of the band from inside it
    assert result.loc["NI65", "vs_same_quarter_last_year"] == "declined"
    result = assess(outturns, "2023-24 Q2").set_index("indicator")
    assert result.loc["NI65", "vs_previous_quarter"] == "improved"  # 20% into the band
    result = assess(outturns, "2010-11 Q2").set_index("indicator")
    assert result.loc["NI59", "vs_previous_year_end"] == "not_comparable"  # 7 to 10 days
    assert "10 working days from 2010-11" in result.loc["NI59", "narrative"]
    assert result.loc["REFERRALS", "vs_previous_year_end"] == "not_comparable"


def test_authorities_filter_and_catalogue_order():
    outturns = pd.DataFrame(
        {
            "authority": ["2", "1", "1"],
            "indicator": ["NI59", "NI62", "NI59"],
            "period": ["2024-25"] * 3,
            "value": [1.0, 2.0, 3.0],
        }
    )
    result = assess(outturns, "2024-25", authorities=["1"])
    assert list(zip(result["authority"], result["indicator"], strict=True)) == [
        ("1", "NI59"),
        ("1", "NI62"),
    ]


def test_local_indicator_from_yaml(tmp_path):
    yaml_path = write(
        tmp_path,
        "indicators.yaml",
        """
- id: SCREEN_1WD
  title: Referrals screened within 1 working day
  unit: percent
  decimals: 1
  polarity: high
""",
    )
    cat = CAT.with_local(yaml_path)
    outturns = pd.DataFrame(
        {
            "authority": ["1", "1"],
            "indicator": ["SCREEN_1WD"] * 2,
            "period": ["2024-25 Q1", "2024-25 Q2"],
            "value": [80.0, 90.0],
        }
    )
    targets = pd.DataFrame(
        {"authority": ["1"], "indicator": ["SCREEN_1WD"], "year": ["2024-25"], "target": ["85"]}
    )
    row = assess(outturns, "2024-25 Q2", targets=targets, catalogue=cat).iloc[0]
    assert (row["vs_target"], row["vs_previous_quarter"]) == ("met", "improved")


def test_neighbour_median_can_be_shown():
    comparators = pd.DataFrame(
        {
            "indicator": ["NI62"] * 4,
            "period": ["2023-24"] * 4,
            "area": ["statistical_neighbours", "statistical_neighbours_median", "England", "002"],
            "value": ["10", "12", "11", "9"],
        }
    )
    outturns = pd.DataFrame(
        {"authority": ["1"], "indicator": ["NI62"], "period": ["2024-25 Q2"], "value": [11.0]}
    )
    mean = assess(outturns, "2024-25 Q2", comparators=comparators).iloc[0]
    median = assess(
        outturns, "2024-25 Q2", comparators=comparators, neighbour_average="median"
    ).iloc[0]
    assert (mean["neighbours_value"], mean["vs_neighbours"]) == (10.0, "worse")
    assert (median["neighbours_value"], median["vs_neighbours"]) == (12.0, "better")
    assert (mean["neighbours_mean"], mean["neighbours_median"]) == (10.0, 12.0)
    assert mean["vs_england"] == "in_line"
    assert (mean["rank"], mean["rank_of"], mean["comparator_year"]) == (2, 2, "2023-24")


# --- command line ----------------------------------------------------------------------------


def test_cli_writes_the_assessment(tmp_path, capsys):
    outturns = write(
        tmp_path,
        "outturns.csv",
        """
authority,indicator,period,value
350,NI59,2007-08,89.4
350,NI59,2008-09 Q2,92.7
""",
    )
    comparators = write(
        tmp_path,
        "comparators.csv",
        """
indicator,period,area,value
NI59,2007-08,England,70.7
NI59,2007-08,statistical_neighbours,71.2
""",
    )
    targets = write(
        tmp_path, "targets.csv", "authority,indicator,year,target\n350,NI59,2008-09,95\n"
    )
    out = tmp_path / "out" / "assessment.csv"
    code = main(
        [
            "assess",
            "--period",
            "Q2 2008/09",
            "--outturns",
            str(outturns),
            "--targets",
            str(targets),
            "--comparators",
            str(comparators),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out, dtype=str)
    assert set(REQUIRED) <= set(frame.columns)
    assert frame.loc[0, "rag"] == "red" and frame.loc[0, "vs_england"] == "better"
    code = main(["assess", "--period", "2008-09 Q2", "--outturns", str(outturns)])
    assert code == 0
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert printed.loc[0, "vs_previous_year_end"] == "improved"


def test_cli_bad_inputs_one_line_each_no_traceback(tmp_path, capsys):
    outturns = write(
        tmp_path,
        "outturns.csv",
        """
authority,indicator,period,value
901,NI999,2011-12 Q2,50
901,NI60,2011/2013,50
901,NI62,2011-12 Q2,abc
""",
    )
    targets = write(
        tmp_path, "targets.csv", "authority,indicator,year,target\n901,CLA_AT_END,2011-12,5\n"
    )
    code = main(["assess", "--period", "2011-12 Q2", "--outturns", str(outturns)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("error: ") and "outturns.csv, row " in line for line in lines)
    good = write(tmp_path, "good.csv", "authority,indicator,period,value\n901,NI62,2011-12 Q2,5\n")
    code = main(
        ["assess", "--period", "2011-12 Q2", "--outturns", str(good), "--targets", str(targets)]
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "target-needs-polarity" in lines[0]
    code = main(["assess", "--period", "2011-13 Q2", "--outturns", str(good)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "2011-13" in lines[0]
    code = main(["assess", "--period", "2011-12 Q2", "--outturns", str(tmp_path / "none.csv")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "file not found" in lines[0]


def test_cli_with_dfe_files_and_neighbours(shared_data, tmp_path):
    outturns = write(
        tmp_path,
        "outturns.csv",
        """
authority,indicator,period,value,numerator,denominator
800,NI65,2024-25 Q2,15.0,12,80
800,CLA_AT_END_RATE,2024-25 Q2,61,,
""",
    )
    out = tmp_path / "out.csv"
    code = main(
        [
            "assess",
            "--period",
            "2024-25 Q2",
            "--outturns",
            str(outturns),
            "--dfe",
            str(shared_data / "dfe"),
            "--neighbours",
            str(shared_data / "statistical_neighbours" / "sn_model_2025_wide.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out, dtype={"authority": str}).set_index("indicator")
    assert frame.loc["NI65", "comparator_year"] == "2023-24"
    assert frame.loc["NI65", "england_value"] == 24.7
    assert frame.loc["NI65", "region"] == "South West"
    assert frame.loc["NI65", "neighbours_n"] == 10
    assert pd.isna(frame.loc["NI65", "quartile"])  # band polarity: no quartile
    assert frame.loc["CLA_AT_END_RATE", "vs_england"] == "lower"  # polarity none


def test_cli_computes_from_a_data_directory(tmp_path):
    from safeguarding.dataset import write_canonical
    from safeguarding.demo.generate import generate
    from safeguarding.periods import Period

    data = generate(1, [Period(2023), Period(2024)], sizes=[20000])
    code = data.tables["children"]["authority"].iloc[0]
    write_canonical(data, tmp_path / "data" / code)
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "assess",
                "--period",
                "2024-25 Q2",
                "--data",
                str(tmp_path / "data"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    frame = pd.read_csv(out, dtype={"authority": str}).set_index("indicator")
    assert frame.loc["NI62", "vs_previous_year_end"] in (
        "improved",
        "declined",
        "no_change",
        "within_normal_variation",
    )
    # a quarter's referrals meet last year's total only on a 12-month basis (quarter x 4)
    referrals = frame.loc["REFERRALS"]
    assert referrals["window"] == "in_period"
    assert referrals["annual_factor"] == 4.0
    assert referrals["value_annual"] == referrals["value"] * 4
    assert referrals["vs_previous_year_end"] != "not_comparable"


def test_checked_targets_pass_through_and_other_catalogues_recheck(tmp_path):
    """A frame validate_targets returned is not checked again for the same catalogue; for a
    catalogue that differs (here, one without NI59's polarity) it is checked again."""
    path = write(tmp_path, "targets.csv", "authority,indicator,year,target\n901,NI59,2011-12,78\n")
    checked = read_targets(path)
    assert as_targets(checked) is checked
    derived = checked[checked["authority"] == "901"]
    assert as_targets(derived) is derived  # pandas carries the mark into derived frames
    activity_only = Catalogue(
        [dataclasses.replace(i, polarity="none") if i.id == "NI59" else i for i in catalogue()]
    )
    with pytest.raises(InputError, match="target-needs-polarity|polarity 'none'"):
        as_targets(checked, activity_only)
