"""The house style for every chart: trend charts and SPC charts, as SVG and PNG with alt text.

One look across the project: the Okabe-Ito colour-blind-safe palette, and every series also
told apart by line style and marker, so that nothing depends on colour alone (WCAG 1.4.1).
Charts are drawn with matplotlib's object API (no pyplot state), written as SVG with a fixed
hash salt and no date, so the same figures give byte-identical files. Word's PNG copy is made
from that SVG by the renderer, and only when a Word file is asked for
(:func:`safeguarding.render.write_pngs`). Each chart carries alt text that states its message,
not its shape ("fell from 24% to 19% over four quarters").

Drawing is most of a report's own work, and the same chart is drawn again by a rerun, a
preview's every edit and the thematic reports (which repeat the scorecard's charts), so each
SVG is kept by a key made of everything it is drawn from (:func:`chart_key`): in memory for the
process, and on disk under the project's ``.cache/charts/`` when :func:`use_cache_dir` names
it. A key that differs in any input, in this module's or the catalogue's source, in matplotlib
or in its settings is a different chart, drawn afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")  # no GUI backend, even when a notebook asks for inline figures

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from . import cache  # noqa: E402
from .catalogue import Indicator  # noqa: E402

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
OWN = {"color": OKABE_ITO["blue"], "linestyle": "-", "marker": "o", "linewidth": 2.4}
ENGLAND = {"color": OKABE_ITO["vermillion"], "linestyle": "--", "marker": "s", "linewidth": 1.6}
NEIGHBOURS = {"color": OKABE_ITO["green"], "linestyle": ":", "marker": "^", "linewidth": 1.8}
TARGET = {"color": OKABE_ITO["black"], "linestyle": "-.", "linewidth": 1.3}
BAND_FILL = "#D9D9D9"
FONT = ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"]

STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": FONT,
    "font.size": 9,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text: smaller, searchable, crisp in the PDF
    "svg.hashsalt": "safeguarding",  # fixed ids: byte-identical rebuilds
}
SIZE = (6.4, 2.9)  # inches: the width of an A4 text column, short enough for two per page
# inches around the axes: y label and 6-character tick labels; tick labels and a legend below
MARGINS = {"left": 0.72, "right": 0.28, "top": 0.1, "bottom": 0.8}
LEGEND_COLUMNS = 3  # a legend of up to six entries in at most two rows inside the width


@dataclass(frozen=True)
class Chart:
    """A chart as SVG (screen, PDF, and Word's PNG made from it), with its text alternative
    and caption, displayable in a notebook."""

    svg: str
    alt: str
    caption: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None):
        data = {"image/svg+xml": self.svg, "text/plain": self.alt}
        return data, {"safeguarding": {"alt": self.alt, "caption": self.caption}}


Series = Sequence[float | None]
Reference = float | Series | None


# --- helpers ---------------------------------------------------------------------------
def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_series(ref: Reference, n: int) -> list[float | None]:
    """A comparator or target given once (a year's figure) spread across the x positions."""
    if ref is None:
        return [None] * n
    if isinstance(ref, int | float):
        return [float(ref)] * n
    values = [None if _missing(v) else float(v) for v in ref]
    if len(values) != n:
        raise ValueError(f"expected {n} values to match the periods, got {len(values)}")
    return values


def _to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    # The DOCTYPE names a remote DTD; browsers never load it but it is noise in a
    # self-contained file, so drop it (and the XML declaration, for inlining).
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    return re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg, flags=re.S)


# --- the chart cache -------------------------------------------------------------------
MEMO_SIZE = 512  # SVGs kept in memory (about 15 kB each)
_MEMO: OrderedDict[str, str] = OrderedDict()
_CACHE_DIR: Path | None = None


def use_cache_dir(folder: str | Path | None) -> None:
    """Keep charts on disk in ``folder`` as well as in memory (None: in memory only)."""
    global _CACHE_DIR
    _CACHE_DIR = Path(folder) if folder else None


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """What every chart depends on besides its inputs: this module's and the catalogue's
    source (labels, rounding, formats) and matplotlib's version."""
    from . import catalogue

    digest = hashlib.sha256(matplotlib.__version__.encode())
    for module in (__file__, catalogue.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


def chart_key(kind: str, *inputs: Any) -> str:
    """The key of one chart: its kind, the ``repr`` of every input (indicator definitions,
    labels, values, references, words), matplotlib's settings and the code's fingerprint."""
    settings = repr(sorted((k, repr(v)) for k, v in matplotlib.rcParams.items()))
    text = repr((kind, _code_fingerprint(), settings, inputs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cached_svg(key: str, draw: Callable[[], str]) -> str:
    """The SVG stored under ``key`` (memory, then disk), else drawn and stored."""
    svg = _MEMO.get(key)
    if svg is not None:
        _MEMO.move_to_end(key)
        return svg
    path = _CACHE_DIR / key[:2] / f"{key}.svg" if _CACHE_DIR else None
    if path is not None:
        try:
            svg = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            svg = None
    if svg is None:
        svg = draw()
        if path is not None:
            cache.store(path, svg.encode("utf-8"))
    _MEMO[key] = svg
    while len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return svg


def clear_cache() -> None:
    """Forget the charts held in memory (the disk cache is left as it is)."""
    _MEMO.clear()


def _new_figure() -> tuple[Figure, Any]:
    """A Figure and its Axes with the house margins (drawn under ``STYLE``)."""
    # Fixed margins, not constrained layout or a tight bounding box: every chart has the same
    # furniture (y label, short tick labels, a one-row legend below), and the layout solver
    # was half of each chart's time (0.18 s -> 0.09 s; a scorecard has 18 charts).
    fig = Figure(figsize=SIZE, dpi=100)
    width, height = SIZE
    fig.subplots_adjust(**{side: round(inches, 4) for side, inches in {
        "left": MARGINS["left"] / width,
        "right": 1 - MARGINS["right"] / width,
        "top": 1 - MARGINS["top"] / height,
        "bottom": MARGINS["bottom"] / height,
    }.items()})  # fmt: skip
    return fig, fig.add_subplot()


# One Figure and Axes per thread, drawn on again and again: a new Figure and Axes, and the
# Tick objects matplotlib builds for them on the first draw (a tick per quarter, each a copy
# of a template tick), were a third of every chart's CPU. Only the chart's own artists and
# settings change between charts; the furniture (spines, axes, ticks, grid) is made under the
# same rcParams and is left as matplotlib leaves it. tests/test_chart_reuse.py and
# benchmarks/chart_identity.py show the SVGs are byte for byte those of a fresh Figure.
_CANVAS = threading.local()


def _canvas() -> tuple[Figure, Any]:
    """The thread's Figure and Axes, as a fresh one would be (called under ``STYLE``)."""
    settings = dict(matplotlib.rcParams)  # the furniture carries the settings it was made with
    held = getattr(_CANVAS, "held", None)
    if held is None or held[0] != settings:
        fig, ax = _new_figure()
        _CANVAS.held = (settings, fig, ax)
        return fig, ax
    _, fig, ax = held
    _reset(ax)
    return fig, ax


def _reset(ax: Any) -> None:
    """Take the last chart off ``ax``: its artists, legend, limits, margins and colour cycle
    back to what ``Axes.clear`` leaves (labels, ticks and formatters each chart sets)."""
    if ax.legend_ is not None:
        ax.legend_.remove()
    for kind in (ax.artists, ax.collections, ax.images, ax.lines, ax.patches, ax.tables, ax.texts):
        for artist in list(kind):
            artist.remove()
    ax.containers = []
    ax.set_prop_cycle(None)
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.use_sticky_edges = True
    ax.margins(x=matplotlib.rcParams["axes.xmargin"], y=matplotlib.rcParams["axes.ymargin"])
    ax.set_xlim(0, 1, auto=True)
    ax.set_ylim(0, 1, auto=True)


@contextlib.contextmanager
def _chart() -> Iterator[tuple[Figure, Any]]:
    """The house style and a clean Figure and Axes to draw one chart on (a chart that fails
    half drawn takes its Figure with it)."""
    with matplotlib.rc_context(STYLE):
        fig, ax = _canvas()
        try:
            yield fig, ax
        except BaseException:
            _CANVAS.held = None
            raise


def _axis_label(indicator: Indicator) -> str:
    return {
        "percent": "Per cent",
        "count": "Number",
        "rate_per_10000": "Per 10,000 children",
        "days": "Days",
    }.get(indicator.unit, "")


def axis_label(indicator: Indicator, annualised: bool = False, monthly: bool = False) -> str:
    """The y axis's label: the unit and the figure's window, so that a year-to-date or
    annualised figure is never read as the quarter's own."""
    unit = _axis_label(indicator)
    if annualised:
        return f"{unit}, a year" if unit != "Number" else "Number a year"
    if indicator.window == "snapshot":
        return f"{unit}, at {'month' if monthly else 'quarter'} end"
    if monthly:
        return f"{unit}, in the month"
    if indicator.window == "in_period":
        return f"{unit}, in the quarter"
    return f"{unit}, {indicator.window_name}"


def _format_axis(ax: Any, indicator: Indicator, label: str | None = None) -> None:
    ax.set_ylabel(label or _axis_label(indicator))
    if indicator.unit == "percent":
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}%")
    else:
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}" if v == int(v) else f"{v:g}")
    _, top = ax.get_ylim()
    # Headroom above the highest point, so its marker is not cut by the frame (the
    # autoscaled margin is a share of the data's range, which is small once 0 is the floor).
    if math.isfinite(ax.dataLim.y1):
        top = max(top, ax.dataLim.y1 * 1.08)
    # A series of zeros would otherwise get a scale of hundredths; keep a readable range.
    floor = 10.0 if indicator.unit == "percent" else 5.0
    ax.set_ylim(bottom=0, top=max(top, floor))
    ax.margins(x=0.04)


def _plot_line(ax: Any, x: list[int], values: list[float | None], style: dict, label: str) -> bool:
    """Plot a series; missing or hidden points leave gaps rather than joining across them."""
    if all(_missing(v) for v in values):
        return False
    ys = [float("nan") if _missing(v) else v for v in values]
    ax.plot(x, ys, label=label, markersize=5 if style is OWN else 4, **style)
    return True


# --- alt text --------------------------------------------------------------------------
def _same_side_since(
    own: list[float | None], ref: list[float | None], labels: Sequence[str], indicator: Indicator
) -> tuple[str, str] | None:
    """('above'|'below'|'in line with', since label) for the run ending at the latest point."""
    pairs = [
        (lab, indicator.round(o), indicator.round(r))
        for lab, o, r in zip(labels, own, ref, strict=True)
        if not _missing(o) and not _missing(r)
    ]
    if not pairs:
        return None

    def side(o: float, r: float) -> str:
        return "above" if o > r else "below" if o < r else "in line with"

    last = side(pairs[-1][1], pairs[-1][2])
    since = pairs[-1][0]
    for lab, o, r in reversed(pairs):
        if side(o, r) != last:
            break
        since = lab
    return last, since


def trend_alt_text(
    indicator: Indicator,
    labels: Sequence[str],
    values: Series,
    england: Reference = None,
    neighbours: Reference = None,
    target: Reference = None,
    suppressed: Sequence[str] = (),
    counted: str = "",
) -> str:
    """A sentence or two stating what a trend chart shows (``counted``: what each point
    counts, e.g. "year to date at each quarter", named after the indicator)."""
    n = len(labels)
    own = _as_series(values, n)
    known = [(lab, v) for lab, v in zip(labels, own, strict=True) if not _missing(v)]
    name = f"{indicator.label} ({counted})" if counted else indicator.label
    parts: list[str] = []
    if not known:
        parts.append(f"{name}: no figures can be shown for {labels[0]} to {labels[-1]}.")
    elif len(known) == 1:
        parts.append(f"{name} was {indicator.format(known[0][1])} in {known[0][0]}.")
    else:
        (l0, v0), (l1, v1) = known[0], known[-1]
        r0, r1 = indicator.round(v0), indicator.round(v1)
        steps = list(labels).index(l1) - list(labels).index(l0) + 1
        span = f"over {steps} {'quarters' if 'Q' in l1 else 'periods'}"
        if r1 > r0:
            verb = "rose"
        elif r1 < r0:
            verb = "fell"
        else:
            verb = None
        if verb:
            parts.append(
                f"{name} {verb} from {indicator.format(v0)} in {l0} to "
                f"{indicator.format(v1)} in {l1} ({span})"
            )
        else:
            parts.append(f"{name} was {indicator.format(v1)} in both {l0} and {l1}")
    if known:
        comparisons = []
        for ref, what in (
            (england, "the England average"),
            (neighbours, "the neighbours' average"),
        ):
            found = _same_side_since(own, _as_series(ref, n), labels, indicator)
            if found:
                side_, since = found
                when = "" if since == known[-1][0] else f" since {since}"
                comparisons.append(f"{side_} {what}{when}")
        if comparisons:
            parts[-1] += ", " + " and ".join(comparisons)
        parts[-1] += "."
        tgt = _as_series(target, n)[labels.index(known[-1][0])]
        if indicator.polarity == "band" and indicator.band:
            lo, hi = indicator.band
            v = indicator.round(known[-1][1])
            where = "within" if lo <= v <= hi else "above" if v > hi else "below"
            parts.append(
                f"The latest figure is {where} the {indicator.format(lo)} to "
                f"{indicator.format(hi)} band."
            )
        elif not _missing(tgt):
            v, t = indicator.round(known[-1][1]), indicator.round(tgt)
            where = "above" if v > t else "below" if v < t else "at"
            parts.append(f"The latest figure is {where} the target of {indicator.format(tgt)}.")
    if suppressed:
        parts.append(
            f"Figures for {', '.join(suppressed)} are not shown because they rest on fewer "
            "than six children."
        )
    return " ".join(parts)


# --- charts ----------------------------------------------------------------------------
def _plain(ref: Reference) -> Any:
    """A reference as plain data for a chart's key (a list, a number or None)."""
    return ref if ref is None or isinstance(ref, int | float) else list(ref)


def _draw_trend(
    indicator: Indicator,
    labels: Sequence[str],
    values: Series,
    england: Reference,
    neighbours: Reference,
    target: Reference,
    own_label: str,
    suppressed: Sequence[str],
    ylabel: str | None,
) -> str:
    n = len(labels)
    x = list(range(n))
    with _chart() as (fig, ax):
        if indicator.polarity == "band" and indicator.band:
            lo, hi = indicator.band
            ax.axhspan(lo, hi, color=BAND_FILL, zorder=0, linewidth=0)
        handles_extra = []
        tgt = _as_series(target, n)
        if indicator.polarity != "band" and any(not _missing(t) for t in tgt):
            _plot_line(ax, x, tgt, TARGET, "Target")
        _plot_line(ax, x, _as_series(england, n), ENGLAND, "England")
        _plot_line(ax, x, _as_series(neighbours, n), NEIGHBOURS, "Statistical neighbours")
        _plot_line(ax, x, _as_series(values, n), OWN, own_label)
        if indicator.polarity == "band" and indicator.band:
            lo, hi = indicator.band
            band_label = f"Target band {indicator.format(lo)} to {indicator.format(hi)}"
            handles_extra.append(Patch(facecolor=BAND_FILL, label=band_label))
        for i, lab in enumerate(labels):
            if lab in suppressed:
                ax.annotate(
                    "c",
                    (i, 0),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    fontsize=9,
                    color="#333333",
                )
        ax.set_xticks(x, list(labels))
        # every quarter the caption names is on the axis, drawn or not (a series that starts
        # late would otherwise shrink the axis to its own quarters); room for the end labels
        ax.set_xlim(-0.45, n - 0.55)
        _format_axis(ax, indicator, ylabel)
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles=[*handles[::-1], *handles_extra],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=LEGEND_COLUMNS,
            fontsize=8,
            handlelength=2.6,
        )
        return _to_svg(fig)


def trend_chart(
    indicator: Indicator,
    labels: Sequence[str],
    values: Series,
    england: Reference = None,
    neighbours: Reference = None,
    target: Reference = None,
    own_label: str = "This authority",
    suppressed: Sequence[str] = (),
    caption: str | None = None,
    ylabel: str | None = None,
    counted: str = "",
) -> Chart:
    """The indicator's figures by period against England, neighbours and target.

    ``england``/``neighbours``/``target`` are one figure (drawn flat) or one per period;
    ``suppressed`` names the periods whose figure is hidden for disclosure control (they
    appear as gaps, and the alt text says why).
    """
    key = chart_key(
        "trend", indicator, list(labels), list(values), _plain(england), _plain(neighbours),
        _plain(target), own_label, list(suppressed), ylabel,
    )  # fmt: skip
    svg = _cached_svg(
        key,
        lambda: _draw_trend(
            indicator, labels, values, england, neighbours, target, own_label, suppressed, ylabel
        ),
    )
    alt = trend_alt_text(
        indicator, labels, values, england, neighbours, target, suppressed, counted
    )
    caption = caption or f"{indicator.label}, {labels[0]} to {labels[-1]}"
    return Chart(svg, alt, caption)


SPC_KINDS = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neither": "neither",
}
# Making Data Count's colours and words for each point type
SPC_STYLES = {
    "improvement": (OKABE_ITO["blue"], "^", "Special cause improvement"),
    "concern": (OKABE_ITO["orange"], "v", "Special cause concern"),
    "neither": (OKABE_ITO["purple"], "D", "Special cause variation"),
}


def _spc_kinds(result: Any, labels: Sequence[str]) -> list[str]:
    """Each period's SPC class (``improvement``/``concern``/``neither``/``common``), from the
    result's per-point ``signal`` column (indexed by label; missing months are common)."""
    signals = result.points["signal"]
    return [SPC_KINDS.get(str(signals.get(lab, "")), "common") for lab in labels]


def _phase_lines(result: Any, labels: Sequence[str], column: str) -> list[list[float | None]]:
    """One series per phase for ``column`` (mean, lower, upper): a recalculation starts a
    new line rather than joining the old level to the new one."""
    starts = {b.label for b in getattr(result, "breaks", [])}
    column_values = result.points[column]
    lines: list[list[float | None]] = [[None] * len(labels)]
    for i, lab in enumerate(labels):
        if lab in starts:
            lines.append([None] * len(labels))
        value = column_values.get(lab)
        lines[-1][i] = None if value is None or _missing(float(value)) else float(value)
    return [line for line in lines if any(v is not None for v in line)]


def _fit_to_limits(ax: Any, result: Any, values: list[float | None]) -> None:
    """An SPC chart's scale spans the points and limits, not zero upwards: on a count of
    hundreds a zero floor flattens the variation the chart is there to show (never below 0)."""
    points = result.points
    shown = [v for v in values if not _missing(v)]
    low = min([*shown, *points["lower"].tolist(), *points["mean"].tolist()])
    high = max([*shown, *points["upper"].tolist()])
    pad = max((high - low) * 0.08, 0.5)
    ax.set_ylim(bottom=max(0.0, low - pad), top=high + pad)


def _draw_spc(
    indicator: Indicator,
    labels: Sequence[str],
    own: list[float | None],
    result: Any,
    kinds: list[str],
    ylabel: str | None,
) -> str:
    n = len(labels)
    x = list(range(n))
    with _chart() as (fig, ax):
        ax.plot(
            x,
            [float("nan") if _missing(v) else v for v in own],
            color="#7F7F7F",
            linewidth=1.2,
            marker="o",
            markersize=3.5,
            label="Common cause variation",
            zorder=2,
        )
        for k, line in enumerate(_phase_lines(result, labels, "mean")):
            ys = [float("nan") if v is None else v for v in line]
            ax.plot(x, ys, color=OKABE_ITO["black"], linewidth=1.2, label="Mean" if not k else None)
        for column in ("upper", "lower"):
            for k, line in enumerate(_phase_lines(result, labels, column)):
                ys = [float("nan") if v is None else v for v in line]
                first = column == "upper" and not k
                ax.plot(
                    x,
                    ys,
                    color=OKABE_ITO["black"],
                    linestyle="--",
                    linewidth=1,
                    label="Process limits" if first else None,
                )
        target = getattr(result, "target", None)
        if target is not None and indicator.polarity in ("high", "low"):
            ax.axhline(target, label="Target", **{k: v for k, v in TARGET.items()})
        for b in getattr(result, "breaks", []):
            if b.label in labels:
                at = list(labels).index(b.label) - 0.5
                ax.axvline(at, color="#555555", linestyle=":", linewidth=1)
                ax.annotate(
                    "limits recalculated",
                    (at, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -10),
                    textcoords="offset points",
                    fontsize=7,
                    color="#333333",
                )
        for kind, (colour, marker, label) in SPC_STYLES.items():
            pts = [
                (i, v)
                for i, v, k in zip(x, own, kinds, strict=True)
                if k == kind and not _missing(v)
            ]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.scatter(
                    xs,
                    ys,
                    color=colour,
                    marker=marker,
                    s=42,
                    zorder=3,
                    edgecolors="#000000",
                    linewidths=0.6,
                    label=label,
                )
        step = max(1, math.ceil(n / 8))  # month labels need ~0.6 in each
        ax.set_xticks(x[::step], list(labels)[::step])
        _format_axis(ax, indicator, ylabel)
        _fit_to_limits(ax, result, own)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=LEGEND_COLUMNS, fontsize=8)
        return _to_svg(fig)


def spc_chart(
    indicator: Indicator,
    labels: Sequence[str],
    values: Series,
    result: Any,
    caption: str | None = None,
    ylabel: str | None = None,
) -> Chart:
    """An XmR chart: the series, its mean and process limits (a new line from each
    recalculation, marked), points coloured by Making Data Count's point types.

    ``result`` is what :func:`safeguarding.spc.spc` returns for the series indexed by
    ``labels`` (each point's phase mean, limits and signal).
    """
    kinds = _spc_kinds(result, labels)
    own = _as_series(values, len(labels))
    points = result.points[["mean", "lower", "upper", "signal"]]  # all the drawing reads
    key = chart_key(
        "spc", indicator, list(labels), own, points.to_csv(),
        [b.label for b in getattr(result, "breaks", [])], getattr(result, "target", None), ylabel,
    )  # fmt: skip
    svg = _cached_svg(key, lambda: _draw_spc(indicator, labels, own, result, kinds, ylabel))
    alt = spc_alt_text(indicator, labels, own, result, kinds)
    caption = caption or f"{indicator.label}, monthly, {labels[0]} to {labels[-1]} (SPC chart)"
    return Chart(svg, alt, caption)


def spc_alt_text(
    indicator: Indicator,
    labels: Sequence[str],
    values: Series,
    result: Any,
    kinds: Sequence[str],
) -> str:
    """What an SPC chart shows: the mean (and any recalculation), then the special causes
    in Making Data Count's words, or that every month is common cause variation."""
    known = [v for v in values if not _missing(v)]
    text = f"{indicator.label}, monthly from {labels[0]} to {labels[-1]}"
    if not known:
        return text + "; no figures can be shown."
    means = [line for line in _phase_lines(result, labels, "mean")]
    first = next(v for v in means[0] if v is not None)
    text += f", around a mean of {indicator.format(first)}"
    for b, line in zip(getattr(result, "breaks", []), means[1:], strict=False):
        level = next(v for v in line if v is not None)
        text += f", recalculated from {b.label} at {indicator.format(level)}"
    special = [
        (lab, k)
        for lab, k in zip(labels, kinds, strict=True)
        if k in ("improvement", "concern", "neither")
    ]
    if not special:
        return text + ". Every month shows common cause variation."
    by_kind: dict[str, list[str]] = {}
    for lab, k in special:
        by_kind.setdefault(k, []).append(lab)
    bits = [f"{SPC_STYLES[k][2].lower()} in {', '.join(labs)}" for k, labs in by_kind.items()]
    return text + ". " + "; ".join(bits)[:1].upper() + "; ".join(bits)[1:] + "."
