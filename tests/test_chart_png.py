"""Charts for Word: a PNG at print resolution beside every SVG, drawn by matplotlib itself."""

from __future__ import annotations

import base64
import io

from PIL import Image
from safeguarding import charts
from safeguarding.catalogue import catalogue

CAT = catalogue()
Q = ["Q1 24-25", "Q2 24-25", "Q3 24-25", "Q4 24-25"]


def _chart() -> charts.Chart:
    return charts.trend_chart(CAT["NI65"], Q, [18.2, 17.4, None, 12.0], england=13.6)


def test_png_is_print_resolution_at_the_charts_size_and_deterministic():
    one, two = _chart(), _chart()
    assert one.png == two.png  # no date or software stamp: rebuilds give the same bytes
    image = Image.open(io.BytesIO(one.png))
    assert image.format == "PNG"
    assert [round(d) for d in image.info["dpi"]] == [charts.PRINT_DPI] * 2 == [300, 300]
    assert image.size == (round(charts.SIZE[0] * 300), round(charts.SIZE[1] * 300))
    assert b"Software" not in one.png and b"tIME" not in one.png
    # drawn, not blank: a good share of the picture is ink
    grey = image.convert("L")
    assert sum(grey.histogram()[:200]) > 0.02 * image.size[0] * image.size[1]


def test_png_travels_in_the_notebook_output_with_the_svg_and_alt_text():
    chart = _chart()
    data, meta = chart._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]) == chart.png
    assert data["image/svg+xml"] == chart.svg
    assert meta["safeguarding"]["alt"] == chart.alt


def test_spc_chart_has_its_png_too():
    import pandas as pd
    from safeguarding import spc

    labels = [f"M{n:02d}" for n in range(1, 19)]
    values = [50, 52, 49, 51, 50, 53, 48, 50, 51, 49, 52, 50, 70, 50, 51, 49, 50, 52]
    result = spc.spc(pd.Series(values, index=labels, dtype="float64"), "none", None)
    chart = charts.spc_chart(CAT["CPP_AT_END"], labels, values, result)
    assert chart.png.startswith(b"\x89PNG")
