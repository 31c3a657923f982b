"""Charts as server-side SVG: no JavaScript to build, vendor or run, so a page works offline and shows no
script errors; each point is a <circle> whose <title> the browser shows on hover, and the time range is
"zoomed" with the page's `?days=` links. Text is in the page's CJK-capable font stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 280, 64, 16, 16, 40
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#be185d")


@dataclass(frozen=True)
class Line:
    """One series: (time, value) points in time order, and its legend label."""

    label: str
    points: Sequence[tuple[datetime, float]]


def compact(value: float) -> str:
    """An axis number in a few characters: 1.40B, 65.3k, 0.7345."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.4g}"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high == low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def line_chart(
    lines: Sequence[Line],
    *,
    unit: str = "",
    shaded: Sequence[tuple[datetime, datetime]] = (),
    shaded_label: str = "",
    bars: bool = False,
) -> Markup:
    """An SVG chart of `lines` over time (`bars`: a bar per point, for amounts per day, instead of lines);
    `shaded` spans (e.g. sold out) are tinted behind them."""
    points = [p for line in lines for p in line.points]
    if not points:
        return Markup("")
    moments = [p[0] for p in points] + [moment for span in shaded for moment in span]
    t0, t1 = min(moments).timestamp(), max(moments).timestamp()
    if bars:  # half a day each side: the first and last bars are whole
        t0, t1 = t0 - 43200, t1 + 43200
    v0, v1 = min(p[1] for p in points), max(p[1] for p in points)
    if bars:
        v0 = min(v0, 0.0)
    pad = (v1 - v0) * 0.08 or abs(v1) * 0.05 or 1.0
    v0, v1 = v0 - pad, v1 + pad
    span_t = (t1 - t0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (at.timestamp() - t0) / span_t * plot_w

    def y(value: float) -> float:
        return TOP + (v1 - value) / (v1 - v0) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 18 * len(lines)}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for start, end in shaded:
        left, right = max(LEFT, x(start)), min(WIDTH - RIGHT, x(end))
        if right > left:
            parts.append(f'<rect class="shade" x="{left:.1f}" y="{TOP}" width="{right - left:.1f}" height="{plot_h}">'
                         f"<title>{escape(shaded_label)}</title></rect>")  # fmt: skip
    for tick in _ticks(v0 + pad, v1 - pad):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{compact(tick)}</text>'
        )
    stamp = "%m-%d %H:%M" if span_t < 3 * 86400 else "%Y-%m-%d"
    for i in range(5):
        at = datetime.fromtimestamp(t0 + span_t * i / 4, tz=min(p[0] for p in points).tzinfo)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text class="axis" x="{x(at):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}">'
                     f"{at.strftime(stamp)}</text>")  # fmt: skip
    for n, line in enumerate(lines):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in line.points)
        if bars:
            for at, value in line.points:
                top = y(max(value, 0.0))
                parts.append(f'<rect x="{x(at) - 4:.1f}" y="{top:.1f}" width="8" height="{y(0.0) - top:.1f}" '
                             f'fill="{colour}" opacity="0.6"/>')  # fmt: skip
        else:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for at, value in line.points:
            parts.append(f'<circle class="point" cx="{x(at):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">'
                         f"<title>{escape(line.label)} {at:%Y-%m-%d %H:%M} {value:,.4f} {escape(unit)}</title>"
                         "</circle>")  # fmt: skip
        legend_y = HEIGHT + 14 * n + 8
        parts.append(f'<rect x="{LEFT}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text class="legend" x="{LEFT + 16}" y="{legend_y + 1}">{escape(line.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
