"""The fault suite: Redis, a node or PostgreSQL fails while conversations go on, and afterwards
every acknowledged line is on every widget of its conversation exactly once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.faults.conftest import (
    Cluster,
    Conversation,
    assert_shown_exactly_once_in_order,
    close,
    talk,
)
from tests.faults.platform import Platform, message

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

BEFORE, DURING, AFTER = 10, 30, 5
# At the maximum batch size, node 0 is still busy with it well after its first lines show.
BURST_LINES = 500


async def through_fault(
    cluster: Cluster, platform: Platform, fault: Callable[[], Awaitable[None]]
) -> list[Conversation]:
    """Two conversations talk before, during and after ``fault``; every acknowledged line is
    then on every widget of its conversation exactly once, in order."""
    conversations = await cluster.conversations(platform, 2)
    await talk(platform, conversations, BEFORE)
    traffic = asyncio.create_task(talk(platform, conversations, DURING))
    await asyncio.sleep(0.3)

    await fault()
    await traffic
    await talk(platform, conversations, AFTER)

    await assert_shown_exactly_once_in_order(conversations)
    return conversations


async def test_redis_paused_for_five_seconds(cluster: Cluster) -> None:
    async def pause() -> None:
        cluster.redis.pause()
        await asyncio.sleep(5)
        cluster.redis.resume()

    async with cluster.platform() as platform:
        conversations = await through_fault(cluster, platform, pause)
        assert platform.slowest > 4  # deliveries waited for Redis
    await close(conversations)


async def test_redis_killed_and_restarted_empty(cluster: Cluster) -> None:
    async def restart_empty() -> None:
        cluster.redis.kill()
        await asyncio.sleep(1)
        cluster.redis.start()

    async with cluster.platform() as platform:
        conversations = await through_fault(cluster, platform, restart_empty)
        assert platform.retries > 0  # the outage was felt, and retried through
    await close(conversations)


async def test_a_node_killed_mid_event(cluster: Cluster) -> None:
    async with cluster.platform() as platform:
        conversations = await cluster.conversations(platform, 3)
        talking, burst = conversations[:2], conversations[2]
        await talk(platform, conversations, BEFORE)
        traffic = asyncio.create_task(talk(platform, talking, DURING))
        # A long batch on node 0 (hundreds of milliseconds of work): it is being processed
        # when the node dies.
        lines = [
            message(f"burst-{i}", burst.conversation_id, f"burst line {i}", customer=i % 4 == 0)
            for i in range(BURST_LINES)
        ]
        batch = asyncio.create_task(platform.deliver({"events": lines}, node=0))
        # Killed once node 0 has shown the batch's first lines, with most of it still to do.
        await burst.widgets[0].wait_showing(["burst-0", "burst-1", "burst-2"], within=30)

        cluster.nodes[0].kill()
        statuses = await batch
        burst.acknowledged += [line["provider_event_id"] for line in lines]
        await traffic
        await talk(platform, conversations, AFTER)

        await assert_shown_exactly_once_in_order(conversations)
        # Node 0 had processed part of the batch when it died; node 1 did the rest.
        assert "duplicate" in statuses
        assert "processed" in statuses
    await close(conversations)


async def test_a_node_restarted_with_widgets_connected(cluster: Cluster) -> None:
    async def restart() -> None:
        await asyncio.to_thread(cluster.nodes[0].stop)
        await asyncio.to_thread(cluster.nodes[0].start)

    async with cluster.platform() as platform:
        conversations = await through_fault(cluster, platform, restart)
        assert all(conversation.widgets[0].reconnects for conversation in conversations)
    await close(conversations)


async def test_postgresql_paused_for_five_seconds(cluster: Cluster) -> None:
    async def pause() -> None:
        with cluster.postgres.paused():
            await asyncio.sleep(5)

    async with cluster.platform() as platform:
        conversations = await through_fault(cluster, platform, pause)
        assert platform.slowest > 4  # deliveries waited for the database
    await close(conversations)
