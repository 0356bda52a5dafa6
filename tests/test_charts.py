"""House charts: deterministic SVG, alt text that states the message, gaps for hidden figures."""

from __future__ import annotations

import re

from safeguarding import charts
from safeguarding.catalogue import catalogue

CAT = catalogue()
Q = ["Q1 24-25", "Q2 24-25", "Q3 24-25", "Q4 24-25"]


def test_trend_alt_text_states_the_message():
    alt = charts.trend_alt_text(CAT["REREFERRAL_12M"], Q, [24, 22, 20, 19], england=21, target=20)
    assert alt.startswith(
        "Re-referrals within 12 months fell from 24.0% in Q1 24-25 to 19.0% "
        "in Q4 24-25 (over 4 quarters)"
    )
    assert "below the England average since Q3 24-25" in alt
    assert "below the target of 20.0%" in alt


def test_band_alt_text_and_suppressed_periods():
    alt = charts.trend_alt_text(CAT["NI65"], Q, [18.2, None, 12.0, 13.0], suppressed=["Q2 24-25"])
    assert "within the 10.0% to 15.0% band" in alt
    assert "Figures for Q2 24-25 are not shown" in alt


def test_svg_is_deterministic_self_contained_and_carries_metadata():
    one = charts.trend_chart(
        CAT["NI65"],
        Q,
        [18.2, 17.4, None, 12.0],
        england=13.6,
        neighbours=[13.8] * 4,
        suppressed=["Q3 24-25"],
    )
    two = charts.trend_chart(
        CAT["NI65"],
        Q,
        [18.2, 17.4, None, 12.0],
        england=13.6,
        neighbours=[13.8] * 4,
        suppressed=["Q3 24-25"],
    )
    assert one.svg == two.svg
    assert one.svg.startswith("<svg")
    assert "<!DOCTYPE" not in one.svg and "<dc:date>" not in one.svg
    assert not re.search(r"(?:href|src)=\"https?:", one.svg)
    data, meta = one._repr_mimebundle_()
    assert data["image/svg+xml"] == one.svg
    assert meta["safeguarding"]["alt"] == one.alt and meta["safeguarding"]["caption"]


def test_series_are_told_apart_without_colour():
    styles = [charts.OWN, charts.ENGLAND, charts.NEIGHBOURS]
    assert len({(s["linestyle"], s["marker"]) for s in styles}) == 3


def test_spc_chart_marks_special_causes():
    import pandas as pd
    from safeguarding import spc

    values = [50, 52, 49, 51, 50, 53, 48, 50, 52, 51, 49, 50, 51, 50, 80, 51, 50, 49]
    labels = [f"M{i:02d}" for i in range(len(values))]
    result = spc.spc(pd.Series(values, index=labels), "low")
    chart = charts.spc_chart(CAT["CPP_AT_END"], labels, values, result)
    # Making Data Count's words, in the alt text and the legend
    assert "Special cause concern in M14." in chart.alt
    assert "Special cause concern" in chart.svg and "Common cause variation" in chart.svg
    quiet = spc.spc(pd.Series(values[:14], index=labels[:14]), "low")
    assert (
        "Every month shows common cause variation."
        in charts.spc_chart(CAT["CPP_AT_END"], labels[:14], values[:14], quiet).alt
    )
    # polarity none: "special cause variation", never "neither"
    neutral = spc.spc(pd.Series(values, index=labels), "none")
    drawn = charts.spc_chart(CAT["CPP_AT_END"], labels, values, neutral)
    assert "Special cause variation in M14." in drawn.alt and "neither" not in drawn.svg


def test_spc_chart_draws_a_recalculation_as_a_new_line_and_says_so():
    import pandas as pd
    from safeguarding import spc

    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    labels = [f"M{i:02d}" for i in range(len(values))]
    result = spc.spc(pd.Series(values, index=labels), "none", baseline=12, breaks=["M12"])
    chart = charts.spc_chart(CAT["CPP_AT_END"], labels, values, result)
    assert "around a mean of 11, recalculated from M12 at 21." in chart.alt
    assert "limits recalculated" in chart.svg


def test_highest_point_has_headroom_and_zeros_keep_a_readable_scale():
    """The top marker is not cut by the frame (8% headroom above the highest value); an
    all-zero percentage series still gets a 0-10% axis."""
    from matplotlib.figure import Figure

    ind = catalogue()["CPP_AT_END"]
    for values, expected_top in (([230.0, 262.0, 240.0], 262.0 * 1.08), ([0.0, 0.0], 5.0)):
        ax = Figure().add_subplot()
        ax.plot([0, 1, 2][: len(values)], values)
        charts._format_axis(ax, ind)
        assert ax.get_ylim()[0] == 0
        assert ax.get_ylim()[1] >= expected_top


def test_a_series_that_starts_late_keeps_every_quarter_the_caption_names_on_the_axis():
    labels = ["Q3 22-23", "Q4 22-23", "Q1 23-24", "Q2 23-24", "Q3 23-24", "Q4 23-24",
              "Q1 24-25", "Q2 24-25"]  # fmt: skip
    chart = charts.trend_chart(
        catalogue()["NI65"], labels, [None, None, 18.2, 17.4, 16.0, 15.0, 14.0, 12.0]
    )
    # matplotlib drops the ticks outside the data's own range unless the axis is fixed
    assert all(label in chart.svg for label in labels)
