"""Per-minute series: outcomes and suggestion latency counted into the minute they happened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from providers.models import Message, Speaker
from server.errors import InvalidInput
from server.observability.base import TelemetryStore
from server.observability.health import minute_point
from server.observability.histogram import bucket_of, percentile, upper_bound_ms
from server.observability.memory import MemoryTelemetry
from server.observability.redis import RedisTelemetry
from server.observability.telemetry import Telemetry
from tests.fixtures.redis import empty_redis

# 2026-11-26 10:00:00 UTC, the start of a minute.
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC).timestamp()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def reported(milliseconds: float) -> float:
    """What a percentile reads for a latency: its bucket's upper bound, at most 25% above it."""
    bound = round(upper_bound_ms(bucket_of(milliseconds)), 3)
    assert milliseconds <= bound < milliseconds * 1.25
    return bound


def message(event_id: str) -> Message:
    return Message(
        tenant_id="acme",
        provider="test",
        provider_event_id=event_id,
        conversation_id="conv-1",
        occurred_at=datetime.fromtimestamp(T0, UTC),
        speaker=Speaker.CUSTOMER,
        text="hello",
    )


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[TelemetryStore]:
    backend: TelemetryStore
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        await empty_redis(url)
        backend = RedisTelemetry.from_url(url, ring_size=100)
    else:
        backend = MemoryTelemetry(ring_size=100)
    yield backend
    await backend.aclose()


async def test_events_land_in_the_minute_they_were_seen(store: TelemetryStore) -> None:
    clock = Clock(T0 + 5)
    telemetry = Telemetry(store, clock=clock)
    telemetry.delivered(message("a"), 0.004, suggested=True)
    telemetry.delivered(message("b"), 0.006, suggested=True)
    telemetry.duplicate(message("a"), 0.001)
    clock.now = T0 + 65
    telemetry.delivered(message("c"), 0.200, suggested=True)
    telemetry.delivered(message("d"), 0.002, suggested=False)
    telemetry.rejected("acme", {"provider_event_id": "e"}, InvalidInput("bad", field="text"))
    telemetry.failed(message("f"), RuntimeError("boom"), 0.001)
    clock.now = T0 + 3 * 60 + 1

    minutes = await telemetry.minutes("acme", 60)

    points = [minute_point(minute, counts) for minute, counts in minutes]
    assert len(points) == 60
    assert points[-1].minute == datetime.fromtimestamp(T0 + 3 * 60, UTC)
    first, second = points[-4], points[-3]
    assert first.minute == datetime.fromtimestamp(T0, UTC)
    assert (first.delivered, first.duplicate, first.rejected, first.failed) == (2, 1, 0, 0)
    assert (second.delivered, second.duplicate, second.rejected, second.failed) == (2, 0, 1, 1)
    assert (first.suggestions, second.suggestions) == (2, 1)
    assert (first.suggestion_p50_ms, first.suggestion_p95_ms) == (reported(4), reported(6))
    assert second.suggestion_p50_ms == second.suggestion_p95_ms == reported(200)
    quiet = [point for point in points if point not in (first, second)]
    assert all(point.delivered == 0 and point.suggestion_p50_ms is None for point in quiet)


async def test_minutes_older_than_the_window_are_left_out(store: TelemetryStore) -> None:
    clock = Clock(T0)
    telemetry = Telemetry(store, clock=clock)
    telemetry.delivered(message("old"), 0.004, suggested=True)
    await telemetry.flush()
    clock.now = T0 + 60 * 60

    minutes = await telemetry.minutes("acme", 60)

    assert sum(counts.counts["delivered"] for _, counts in minutes) == 0


async def test_two_recorders_add_up_in_one_store(store: TelemetryStore) -> None:
    clock = Clock(T0 + 1)
    node_a, node_b = Telemetry(store, clock=clock), Telemetry(store, clock=clock)
    node_a.delivered(message("a"), 0.010, suggested=True)
    node_b.delivered(message("b"), 0.100, suggested=True)
    await node_a.flush()
    await node_b.flush()

    ((_, counts),) = await node_a.minutes("acme", 1)

    point = minute_point(0, counts)
    assert (point.delivered, point.suggestions) == (2, 2)
    assert (point.suggestion_p50_ms, point.suggestion_p95_ms) == (reported(10), reported(100))


def test_percentiles_are_bucket_upper_bounds() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({3: 1}, 0.5) == round(upper_bound_ms(3), 3)
    histogram = {0: 50, 10: 45, 20: 5}
    assert percentile(histogram, 0.5) == round(upper_bound_ms(0), 3)
    assert percentile(histogram, 0.95) == round(upper_bound_ms(10), 3)
    assert percentile(histogram, 0.96) == round(upper_bound_ms(20), 3)
