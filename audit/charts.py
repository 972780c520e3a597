"""Charts of the monthly review pack, drawn with matplotlib's Agg canvas.

Figures are built with ``matplotlib.figure.Figure`` and ``FigureCanvasAgg``
rather than pyplot, so drawing sets no global backend and keeps no figure
registry. The style sheet ``charts/review_pack.mplstyle`` and the fonts apply
only inside a ``matplotlib.style.context`` block around each drawing.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib.style
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from audit.errors import AuditError
from audit.labels import CATEGORIES, label, value_label
from audit.resources import builtin_dir

STYLE_FILE = "review_pack.mplstyle"
FONT_SUFFIXES = {".otf", ".ttf", ".ttc"}
LATIN_FAMILY = "DejaVu Sans"

# Greys and hatches for bars, so that series differ when printed in black and white.
VITAL_FEW_BAR = {"color": "0.35", "hatch": "//"}
OTHER_BAR = {"color": "white", "hatch": ".."}
SINGLE_BAR = {"color": "0.75", "hatch": "\\\\"}
HISTOGRAM_BARS = [{"color": "white", "hatch": "//"}, {"color": "0.55", "hatch": ""}]

# Handling times span minutes to months, so chart_5 bins them on a log scale;
# times under MIN_HOURS, zero included, are counted in the first bin.
MIN_HOURS = 0.1
HISTOGRAM_BINS = 30

# Date axes show at most this many ticks, so labels of long trends do not overlap.
MAX_DATE_TICKS = 18


def cjk_font_path() -> Path | None:
    """Return the font with Chinese glyphs: one in ``charts/fonts``, else Noto Sans SC.

    Noto Sans SC comes from the ``pylopdf-fonts-zh-cn`` package. Return None
    when neither is installed.
    """
    folder = builtin_dir("charts") / "fonts"
    for path in sorted(folder.glob("*")):
        if path.suffix.lower() in FONT_SUFFIXES:
            return path
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    return Path(pylopdf_fonts_zh_cn.sans_path())


@functools.cache
def _register_cjk_font() -> str | None:
    """Add the Chinese font to matplotlib's font manager; return its family name."""
    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=path).get_name()


def _font_families(lang: str) -> list[str]:
    """Return the font list: Chinese first for zh-CN, a fallback for English.

    Matplotlib takes each glyph from the first font of the list that has it,
    so Chinese data values still render in English charts.
    """
    cjk_family = _register_cjk_font()
    if cjk_family is None and lang == "zh-CN":
        raise AuditError(
            "no font with Chinese glyphs is installed, so Chinese chart labels "
            "would render as boxes",
            fix="Install the pylopdf-fonts-zh-cn package, or put a .otf or .ttf "
            "font with Chinese glyphs in the charts/fonts folder.",
        )
    if cjk_family is None:
        return [LATIN_FAMILY]
    if lang == "zh-CN":
        return [cjk_family, LATIN_FAMILY]
    return [LATIN_FAMILY, cjk_family]


@contextmanager
def chart_style(lang: str) -> Iterator[None]:
    """Apply the review pack's style sheet and fonts inside the block."""
    style_path = builtin_dir("charts") / STYLE_FILE
    fonts = {"font.family": _font_families(lang)}
    with matplotlib.style.context(str(style_path)), matplotlib.rc_context(fonts):
        yield


def _new_axes() -> tuple[Figure, Axes]:
    figure = Figure()
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _set_texts(axes: Axes, chart_id: str, lang: str) -> None:
    axes.set_title(label(f"chart.{chart_id}.title", lang))
    axes.set_xlabel(label(f"chart.{chart_id}.x", lang))
    axes.set_ylabel(label(f"chart.{chart_id}.y", lang))


def _is_empty(table: pa.Table | None) -> bool:
    return table is None or table.num_rows == 0


def _draw_no_data(axes: Axes, lang: str) -> None:
    axes.text(
        0.5, 0.5, label("chart.no_data", lang), transform=axes.transAxes,
        ha="center", va="center", fontsize=14, color="0.3",
    )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.grid(False)


def _shown(text: str) -> str:
    """Return text from the data with control characters as spaces.

    A tab or form feed in a carrier's name has no glyph in the chart fonts, so
    matplotlib would warn about it on every run.
    """
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def _ordered_keys(table: pa.Table, column: str, order: list[str]) -> list[str]:
    """Return the distinct values of ``column``, those in ``order`` first."""
    keys = [key for key in table.column(column).unique().to_pylist() if key is not None]
    rank = {key: position for position, key in enumerate(order)}
    return sorted(keys, key=lambda key: (rank.get(key, len(rank)), key))


def _rows_where(table: pa.Table, column: str, value: str) -> pa.Table:
    return table.filter(pc.equal(table.column(column), value))


def _set_date_ticks(axes: Axes, dates: list, date_format: str) -> None:
    """Put one tick on each date of the data, thinned to at most MAX_DATE_TICKS."""
    ticks = sorted(set(dates))
    step = -(-len(ticks) // MAX_DATE_TICKS)
    axes.set_xticks(ticks[::step])
    axes.xaxis.set_major_formatter(DateFormatter(date_format))
    _slant_x_labels(axes, 45)


def _slant_x_labels(axes: Axes, angle: float) -> None:
    """Rotate the x tick labels so that each ends under its tick."""
    for tick_label in axes.get_xticklabels():
        tick_label.set_rotation(angle)
        tick_label.set_horizontalalignment("right")
        tick_label.set_rotation_mode("anchor")


def _legend_outside(axes: Axes) -> None:
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _draw_lines(
    axes: Axes, table: pa.Table, columns: tuple[str, str], label_prefix: str, lang: str
) -> None:
    """Draw one line per category of ``table``, ``columns`` naming its x and y."""
    x_column, y_column = columns
    order = list(CATEGORIES) if label_prefix == "category" else []
    for category in _ordered_keys(table, "category", order):
        rows = _rows_where(table, "category", category)
        axes.plot(
            rows.column(x_column).to_pylist(),
            rows.column(y_column).to_pylist(),
            label=_shown(value_label(label_prefix, category, lang)),
        )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    _legend_outside(axes)


def draw_exception_trend(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_1: exceptions per month, one line per stage."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_1", lang)
    table = tables.get("ExceptionTrend")
    if _is_empty(table):
        _draw_no_data(axes, lang)
        return figure
    _draw_lines(axes, table, ("month", "exceptions"), "category", lang)
    _set_date_ticks(axes, table.column("month").to_pylist(), "%Y-%m")
    return figure


def _draw_pareto_bars(axes: Axes, table: pa.Table, lang: str) -> None:
    positions = list(range(table.num_rows))
    counts = table.column("exceptions").to_pylist()
    vital = table.column("vital_few").to_pylist()
    for is_vital, style, key in [
        (True, VITAL_FEW_BAR, "legend.vital_few"),
        (False, OTHER_BAR, "legend.other_rules"),
    ]:
        picked = [i for i in positions if bool(vital[i]) == is_vital]
        if picked:
            heights = [counts[i] for i in picked]
            axes.bar(picked, heights, label=label(f"chart.{key}", lang), **style)
    axes.set_xticks(positions, [_shown(rule) for rule in table.column("rule_id").to_pylist()])
    _slant_x_labels(axes, 45)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_cumulative_line(axes: Axes, table: pa.Table, lang: str) -> Axes:
    """Draw the cumulative share and the 80 percent line on a right-hand axis."""
    right = axes.twinx()
    right.spines["right"].set_visible(True)
    right.grid(False)
    right.plot(
        range(table.num_rows), table.column("cumulative_share").to_pylist(),
        color="black", linestyle="-", marker="o",
        label=label("chart.legend.cumulative_share", lang),
    )
    right.axhline(
        0.8, color="0.4", linestyle="--", marker="",
        label=label("chart.legend.pareto_line", lang),
    )
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    right.set_ylabel(label("chart.chart_2.y2", lang))
    return right


MAX_PARETO_BARS = 15


def draw_rule_pareto(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_2: exceptions by rule in Pareto order with the cumulative share."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_2", lang)
    table = tables.get("ByRule")
    if _is_empty(table):
        _draw_no_data(axes, lang)
        return figure
    # The long tail of rare rules would crowd the labels into an unreadable
    # band; the cumulative line still counts every rule, so cutting the tail
    # hides bars, not exceptions.
    table = table.slice(0, MAX_PARETO_BARS)
    _draw_pareto_bars(axes, table, lang)
    right = _draw_cumulative_line(axes, table, lang)
    bar_handles, bar_labels = axes.get_legend_handles_labels()
    line_handles, line_labels = right.get_legend_handles_labels()
    axes.legend(
        bar_handles + line_handles, bar_labels + line_labels,
        loc="upper left", bbox_to_anchor=(1.12, 1.0),
    )
    return figure


def draw_carrier_scorecard(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_3: on-time delivery rate per carrier, best at the top."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_3", lang)
    table = tables.get("CarrierScorecard")
    if not _is_empty(table):
        table = table.filter(pc.is_valid(table.column("on_time_rate")))
    if _is_empty(table):
        _draw_no_data(axes, lang)
        return figure
    rates = table.column("on_time_rate").to_pylist()
    carriers = [
        _shown(value_label("carrier", carrier, lang))
        for carrier in table.column("carrier").to_pylist()
    ]
    positions = list(range(len(rates)))
    bars = axes.barh(positions, rates, height=0.6, **SINGLE_BAR)
    axes.bar_label(bars, labels=[f"{rate:.1%}" for rate in rates], padding=3)
    axes.set_yticks(positions, carriers)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.1)
    axes.xaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    return figure


def draw_complaint_trend(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_4: complaints per ISO week, one line per complaint category."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_4", lang)
    table = tables.get("ComplaintTrend")
    if _is_empty(table):
        _draw_no_data(axes, lang)
        return figure
    _draw_lines(
        axes, table, ("week_start", "complaints"), "complaint_category", lang
    )
    _set_date_ticks(axes, table.column("week_start").to_pylist(), "%Y-%m-%d")
    return figure


def _handling_hours(
    table: pa.Table | None, lang: str
) -> list[tuple[np.ndarray, str]]:
    """Return the non-null hours of each handling time with its legend text."""
    if _is_empty(table):
        return []
    series = []
    for column, key in [
        ("first_response_hours", "legend.first_response"),
        ("resolution_hours", "legend.resolution"),
    ]:
        hours = pc.drop_null(table.column(column)).to_numpy()
        if len(hours):
            clipped = np.clip(hours, MIN_HOURS, None)
            series.append((clipped, label(f"chart.{key}", lang)))
    return series


def draw_response_times(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_5: histograms of hours to first response and to resolution."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_5", lang)
    series = _handling_hours(tables.get("ResponseTimes"), lang)
    if not series:
        _draw_no_data(axes, lang)
        return figure
    top = max(float(hours.max()) for hours, _ in series)
    bins = np.geomspace(MIN_HOURS, max(top, 10 * MIN_HOURS), HISTOGRAM_BINS + 1)
    _counts, _edges, patch_sets = axes.hist(
        [hours for hours, _ in series], bins=bins, label=[text for _, text in series],
        edgecolor="black",
    )
    patch_lists = _as_patch_lists(patch_sets, len(series))
    for patches, style in zip(patch_lists, HISTOGRAM_BARS, strict=False):
        for patch in patches:
            patch.set_facecolor(style["color"])
            patch.set_hatch(style["hatch"])
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend()
    return figure


def _as_patch_lists(patch_sets, series_count: int) -> list:
    """Return hist()'s patches as one list per series.

    hist() nests the patches in a list per series only when it draws several.
    """
    return list(patch_sets) if series_count > 1 else [patch_sets]


def draw_open_ageing(tables: dict[str, pa.Table], lang: str) -> Figure:
    """Draw chart_6: open exceptions per age band."""
    figure, axes = _new_axes()
    _set_texts(axes, "chart_6", lang)
    table = tables.get("OpenAgeing")
    if _is_empty(table):
        _draw_no_data(axes, lang)
        return figure
    bands = [
        value_label("age_band", band, lang)
        for band in table.column("age_band").to_pylist()
    ]
    counts = table.column("exceptions").to_pylist()
    bars = axes.bar(range(len(bands)), counts, **SINGLE_BAR)
    axes.bar_label(bars, padding=2)
    axes.set_xticks(range(len(bands)), bands)
    # Headroom for the count above the tallest bar, and a 0-1 axis when all are 0.
    axes.set_ylim(0, max(*counts, 1) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="x", visible=False)
    return figure


CHARTS = {
    "chart_1": draw_exception_trend,
    "chart_2": draw_rule_pareto,
    "chart_3": draw_carrier_scorecard,
    "chart_4": draw_complaint_trend,
    "chart_5": draw_response_times,
    "chart_6": draw_open_ageing,
}


def build_figures(tables: dict[str, pa.Table], lang: str) -> dict[str, Figure]:
    """Build every chart's figure without saving it, keyed by chart id."""
    with chart_style(lang):
        return {chart_id: draw(tables, lang) for chart_id, draw in CHARTS.items()}


def draw_charts(
    tables: dict[str, pa.Table], out_dir: Path, lang: str
) -> dict[str, Path]:
    """Draw every chart as ``<chart id>.png`` in ``out_dir``; return the paths by id.

    ``tables`` are the report tables from ``audit.reports.compute_reports``; a
    missing or empty table draws a chart that shows "no data".
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with chart_style(lang):
        for chart_id, draw in CHARTS.items():
            path = out_dir / f"{chart_id}.png"
            draw(tables, lang).savefig(path)
            paths[chart_id] = path
    return paths


def figure_metadata(figure: Figure) -> dict:
    """Return a figure's title, axis labels, legend texts and other texts."""
    axes = figure.axes[0]
    right = figure.axes[1].get_ylabel() if len(figure.axes) > 1 else None
    legend = axes.get_legend()
    return {
        "title": axes.get_title(),
        "xlabel": axes.get_xlabel(),
        "ylabel": axes.get_ylabel(),
        "ylabel_right": right,
        "legend": [text.get_text() for text in legend.get_texts()] if legend else [],
        "texts": [text.get_text() for text in axes.texts],
    }


def chart_metadata(tables: dict[str, pa.Table], lang: str) -> dict[str, dict]:
    """Return each chart's metadata (see figure_metadata), keyed by chart id."""
    figures = build_figures(tables, lang)
    return {chart_id: figure_metadata(figure) for chart_id, figure in figures.items()}
