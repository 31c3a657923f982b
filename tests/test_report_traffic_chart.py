"""The report's traffic chart: a symmetric % axis sized to the changes (a −1 % move stays small), every bar
labelled with its value."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from matplotlib.axes import Axes

from monitor.report import charts
from tests.report_samples import sample_report


@pytest.mark.parametrize(
    ("values", "limit"),
    [([-1.0], 5.0), ([0.4, -0.2], 5.0), ([12.3, -3.0], 20.0), ([-40.0, 8.0], 50.0), ([180.0], 250.0), ([], 5.0)],
)
def test_the_axis_is_the_next_round_step_above_the_largest_change(values: list[float], limit: float) -> None:
    assert charts.symmetric_limit(values) == limit


def _figure_for(changes: list[tuple[str | None, str | None]]) -> Axes:
    report = sample_report("en")
    lines = [
        replace(line, visits_change_pct=None if v is None else Decimal(v),
                duration_change_pct=None if d is None else Decimal(d))
        for line, (v, d) in zip(report.traffic.lines, changes, strict=False)
        if line.has_data
    ]  # fmt: skip
    figure = charts.traffic_change_figure(replace(report.traffic, lines=lines), "en")
    assert figure is not None
    return figure.axes[0]


def test_a_one_percent_fall_does_not_fill_the_width() -> None:
    axes = _figure_for([("-1.00", None)])
    low, high = axes.get_xlim()
    assert (low, high) == (-5.0, 5.0), "symmetric around 0, ±5 % at the least"
    bar = next(p for p in axes.patches)
    assert abs(bar.get_width()) / (high - low) == pytest.approx(0.1)


def test_the_axis_is_symmetric_and_every_bar_and_tick_says_its_value() -> None:
    axes = _figure_for([("12.30", "-3.10"), ("-40.00", "8.00")])
    low, high = axes.get_xlim()
    assert low == -high == -50.0
    labels = {t.get_text() for t in axes.texts}
    assert {"+12.30%", "-3.10%", "-40.00%", "+8.00%"} <= labels
    axes.get_figure(root=True).canvas.draw()  # type: ignore[union-attr]
    ticks = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert "0%" in ticks and all(t.endswith("%") for t in ticks)
    assert any(t.startswith("-") for t in ticks) and any(t.startswith("+") for t in ticks)
