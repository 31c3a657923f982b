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
) -> Markup:
    """An SVG line chart of `lines` over time; `shaded` spans (e.g. sold out) are greyed behind the lines."""
    points = [p for line in lines for p in line.points]
    if not points:
        return Markup("")
    t0 = min(p[0] for p in points).timestamp()
    t1 = max(p[0] for p in points).timestamp()
    v0, v1 = min(p[1] for p in points), max(p[1] for p in points)
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
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:,.4g}</text>')
    for i in range(5):
        at = datetime.fromtimestamp(t0 + span_t * i / 4, tz=min(p[0] for p in points).tzinfo)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text class="axis" x="{x(at):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}">'
                     f"{at:%Y-%m-%d}</text>")  # fmt: skip
    for n, line in enumerate(lines):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in line.points)
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
