"""The weekly report's charts as PNG bytes: matplotlib figures without pyplot, with a CJK font for Chinese text."""

from __future__ import annotations

import functools
import io
import logging
import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from monitor.report.labels import labels_for
from monitor.report.model import GpuSection, MarketSection, TrafficSection

__all__ = [
    "CJK_FONT_PACKAGE",
    "MAX_TREND_PANELS",
    "cjk_font_name",
    "font_family",
    "gpu_trend_png",
    "index_week_png",
    "traffic_change_png",
]

logger = logging.getLogger(__name__)

#: the Debian package the charts' Chinese text needs (installed by `make` and CI)
CJK_FONT_PACKAGE = "fonts-noto-cjk"
#: CJK fonts tried in order; the SC (simplified Chinese) faces first: they carry the mainland glyph forms
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)
LATIN_FONT = "DejaVu Sans"  # bundled with matplotlib, so always there
DPI = 100
PANEL_SIZE_IN = (4.2, 2.6)
MAX_TREND_PANELS = 12
PANEL_COLUMNS = 3
#: matplotlib's tab10, by position, so that a provider keeps its colour in every panel
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")  # fmt: skip


#: file names of CJK font files, for fonts installed after matplotlib made its font list
CJK_FONT_FILES = ("NotoSansCJK", "SourceHanSans", "wqy-zenhei", "wqy-microhei", "DroidSansFallback")


def _installed_cjk_font() -> str | None:
    manager = font_manager.fontManager
    installed = {entry.name for entry in manager.ttflist}
    for name in CJK_FONT_NAMES:
        if name not in installed:
            continue
        try:
            manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return None


@functools.cache
def cjk_font_name() -> str | None:
    """The first installed CJK font of CJK_FONT_NAMES (None, with one warning naming the package, when none is)."""
    name = _installed_cjk_font()
    if name is None:
        # matplotlib's font list is a cache made at its first import: a font installed since is not in it.
        fresh = [path for path in font_manager.findSystemFonts() if Path(path).name.startswith(CJK_FONT_FILES)]
        for path in fresh:
            font_manager.fontManager.addfont(path)
        name = _installed_cjk_font() if fresh else None
    if name is None:
        logger.warning(
            "no CJK font found for the report charts: Chinese text would show as boxes; install Debian's %s "
            "(apt-get install %s)",
            CJK_FONT_PACKAGE,
            CJK_FONT_PACKAGE,
        )
    return name


def font_family() -> list[str]:
    """The family list of every chart text: DejaVu Sans for Latin, then the CJK font for what it lacks."""
    cjk = cjk_font_name()
    return [LATIN_FONT, cjk] if cjk else [LATIN_FONT]


def _figure(width_in: float, height_in: float, *, layout: Literal["constrained"] | None = "constrained") -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white", layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    # Each text is given the family where it is made (tick labels through tick_params in _style): one left
    # with matplotlib's default would warn of a missing glyph for Chinese, which the tests turn into an error.
    out = io.BytesIO()
    # No "Software" entry (it carries matplotlib's version) so the same data gives the same bytes.
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _style(axes: Axes) -> None:
    axes.tick_params(labelsize=8, labelfontfamily=font_family())
    axes.grid(True, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _pct_label(value: float) -> str:
    return f"{value:+.2f}%" if value else "0.00%"


def gpu_trend_png(section: GpuSection, lang: str) -> bytes | None:
    """Price per GPU-hour over the trend's days: one panel per model, one line per provider; None: nothing to draw."""
    words = labels_for(lang)
    trends = [trend for trend in section.trend if trend.points]
    if section.empty is not None or not trends:
        return None
    models = sorted({trend.model for trend in trends})[:MAX_TREND_PANELS]
    providers = sorted({trend.provider for trend in trends})
    colour = {provider: COLOURS[i % len(COLOURS)] for i, provider in enumerate(providers)}
    columns = min(PANEL_COLUMNS, len(models))
    rows = math.ceil(len(models) / columns)
    # Fixed margins instead of a layout engine: the panels all look alike and this halves the drawing time.
    width, height = PANEL_SIZE_IN[0] * columns + 0.9, PANEL_SIZE_IN[1] * rows + 0.9
    figure = _figure(width, height, layout=None)
    grid = figure.subplots(
        rows,
        columns,
        squeeze=False,
        gridspec_kw={
            "left": 0.75 / width,
            "right": 1 - 0.15 / width,
            "top": 1 - 0.3 / height,
            "bottom": 0.6 / height,
            "wspace": 0.45 / (PANEL_SIZE_IN[0] - 0.45),
            "hspace": 0.6 / (PANEL_SIZE_IN[1] - 0.6),
        },
    )
    family = font_family()
    last_day = max(day for trend in trends for day, _ in trend.points)
    first_day = min(section.trend_first_day, *(day for trend in trends for day, _ in trend.points))
    ylabel = words["chart_gpu_ylabel"].format(currency=section.trend_currency)
    # Days as ordinals with our own ticks (every other Monday back from the last one): no date converter needed.
    last_monday = last_day - timedelta(days=last_day.weekday())
    ticks = [last_monday - timedelta(days=14 * n) for n in range(1 + (last_monday - first_day).days // 14)][::-1]
    for index, axes in enumerate(grid.flat):
        if index >= len(models):
            axes.set_visible(False)
            continue
        model = models[index]
        _style(axes)
        for trend in sorted((t for t in trends if t.model == model), key=lambda t: t.provider):
            points = sorted(trend.points)
            axes.plot(
                [day.toordinal() for day, _ in points],
                [float(price) for _, price in points],
                color=colour[trend.provider],
                linewidth=1.4,
                marker="o" if len(points) == 1 else None,
                markersize=3,
            )
        axes.set_title(model, fontsize=10, fontfamily=family)
        axes.set_xlim(first_day.toordinal() - 1, last_day.toordinal() + 1)
        axes.set_xticks([day.toordinal() for day in ticks], [f"{day:%m-%d}" for day in ticks])
        # From 0 (a price chart that starts elsewhere exaggerates moves), with room above the highest line.
        axes.set_ylim(0, max(float(price) for t in trends if t.model == model for _, price in t.points) * 1.1 or 1)
        if index % columns == 0:
            axes.set_ylabel(ylabel, fontsize=8, fontfamily=family)
    handles = [Line2D([], [], color=colour[p], linewidth=1.6) for p in providers]
    figure.legend(
        handles, providers, loc="lower center", ncols=min(len(providers), 8), frameon=False,
        prop={"family": family, "size": 8},
    )  # fmt: skip
    return _png(figure)


#: the traffic chart's axis reaches at least ±this many percent, so a −1 % change looks small
TRAFFIC_AXIS_FLOOR = 5.0


def symmetric_limit(values: Sequence[float], floor: float = TRAFFIC_AXIS_FLOOR) -> float:
    """The half-width of a symmetric % axis for `values`: the first 1-2-2.5-5 × 10ⁿ step at or above the largest
    magnitude plus a quarter (room for the value labels), never below `floor`."""
    wanted = max([abs(v) for v in values] + [0.0]) * 1.25
    if wanted <= floor:
        return floor
    scale = 10 ** math.floor(math.log10(wanted))
    return float(next(step * scale for step in (1, 2, 2.5, 5, 10) if step * scale >= wanted))


def traffic_change_figure(section: TrafficSection, lang: str) -> Figure | None:
    """The traffic chart as a figure (see traffic_change_png): the axis symmetric around 0, each bar labelled."""
    words = labels_for(lang)
    lines = [
        line
        for line in section.lines
        if line.has_data and (line.visits_change_pct is not None or line.duration_change_pct is not None)
    ]
    if section.empty is not None or not lines:
        return None
    figure = _figure(8.0, 1.2 + 0.5 * len(lines))
    axes = figure.subplots()
    _style(axes)
    family = font_family()
    height = 0.38
    # The first app on top, as in the table.
    positions = [float(len(lines) - 1 - i) for i in range(len(lines))]
    series = (
        (words["chart_visits"], "#1f77b4", [line.visits_change_pct for line in lines], height / 2),
        (words["chart_duration"], "#ff7f0e", [line.duration_change_pct for line in lines], -height / 2),
    )
    drawn: list[float] = []
    for label, colour, values, offset in series:
        shown = [
            (pos + offset, float(value)) for pos, value in zip(positions, values, strict=True) if value is not None
        ]
        if not shown:
            continue
        drawn += [v for _, v in shown]
        bars = axes.barh([y for y, _ in shown], [v for _, v in shown], height=height, color=colour, label=label)
        axes.bar_label(bars, labels=[_pct_label(v) for _, v in shown], padding=3, fontsize=7, fontfamily=family)
    limit = symmetric_limit(drawn)
    axes.set_xlim(-limit, limit)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10], symmetric=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:+g}%" if value else "0%"))
    axes.axvline(0, color="#444444", linewidth=0.8)
    axes.set_yticks(positions, [line.app for line in lines], fontfamily=family)
    axes.set_xlabel(words["chart_change_xlabel"], fontsize=8, fontfamily=family)
    axes.legend(loc="best", frameon=False, prop={"family": family, "size": 8})
    return figure


def traffic_change_png(section: TrafficSection, lang: str) -> bytes | None:
    """Each app's visits change % and duration change % as horizontal bars; apps without a change are left out."""
    figure = traffic_change_figure(section, lang)
    return None if figure is None else _png(figure)


def _day_label(day: date, weekdays: Sequence[str]) -> str:
    return f"{weekdays[day.weekday()]}\n{day:%m-%d}"


def index_week_png(section: MarketSection, lang: str) -> bytes | None:
    """Grouped bars: each index's % change on each trading day of the week; None when no index has a number."""
    words = labels_for(lang)
    indices = [week for week in section.indices if any(v is not None for v in week.daily_pct.values())]
    if section.empty is not None or not section.days or not indices:
        return None
    weekdays = words["weekdays"].split(",")
    figure = _figure(max(6.0, 1.3 * len(section.days) + 2.0), 3.6)
    axes = figure.subplots()
    _style(axes)
    family = font_family()
    width = 0.8 / len(indices)
    for i, week in enumerate(indices):
        offset = (i - (len(indices) - 1) / 2) * width
        shown: list[tuple[float, Decimal]] = [
            (d + offset, pct) for d, day in enumerate(section.days) if (pct := week.daily_pct.get(day)) is not None
        ]
        if not shown:
            continue
        bars = axes.bar(
            [x for x, _ in shown],
            [float(v) for _, v in shown],
            width=width * 0.92,
            color=COLOURS[i % len(COLOURS)],
            label=f"{week.name} {week.symbol}",
        )
        axes.bar_label(bars, labels=[_pct_label(float(v)) for _, v in shown], padding=2, fontsize=6, fontfamily=family)
    axes.axhline(0, color="#444444", linewidth=0.8)
    axes.set_xticks(range(len(section.days)), [_day_label(day, weekdays) for day in section.days], fontfamily=family)
    axes.set_ylabel(words["chart_market_ylabel"], fontsize=8, fontfamily=family)
    axes.margins(y=0.2)
    axes.legend(loc="best", frameon=False, prop={"family": family, "size": 8})
    return _png(figure)
