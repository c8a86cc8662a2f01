"""The Redis fan-out: an emit for one socket stays on its node, and a burst of room emits
reaches every node without one failing for want of a Redis connection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
import socketio
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from server.realtime.listener import ResyncingRedisManager
from server.realtime.server import close_fanout
from server.state.redis import POOL_SIZE
from tests.fixtures.rooms import NS, room_server

CHANNEL = "cuecard-test-fanout"
Node = tuple[socketio.AsyncServer, TestServer]


class Inbox(list[Any]):
    """What arrived, in order; ``holding(n)`` waits until ``n`` items have."""

    def __init__(self) -> None:
        super().__init__()
        self._grew = asyncio.Event()

    def add(self, item: Any) -> None:
        self.append(item)
        self._grew.set()

    async def holding(self, count: int, seconds: float = 5.0) -> None:
        async with asyncio.timeout(seconds):
            while len(self) < count:
                self._grew.clear()
                await self._grew.wait()


@asynccontextmanager
async def node(
    aiohttp_server: Callable[..., Awaitable[TestServer]], redis_url: str
) -> AsyncIterator[Node]:
    """One server node on the shared channel, as cuecard builds them (``ResyncingRedisManager``)."""
    sio, server = await room_server(
        aiohttp_server, ResyncingRedisManager(redis_url, channel=CHANNEL)
    )
    try:
        yield sio, server
    finally:
        await close_fanout(sio)


async def widget(server: TestServer, room: str) -> tuple[socketio.AsyncClient, Inbox]:
    received = Inbox()
    client = socketio.AsyncClient(reconnection=False)
    client.on("line", received.add, namespace=NS)
    await client.connect(str(server.make_url("/")), namespaces=[NS], transports=["websocket"])
    assert await client.call("join", room, namespace=NS)
    return client, received


@asynccontextmanager
async def published(redis_url: str) -> AsyncIterator[Inbox]:
    """Every emit published on the channel while the block runs, as the nodes receive them."""
    seen = Inbox()
    client = Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)

    async def listen() -> None:
        async for message in pubsub.listen():
            seen.add(orjson.loads(message["data"]))

    listening = asyncio.create_task(listen())
    try:
        yield seen
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await pubsub.aclose()
        await client.aclose()


async def test_an_emit_for_one_socket_is_delivered_without_going_through_redis(
    aiohttp_server: Callable[..., Awaitable[TestServer]], redis_url: str
) -> None:
    async with node(aiohttp_server, redis_url) as (sio, server):
        client, received = await widget(server, "conv-1")
        sid = client.get_sid(NS)
        async with published(redis_url) as seen:
            await sio.emit("line", {"n": "to the socket"}, to=sid, namespace=NS)
            # The room emit after it is published: it shows the channel was being watched.
            await sio.emit("line", {"n": "to the room"}, to="conv-1", namespace=NS)
            await received.holding(2)
            await seen.holding(1)
        assert received == [{"n": "to the socket"}, {"n": "to the room"}]
        assert [message["room"] for message in seen] == ["conv-1"]
        await client.disconnect()


async def test_an_emit_for_a_socket_on_another_node_still_reaches_it(
    aiohttp_server: Callable[..., Awaitable[TestServer]], redis_url: str
) -> None:
    async with (
        node(aiohttp_server, redis_url) as (first, _),
        node(aiohttp_server, redis_url) as (_, second_server),
    ):
        client, received = await widget(second_server, "conv-1")
        await first.emit("line", {"n": "from the other node"}, to=client.get_sid(NS), namespace=NS)
        await received.holding(1)
        assert received == [{"n": "from the other node"}]
        await client.disconnect()


async def test_a_burst_of_room_emits_beyond_the_pool_reaches_the_other_node_whole(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    burst = 3 * POOL_SIZE
    async with (
        node(aiohttp_server, redis_url) as (first, _),
        node(aiohttp_server, redis_url) as (_, second_server),
    ):
        client, received = await widget(second_server, "conv-1")
        with caplog.at_level(logging.ERROR, logger="socketio"):
            await asyncio.gather(
                *(first.emit("line", {"n": n}, to="conv-1", namespace=NS) for n in range(burst))
            )
            await received.holding(burst, 20)
        assert sorted(item["n"] for item in received) == list(range(burst))
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
        await client.disconnect()
