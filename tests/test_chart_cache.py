"""The chart cache: a chart is drawn once per set of inputs, and any changed input (or code,
or matplotlib setting) draws it afresh."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest
from safeguarding import charts, spc
from safeguarding.catalogue import catalogue

CAT = catalogue()
Q = ["Q1 24-25", "Q2 24-25", "Q3 24-25", "Q4 24-25"]
VALUES = [18.2, 17.4, None, 12.0]


@pytest.fixture(autouse=True)
def fresh_cache():
    charts.clear_cache()
    charts.use_cache_dir(None)
    yield
    charts.clear_cache()
    charts.use_cache_dir(None)


def _trend(**changes) -> charts.Chart:
    args = {"england": 13.6, "target": [15.0] * 4, "own_label": "Wexcombe", **changes}
    return charts.trend_chart(CAT["NI62"], Q, args.pop("values", VALUES), **args)


def _fresh(**changes) -> str:
    charts.clear_cache()
    return _trend(**changes).svg


def _count_draws(monkeypatch) -> list[int]:
    drawn = [0]
    real = charts._draw_trend

    def counting(*args, **kwargs):
        drawn[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "_draw_trend", counting)
    return drawn


def test_a_cached_chart_is_the_chart_drawn_afresh(monkeypatch):
    drawn = _count_draws(monkeypatch)
    first = _trend()
    again = _trend()
    assert drawn[0] == 1  # the second came from the cache
    assert again == first
    assert _fresh() == first.svg and drawn[0] == 2


@pytest.mark.parametrize(
    "change",
    [
        {"values": [18.2, 17.4, None, 12.1]},
        {"values": [18.2, 17.4, 11.0, 12.0]},
        {"england": 13.7},
        {"england": None},
        {"neighbours": [14.0] * 4},
        {"target": [15.0, 15.0, 15.0, 16.0]},
        {"own_label": "Eastmarsh"},
        {"suppressed": ["Q3 24-25"]},
        {"ylabel": "Per cent, a year"},
    ],
)
def test_any_changed_input_draws_a_new_chart(change, monkeypatch):
    base = _trend()
    drawn = _count_draws(monkeypatch)
    changed = _trend(**change)
    assert drawn[0] == 1
    assert changed.svg != base.svg
    assert changed.svg == _fresh(**change)  # and it is the chart those inputs draw


def test_a_changed_indicator_definition_draws_a_new_chart():
    import dataclasses

    base = _trend()
    banded = dataclasses.replace(CAT["NI62"], polarity="band", band=(10.0, 14.0))
    chart = charts.trend_chart(banded, Q, VALUES, england=13.6, own_label="Wexcombe")
    assert chart.svg != base.svg and "Target band" in chart.svg


def test_a_changed_matplotlib_setting_or_library_source_draws_a_new_chart(monkeypatch):
    drawn = _count_draws(monkeypatch)
    _trend()
    with matplotlib.rc_context({"lines.dash_capstyle": "round"}):
        _trend()
    assert drawn[0] == 2
    monkeypatch.setattr(charts, "_code_fingerprint", lambda: "another version of the code")
    _trend()
    assert drawn[0] == 3


def test_the_disk_cache_serves_another_process_and_is_keyed_by_the_inputs(tmp_path, monkeypatch):
    charts.use_cache_dir(tmp_path)
    first = _trend()
    files = list(tmp_path.rglob("*.svg"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8") == first.svg
    charts.clear_cache()  # as a new process would start
    drawn = _count_draws(monkeypatch)
    assert _trend() == first and drawn[0] == 0
    _trend(england=13.7)
    assert drawn[0] == 1 and len(list(tmp_path.rglob("*.svg"))) == 2


def test_an_unwritable_cache_folder_only_costs_time(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    charts.use_cache_dir(blocker)
    assert _trend().svg == _fresh()


def _spc(values, target=None):
    labels = [f"M{n:02d}" for n in range(1, 19)]
    result = spc.spc(pd.Series(values, index=labels, dtype="float64"), "low", target)
    return charts.spc_chart(CAT["NI62"], labels, values, result)


def test_spc_charts_are_cached_by_their_points_limits_and_target():
    values = [50, 52, 49, 51, 50, 53, 48, 50, 51, 49, 52, 50, 70, 50, 51, 49, 50, 52]
    first = _spc(values)
    assert _spc(values) == first
    moved = _spc([*values[:-1], 53])
    targeted = _spc(values, target=45.0)
    assert len({first.svg, moved.svg, targeted.svg}) == 3
    charts.clear_cache()
    assert _spc(values).svg == first.svg and _spc(values, target=45.0).svg == targeted.svg
