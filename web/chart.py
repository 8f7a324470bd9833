"""The rates chart as SVG geometry, computed here and drawn by a template.

No charting library and no script: an inline SVG per obligation (periods along x, 0–100%
up y, one line for the reporting rate and one for the on-time rate), each point with a
<title> a person can hover, and the same figures in a table below for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.dashboard import Series
from web.formatting import fmt_rate

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 40, 12, 40


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class Line:
    css: str
    label: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(rate: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - rate)


def chart_of(series: Series) -> Chart:
    points = series.points
    n = len(points)
    reporting, on_time = [], []
    for i, p in enumerate(points):
        x = _x(i, n)
        label = p.cycle.period_label
        if p.rates.reporting_rate is not None:
            text = f"{label}: tỷ lệ báo cáo {fmt_rate(p.rates.reporting_rate)}"
            reporting.append(Point(x, _y(p.rates.reporting_rate), text))
        if p.rates.on_time_rate is not None:
            text = f"{label}: tỷ lệ đúng hạn {fmt_rate(p.rates.on_time_rate)}"
            on_time.append(Point(x, _y(p.rates.on_time_rate), text))
    return Chart(
        title=series.obligation_name,
        width=WIDTH,
        height=HEIGHT,
        lines=[
            Line("line-reporting", "Tỷ lệ báo cáo", reporting),
            Line("line-on-time", "Tỷ lệ đúng hạn", on_time),
        ],
        x_ticks=[Tick(_x(i, n), p.cycle.period) for i, p in enumerate(points)],
        y_ticks=[Tick(_y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
    )
