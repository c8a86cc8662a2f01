"""Chart geometry: values map onto the plot, gaps break the line, the axis top is readable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.admin.charts import BOTTOM, LEFT, RIGHT, TOP, line_chart, nice_ceiling

TIMES = [datetime(2026, 11, 26, 9, 30, tzinfo=UTC) + timedelta(minutes=n) for n in range(60)]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.4, 1), (3, 5), (7, 10), (11, 20), (42, 50), (120, 200)]
)
def test_axis_top_is_one_two_or_five_times_a_power_of_ten(value: float, top: float) -> None:
    assert nice_ceiling(value) == top


def test_a_full_series_is_one_line_from_left_to_right() -> None:
    counts = [0.0] * 59 + [10.0]

    (line,) = line_chart("Events", "events", TIMES, [("delivered", "Delivered", counts)]).lines

    assert line.path.startswith(f"M{LEFT:.1f},{BOTTOM:.1f}")
    assert line.path.endswith(f"L{RIGHT:.1f},{TOP:.1f}")
    assert line.path.count("M") == 1
    assert line.points == ()


def test_gaps_break_the_line_and_lone_points_get_markers() -> None:
    values: list[float | None] = [None] * 60
    values[10], values[11], values[40] = 4.0, 5.0, 2.0

    (line,) = line_chart("Latency", "ms", TIMES, [("p50", "p50", values)]).lines

    assert line.path.count("M") == 2
    assert line.path.count("L") == 1
    assert len(line.points) == 3


def test_time_labels_fall_on_quarter_hours() -> None:
    chart = line_chart("Events", "events", TIMES, [("delivered", "Delivered", [0.0] * 60)])

    assert [tick.label for tick in chart.x_ticks] == ["09:30", "09:45", "10:00", "10:15"]
    assert [tick.label for tick in chart.y_ticks] == ["0", "0.5", "1"]


def test_a_time_label_at_the_right_edge_ends_there_instead_of_sticking_out() -> None:
    ending_on_a_quarter_hour = [TIMES[0] + timedelta(minutes=m) for m in range(1, 61)]

    chart = line_chart("Events", "events", ending_on_a_quarter_hour, [("d", "D", [0.0] * 60)])

    last = chart.x_ticks[-1]
    assert (last.label, last.position, last.anchor) == ("10:30", RIGHT, "end")
    assert {tick.anchor for tick in chart.x_ticks[:-1]} == {"middle"}
