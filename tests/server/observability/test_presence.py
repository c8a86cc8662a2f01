"""Connected widgets are counted per tenant; a node that vanishes stops counting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.observability.base import WidgetPresence
from server.observability.memory import MemoryTelemetry
from server.observability.redis import HEARTBEAT_SECONDS, WIDGET_TTL_SECONDS, RedisTelemetry
from tests.fixtures.redis import empty_redis
from tests.server.observability.test_series import T0, Clock


@pytest.fixture(params=["memory", "redis"])
async def presence(request: pytest.FixtureRequest) -> AsyncIterator[WidgetPresence]:
    backend: MemoryTelemetry | RedisTelemetry
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        await empty_redis(url)
        backend = RedisTelemetry.from_url(url, ring_size=10)
    else:
        backend = MemoryTelemetry(ring_size=10)
    yield backend
    await backend.aclose()


async def test_widgets_are_counted_per_tenant(presence: WidgetPresence) -> None:
    await presence.connected("acme", "sid-1")
    await presence.connected("acme", "sid-2")
    await presence.connected("globex", "sid-3")
    await presence.disconnected("sid-1")
    await presence.disconnected("sid-unknown")

    assert await presence.count("acme") == 1
    assert await presence.count("globex") == 1
    assert await presence.count("initech") == 0


@pytest.fixture
async def nodes(redis_url: str) -> AsyncIterator[tuple[Clock, RedisTelemetry, RedisTelemetry]]:
    clock = Clock(T0)
    node_a = RedisTelemetry.from_url(redis_url, ring_size=10, clock=clock)
    node_b = RedisTelemetry.from_url(redis_url, ring_size=10, clock=clock)
    yield clock, node_a, node_b
    await node_a.aclose()
    await node_b.aclose()


@pytest.mark.redis
async def test_every_node_counts_every_nodes_widgets(
    nodes: tuple[Clock, RedisTelemetry, RedisTelemetry],
) -> None:
    _, node_a, node_b = nodes
    await node_a.connected("acme", "sid-a")
    await node_b.connected("acme", "sid-b")

    assert await node_a.count("acme") == 2
    await node_a.disconnected("sid-a")
    assert await node_b.count("acme") == 1


@pytest.mark.redis
async def test_a_silent_nodes_widgets_expire_and_a_beating_nodes_stay(
    nodes: tuple[Clock, RedisTelemetry, RedisTelemetry],
) -> None:
    clock, beating, silent = nodes
    await beating.connected("acme", "sid-a")
    await silent.connected("acme", "sid-b")

    elapsed = 0.0
    while elapsed <= WIDGET_TTL_SECONDS:
        elapsed += HEARTBEAT_SECONDS
        clock.now = T0 + elapsed
        await beating.heartbeat()

    assert await beating.count("acme") == 1
