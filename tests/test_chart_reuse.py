"""One Figure drawn on again: every chart's SVG is byte for byte the one a new Figure gives,
whatever was drawn on it before (other kinds, bands, gaps, a chart that failed half way)."""

from __future__ import annotations

import random

import matplotlib
import pandas as pd
import pytest
from safeguarding import charts, spc
from safeguarding.catalogue import catalogue

CAT = catalogue()
Q = [f"Q{q} {y}-{y + 1}" for y in (23, 24) for q in (1, 2, 3, 4)]
MONTHS = [f"M{i:02d}" for i in range(24)]
BURSTY = [
    50,
    52,
    49,
    51,
    50,
    53,
    48,
    50,
    52,
    51,
    49,
    50,
    51,
    50,
    80,
    51,
    50,
    49,
    70,
    72,
    71,
    73,
    74,
    72,
]


def _trend(
    ind,
    values,
    england=None,
    neighbours=None,
    target=None,
    suppressed=(),
    own="Own",
    ylabel=None,
    labels=Q,
):
    return (
        "trend",
        (CAT[ind], labels, values, england, neighbours, target, own, list(suppressed), ylabel),
    )


def _spc(ind, values, polarity, target=None, breaks=(), labels=MONTHS):
    series = pd.Series(values, index=labels, dtype="float64")
    result = spc.spc(series, polarity, target, baseline=12, breaks=breaks, recalculate=True)
    kinds = charts._spc_kinds(result, labels)
    own = charts._as_series(values, len(labels))
    return ("spc", (CAT[ind], labels, own, result, kinds, None))


rng = random.Random(17)
CASES = [
    # a band shaded, a suppressed quarter drawn as a gap and marked "c"
    _trend(
        "NI65",
        [18.2, 17.4, None, 12.0, 13.1, 12.2, 14.9, 11.0],
        england=13.6,
        neighbours=[13.8] * 8,
        suppressed=["Q3 23-24"],
    ),
    # a target per quarter, England and neighbours per quarter
    _trend(
        "REREFERRAL_12M",
        [24, 22, 20, 19, 21, 23, 22, 18],
        england=[21.0] * 8,
        neighbours=[20 + i / 4 for i in range(8)],
        target=[20.0] * 8,
        own="Newtown",
    ),
    # a count: no comparators, a long authority name in the legend
    _trend(
        "CPP_AT_END",
        [310, 298, 305, 287, 290, 300, 1250, 1302],
        own="An authority with a long name",
        ylabel="Number, at quarter end",
    ),
    # a series of zeros: the readable floor
    _trend("REREFERRAL_12M", [0.0] * 8, england=0.0),
    # one known point, the rest missing, two suppressed
    _trend(
        "NI65", [None, None, None, None, None, None, None, 9.5], suppressed=["Q1 24-25", "Q2 24-25"]
    ),
    # nothing known at all: no line, the scale from the floor alone
    _trend("CPP_AT_END", [None] * 8, suppressed=Q[:3]),
    # a series that starts late, a fractional scale
    _trend("REREFERRAL_12M", [None, None, 0.4, 0.2, 0.5, 0.3, 0.6, 0.1], target=0.5),
    # four quarters only
    _trend("CPP_AT_END", [12, 14, 9, 11], labels=Q[:4]),
    # random series, some missing
    *[
        _trend(
            "REREFERRAL_12M",
            [None if rng.random() < 0.2 else rng.uniform(0, 60) for _ in Q],
            england=rng.uniform(10, 40),
            neighbours=[rng.uniform(10, 40) for _ in Q],
        )
        for _ in range(4)
    ],
    _spc("CPP_AT_END", BURSTY, "low"),
    _spc("CPP_AT_END", BURSTY, "none", breaks=["M12"]),
    _spc("REREFERRAL_12M", [20 + (i % 5) for i in range(24)], "high", target=22.0),
    _spc("CPP_AT_END", [None, *BURSTY[1:18]], "low", labels=MONTHS[:18]),
]


def _draw(case) -> str:
    kind, args = case
    return (charts._draw_trend if kind == "trend" else charts._draw_spc)(*args)


def _fresh(case) -> str:
    """The chart on a new Figure and Axes (the plain path: what a fresh process draws)."""
    charts._CANVAS.held = None
    return _draw(case)


@pytest.fixture(scope="module")
def plain() -> list[str]:
    return [_fresh(case) for case in CASES]


@pytest.mark.parametrize("seed", [None, "reversed", 1, 2, 3])
def test_a_reused_figure_draws_what_a_new_one_does_in_any_order(plain, seed):
    order = list(range(len(CASES)))
    if seed == "reversed":
        order.reverse()
    elif seed is not None:
        random.Random(seed).shuffle(order)
    charts._CANVAS.held = None
    for i in order * 2:  # and every chart drawn again after all the others
        assert _draw(CASES[i]) == plain[i], f"case {i} after {order[: order.index(i)]}"


def test_a_chart_that_fails_half_drawn_leaves_nothing_behind(plain):
    _draw(CASES[9])
    kind, args = CASES[0]
    broken = (args[0], args[1], args[2], [1.0, 2.0], *args[4:])  # England of the wrong length
    with pytest.raises(ValueError, match="expected 8 values"):
        charts._draw_trend(*broken)
    assert _draw(CASES[1]) == plain[1]
    assert _draw(CASES[0]) == plain[0]


def test_a_change_of_settings_gets_a_figure_made_under_them(plain):
    _draw(CASES[2])
    with matplotlib.rc_context({"xtick.major.size": 9.0, "lines.dash_capstyle": "round"}):
        changed = _draw(CASES[1])
        assert changed != plain[1]
        assert changed == _fresh(CASES[1])
        _draw(CASES[3])
        assert _draw(CASES[1]) == changed
    assert _draw(CASES[1]) == plain[1]
