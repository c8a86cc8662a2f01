"""Line charts of per-minute series as SVG geometry, computed on the server (no chart script).

Example::

    chart = line_chart("Events per minute", "events", minutes, [("delivered", "Delivered", counts)])
    # chart.lines[0].path == "M48.0,188.0 L57.8,150.4 ..." for <path d="..."> in a template
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 628, 12, 172
# An x-axis label at every time whose minute is a multiple of this.
X_LABEL_EVERY = 15
# Half the width of an "HH:MM" label at the labels' 11 px: centred closer than this to the
# chart's right edge, it would stick out of the chart.
X_LABEL_HALF_WIDTH = 18


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis label and where it goes (x for the time axis, y for the value axis)."""

    position: float
    label: str
    # How the label sits on its position (SVG text-anchor): a time label near the chart's
    # right edge ends there, so the chart's box never cuts it off.
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class Line:
    """One series: its path, broken where a minute has no value, and markers if it has gaps."""

    key: str
    label: str
    path: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything a template needs to draw one chart."""

    title: str
    unit: str
    top: float
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    plot_top: int = TOP
    plot_bottom: int = BOTTOM


Series = tuple[str, str, Sequence[float | None]]


def line_chart(title: str, unit: str, times: Sequence[datetime], series: Sequence[Series]) -> Chart:
    """A chart of ``series`` (key, label, one value or None per time) over ``times``."""
    top = nice_ceiling(
        max((v for _, _, values in series for v in values if v is not None), default=0)
    )
    lines = tuple(_line(key, label, values, top) for key, label, values in series)
    y_ticks = tuple(Tick(_y(value, top), _number(value)) for value in (0, top / 2, top))
    return Chart(title, unit, top, lines, y_ticks, _x_ticks(times))


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _line(key: str, label: str, values: Sequence[float | None], top: float) -> Line:
    points: list[tuple[float, float]] = []
    commands: list[str] = []
    previous: float | None = None
    for index, value in enumerate(values):
        if value is not None:
            point = (_x(index, len(values)), _y(value, top))
            points.append(point)
            command = "M" if previous is None else "L"
            commands.append(f"{command}{point[0]:.1f},{point[1]:.1f}")
        previous = value
    # A lone minute between gaps draws no line; a marker keeps it visible.
    markers = tuple(points) if len(points) < len(values) else ()
    return Line(key, label, " ".join(commands), markers)


def _x_ticks(times: Sequence[datetime]) -> tuple[Tick, ...]:
    positions = [(_x(index, len(times)), time) for index, time in enumerate(times)]
    return tuple(
        Tick(x, time.strftime("%H:%M"), "end" if x > WIDTH - X_LABEL_HALF_WIDTH else "middle")
        for x, time in positions
        if time.minute % X_LABEL_EVERY == 0
    )


def _x(index: int, count: int) -> float:
    return LEFT + (RIGHT - LEFT) * (index / max(count - 1, 1))


def _y(value: float, top: float) -> float:
    return BOTTOM - (BOTTOM - TOP) * (value / top)


def _number(value: float) -> str:
    return f"{value:g}"
