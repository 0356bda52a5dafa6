"""``safeguarding indicators``: the tidy CSV, and clean errors (exit 2, no traceback)."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from _indicator_builders import dataset
from safeguarding.catalogue import catalogue
from safeguarding.cli import main
from safeguarding.commands import demo_data  # noqa: F401  (imported before the loaders are faked)
from safeguarding.dataset import DataSet, write_canonical
from safeguarding.validation import InputError, Issue


def _data() -> DataSet:
    # 901: two CP plans open at 31 Mar 2012, one of them since 31 Mar 2010 (2 years exactly)
    return dataset(
        cp_plans=[
            {"child_id": "A", "start_date": "2010-03-31"},
            {"child_id": "B", "start_date": "2011-06-01"},
        ],
        population=[{"year": 2011, "population": 10_000}],
    )


@pytest.fixture
def fake_loaders(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Stand-in loaders recording their calls (the real ones are tested on their own)."""
    calls: dict = {"data": [], "cin": [], "ssda903": [], "population": []}
    module = types.ModuleType("safeguarding.loaders")

    def read_data_dir(directory, authorities=None):
        calls["data"].append((Path(directory), authorities))
        if Path(directory).name == "broken":
            raise InputError(
                [
                    Issue(
                        "error",
                        "broken/901/cp_plans.csv",
                        "date",
                        "bad date",
                        3,
                        "start_date",
                        "31/02/2011",
                        "901",
                    )
                ]
            )
        return _data()

    def load_cin_census(path, authority=None):
        calls["cin"].append((Path(path), authority))
        return dataset(referrals=[{"authority": authority, "referral_date": "2011-05-01"}])

    def load_ssda903(path, authority, collection_year=None):
        calls["ssda903"].append((Path(path), authority))
        return dataset(la_episodes=[{"authority": authority, "episode_start": "2011-05-01"}])

    def load_population(path, authorities=None):
        calls["population"].append((Path(path), authorities))
        return dataset(population=[{"authority": "901", "year": 2011, "population": 20_000}])

    module.read_data_dir = read_data_dir
    module.load_cin_census = load_cin_census
    module.load_ssda903 = load_ssda903
    module.load_population = load_population
    module.merge_returns = DataSet.combine
    monkeypatch.setitem(sys.modules, "safeguarding.loaders", module)
    return calls


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_writes_the_tidy_csv_to_stdout(fake_loaders, capsys, tmp_path: Path) -> None:
    code = main(
        ["indicators", "--data", str(tmp_path), "--period", "Q4 2011/12", "--period", "2011-12",
         "--indicator", "CPP_AT_END", "--indicator", "CPP_2YRS_OPEN", "--indicator", "NI62"]
    )  # fmt: skip
    assert code == 0
    out = _csv(capsys.readouterr().out)
    assert list(out.columns) == ["authority", "indicator", "period", "value", "numerator",
                                 "denominator"]  # fmt: skip
    assert out.values.tolist() == [
        ["901", "CPP_AT_END", "2011-12 Q4", "2", "2", ""],
        ["901", "CPP_AT_END", "2011-12", "2", "2", ""],
        ["901", "CPP_2YRS_OPEN", "2011-12 Q4", "50.0", "1", "2"],
        ["901", "CPP_2YRS_OPEN", "2011-12", "50.0", "1", "2"],
        # no looked-after episodes in the data: not computable, an empty value
        ["901", "NI62", "2011-12 Q4", "", "", ""],
        ["901", "NI62", "2011-12", "", "", ""],
    ]
    assert fake_loaders["data"] == [(tmp_path, None)]


def test_writes_a_file_with_every_indicator(fake_loaders, tmp_path: Path, capsys) -> None:
    target = tmp_path / "out" / "figures.csv"
    code = main(["indicators", "--data", str(tmp_path), "--period", "2011-12",
                 "--authority", "901", "--out", str(target)])  # fmt: skip
    assert code == 0 and capsys.readouterr().out == ""
    out = _csv(target.read_text())
    # every built-in indicator with a rule, one authority, one period: the 26 of main's
    # catalogue (CONTACTS, the adoption scorecard's and the CP visits and reviews from Annex A
    # among them) and the National Framework's (referrals after early help the 20th)
    assert len(out) == len([i for i in catalogue() if i.computable]) == 46
    rate = out[out["indicator"] == "CPP_AT_END_RATE"].iloc[0]
    assert (rate["value"], rate["numerator"], rate["denominator"]) == ("2.0", "2", "10000")
    assert fake_loaders["data"] == [(tmp_path, ["901"])]


def test_statutory_returns_for_one_authority(fake_loaders, capsys, tmp_path: Path) -> None:
    code = main(
        ["indicators", "--cin", "a.xml", "--cin", "b.xml", "--ssda903", "903", "--authority",
         "350", "--period", "2011-12", "--indicator", "REFERRALS", "--indicator", "CLA_AT_END"]
    )  # fmt: skip
    assert code == 0
    out = _csv(capsys.readouterr().out)
    # two CIN files (one referral each) and one SSDA903 return, combined
    assert out[["authority", "indicator", "value"]].values.tolist() == [
        ["350", "REFERRALS", "2"],
        ["350", "CLA_AT_END", "1"],
    ]
    assert [c[1] for c in fake_loaders["cin"]] == ["350", "350"]
    assert fake_loaders["ssda903"] == [(Path("903"), "350")]


def test_local_indicators_file(fake_loaders, capsys, tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text(
        "- id: OPEN_3YRS\n  title: Plans open three years or more\n  unit: percent\n"
        "  decimals: 0\n  polarity: low\n  window: snapshot\n  tables: [cp_plans]\n"
        "  rule: open_plans_long\n  versions: [{from: 2008-09, params: {years: 1}}]\n"
    )
    code = main(["indicators", "--data", str(tmp_path), "--period", "2011-12",
                 "--indicator", "OPEN_3YRS", "--indicators-file", str(local)])  # fmt: skip
    assert code == 0
    # at 31 Mar 2012: A open since 31 Mar 2010 (a year and more), B since June 2011: 1 of 2
    assert _csv(capsys.readouterr().out).values.tolist() == [
        ["901", "OPEN_3YRS", "2011-12", "50", "1", "2"]
    ]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--period", "2011-13"], "Accepted forms"),
        (["--period", "Q5 2011-12"], "'2011-12 Q2'"),
        (["--period", "2011-12", "--indicator", "NI99"], "unknown indicator 'NI99'"),
    ],
)
def test_bad_arguments_exit_2_without_a_traceback(
    fake_loaders, capsys, tmp_path: Path, argv: list[str], words: str
) -> None:
    code = main(["indicators", "--data", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err and "Traceback" not in err
    assert fake_loaders["data"] == []  # nothing is read before the arguments are checked


def test_input_errors_exit_2_with_the_validation_messages(fake_loaders, capsys, tmp_path):
    code = main(["indicators", "--data", str(tmp_path / "broken"), "--period", "2011-12"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.strip() == (
        "error: broken/901/cp_plans.csv, row 3, column start_date: value '31/02/2011': "
        "bad date [rule: date]"
    )


def test_bad_local_file_exits_2(fake_loaders, capsys, tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text("- {id: X, title: t, unit: weeks, decimals: 0, polarity: low}\n")
    code = main(["indicators", "--data", str(tmp_path), "--period", "2011-12",
                 "--indicators-file", str(local)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"{local}, entry 1, column unit" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--period", "2011-12"], "give --data DIR"),
        (["--period", "2011-12", "--data", "d", "--cin", "a.xml"], "not both"),
        (["--period", "2011-12", "--cin", "a.xml"], "need --authority"),
        (["--data", "d"], "--period"),
    ],
)
def test_usage_errors(fake_loaders, capsys, argv: list[str], words: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["indicators", *argv])
    assert exc.value.code == 2
    assert words in capsys.readouterr().err


def test_with_the_real_data_directory_reader(tmp_path: Path, capsys) -> None:
    data = _data()
    write_canonical(DataSet({"cp_plans": data.tables["cp_plans"]}), tmp_path / "901")
    (tmp_path / "population.csv").write_text("authority,year,population\n901,2011,10000\n")
    code = main(["indicators", "--data", str(tmp_path), "--period", "2011-12",
                 "--indicator", "CPP_AT_END", "--indicator", "CPP_AT_END_RATE"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _csv(captured.out).values.tolist() == [
        ["901", "CPP_AT_END", "2011-12", "2", "2", ""],
        ["901", "CPP_AT_END_RATE", "2011-12", "2.0", "2", "10000"],
    ]
