"""Charts for Word: a PNG at print resolution beside every SVG, drawn from it by Typst only
when a Word file is rendered; the notebook carries the SVG alone."""

from __future__ import annotations

import io

from PIL import Image
from safeguarding import charts, render
from safeguarding.catalogue import catalogue

CAT = catalogue()
Q = ["Q1 24-25", "Q2 24-25", "Q3 24-25", "Q4 24-25"]


def _chart() -> charts.Chart:
    return charts.trend_chart(CAT["NI65"], Q, [18.2, 17.4, None, 12.0], england=13.6)


def _spc_chart() -> charts.Chart:
    import pandas as pd
    from safeguarding import spc

    labels = [f"M{n:02d}" for n in range(1, 19)]
    values = [50, 52, 49, 51, 50, 53, 48, 50, 51, 49, 52, 50, 70, 50, 51, 49, 50, 52]
    result = spc.spc(pd.Series(values, index=labels, dtype="float64"), "none", None)
    return charts.spc_chart(CAT["CPP_AT_END"], labels, values, result)


def _pngs(tmp_path, *svgs: str) -> list[bytes]:
    paths = []
    for n, svg in enumerate(svgs, start=1):
        path = tmp_path / f"figure-{n:02d}.svg"
        path.write_text(svg, encoding="utf-8")
        paths.append(path)
    return [p.read_bytes() for p in render.write_pngs(paths)]


def test_png_is_print_resolution_at_the_charts_size_and_deterministic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    svg = _chart().svg
    [one], [two] = _pngs(tmp_path / "a", svg), _pngs(tmp_path / "b", svg)
    assert one == two  # no date or software stamp: rebuilds give the same bytes
    image = Image.open(io.BytesIO(one))
    assert image.format == "PNG"
    assert [round(d) for d in image.info["dpi"]] == [render.PRINT_DPI] * 2 == [220, 220]
    assert image.size == (round(charts.SIZE[0] * 220), round(charts.SIZE[1] * 220))
    assert b"Software" not in one and b"tIME" not in one
    # drawn, not blank: a good share of the picture is ink, on a white (opaque) ground
    grey = image.convert("L")
    assert sum(grey.histogram()[:200]) > 0.02 * image.size[0] * image.size[1]
    assert image.convert("RGBA").getpixel((2, 2)) == (255, 255, 255, 255)


def test_every_chart_gets_its_own_png_in_one_go_and_a_png_already_there_is_kept(tmp_path):
    trend, spc_ = _chart().svg, _spc_chart().svg
    (tmp_path / "figure-03.svg").write_text(trend, encoding="utf-8")
    (tmp_path / "figure-03.png").write_bytes(b"\x89PNG kept")
    paths = []
    for n, svg in ((1, trend), (2, spc_)):
        paths.append(tmp_path / f"figure-{n:02d}.svg")
        paths[-1].write_text(svg, encoding="utf-8")
    written = render.write_pngs([*paths, tmp_path / "figure-03.svg"])
    first, second, kept = (p.read_bytes() for p in written)
    assert first.startswith(b"\x89PNG") and second.startswith(b"\x89PNG") and first != second
    assert kept == b"\x89PNG kept"
    assert not list(tmp_path.glob("*.typ"))  # the page source is not left behind


def test_the_notebook_carries_the_svg_and_alt_text_but_no_png():
    for chart in (_chart(), _spc_chart()):
        data, meta = chart._repr_mimebundle_()
        assert data["image/svg+xml"] == chart.svg and chart.svg.lstrip().startswith("<svg")
        assert "image/png" not in data
        assert meta["safeguarding"]["alt"] == chart.alt


def test_a_chart_rasterised_before_is_copied_from_the_cache_and_a_changed_one_is_not(
    tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    trend, spc_ = _chart().svg, _spc_chart().svg
    first = tmp_path / "first"
    first.mkdir()
    (first / "figure-01.svg").write_text(trend, encoding="utf-8")
    [drawn] = render.write_pngs([first / "figure-01.svg"], cache_dir=cache)
    assert len(list(cache.rglob("*.png"))) == 1
    calls = []
    real = render._draw_pngs
    monkeypatch.setattr(
        render, "_draw_pngs", lambda svgs, dpi: calls.append(svgs) or real(svgs, dpi)
    )
    second = tmp_path / "second"
    second.mkdir()
    (second / "figure-01.svg").write_text(spc_, encoding="utf-8")  # another chart
    (second / "figure-02.svg").write_text(trend, encoding="utf-8")  # the same chart again
    out = render.write_pngs(sorted(second.glob("*.svg")), cache_dir=cache)
    assert [p.name for p in calls[0]] == ["figure-01.svg"]  # only the new chart was drawn
    assert out[1].read_bytes() == drawn.read_bytes()
    # the cached copy is the PNG drawn afresh, and another resolution is another picture
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "figure-01.svg").write_text(trend, encoding="utf-8")
    assert render.write_pngs([fresh / "figure-01.svg"])[0].read_bytes() == drawn.read_bytes()
    (fresh / "figure-01.png").unlink()
    render.write_pngs([fresh / "figure-01.svg"], dpi=150, cache_dir=cache)
    assert len(calls) == 3 and len(list(cache.rglob("*.png"))) == 3


def test_typst_memory_is_released_after_each_compile_and_the_png_drawn_after_is_the_same(
    tmp_path, monkeypatch
):
    # a worker renders report after report: Typst's memoised pixmaps of one report's pictures
    # must not be kept for the next ten (the national batch's peak memory, issue 17)
    released = []
    real = render.release_typst_memory
    monkeypatch.setattr(render, "release_typst_memory", lambda: released.append(1) or real())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    svg = _chart().svg
    [one] = _pngs(tmp_path / "a", svg)
    assert released == [1]
    [two] = _pngs(tmp_path / "b", svg)  # drawn afresh, nothing of the first kept
    assert released == [1, 1]
    assert one == two
