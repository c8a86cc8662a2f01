"""DirectSendManager: every socket in the room gets each emit once, in order, without tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer

from server.realtime.fanout import DirectSendManager
from tests.fixtures.rooms import NS, room_server


@pytest.fixture
async def sio(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Any:
    return await room_server(aiohttp_server, DirectSendManager())


async def client(
    test_server: TestServer, room: str, arrived: asyncio.Event | None = None
) -> tuple[socketio.AsyncClient, list[Any]]:
    received: list[Any] = []
    sio_client = socketio.AsyncClient(reconnection=False)

    def on_line(data: Any) -> None:
        received.append(data)
        if arrived is not None and data == {"n": "last"}:
            arrived.set()

    sio_client.on("line", on_line, namespace=NS)
    await sio_client.connect(
        str(test_server.make_url("/")), namespaces=[NS], transports=["websocket"]
    )
    assert await sio_client.call("join", room, namespace=NS)
    return sio_client, received


async def test_room_members_get_every_emit_in_order_and_others_nothing(sio: Any) -> None:
    server, test_server = sio
    last_arrived = asyncio.Event()
    a, got_a = await client(test_server, "conv-1")
    b, got_b = await client(test_server, "conv-1", last_arrived)
    other, got_other = await client(test_server, "conv-2")
    skipped_sid = a.get_sid(NS)

    loop = asyncio.get_running_loop()
    created: list[object] = []

    def counting_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        created.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting_factory)
    try:
        for n in range(20):
            await server.emit("line", {"n": n}, to="conv-1", namespace=NS)
    finally:
        loop.set_task_factory(None)
    await server.emit("line", {"n": "last"}, to="conv-1", namespace=NS, skip_sid=skipped_sid)
    # Each socket's packets arrive in order, so b's last one means b has them all; a's 20
    # were queued before it.
    await asyncio.wait_for(last_arrived.wait(), 5)
    await a.call("join", "conv-1", namespace=NS)  # a round trip: a's earlier packets are in

    assert got_a == [{"n": n} for n in range(20)]
    assert got_b == [*({"n": n} for n in range(20)), {"n": "last"}]
    assert got_other == []
    assert created == []  # python-socketio's manager starts a task per recipient and emit
    for sio_client in (a, b, other):
        await sio_client.disconnect()


async def test_emits_expecting_an_ack_still_work(sio: Any) -> None:
    server, test_server = sio
    answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    a = socketio.AsyncClient(reconnection=False)
    a.on("ask", lambda data: {"echo": data}, namespace=NS)
    await a.connect(str(test_server.make_url("/")), namespaces=[NS], transports=["websocket"])

    await server.emit(
        "ask", "hi", to=a.get_sid(NS), namespace=NS, callback=lambda r: answered.set_result(r)
    )

    assert await asyncio.wait_for(answered, 5) == {"echo": "hi"}
    await a.disconnect()
