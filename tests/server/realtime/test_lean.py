"""Lean sockets: the queue behaves as engineio expects, pings still flow, less is kept."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer
from engineio import packet as eio_packet

from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import SOCKETS
from server.realtime.lean import SocketQueue
from tests.fixtures.app import Widget
from tests.fixtures.waiting import eventually

SOCKET_PATH = "/socket.io/?EIO=4&transport=websocket"


async def test_queue_is_fifo_and_hands_items_to_a_waiting_reader() -> None:
    queue = SocketQueue()
    waiting = queue.get()
    await queue.put("first")
    queue.put_nowait("second")
    queue.put_nowait("third")

    assert await asyncio.wait_for(waiting, 1) == "first"
    assert queue.qsize() == 2
    assert await queue.get() == "second"
    assert queue.get_nowait() == "third"
    assert queue.empty()
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_reader_that_timed_out_loses_nothing() -> None:
    queue = SocketQueue()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), 0.01)  # as engineio's poll() waits
    queue.put_nowait("after the timeout")

    assert await asyncio.wait_for(queue.get(), 1) == "after the timeout"


async def test_join_waits_until_every_item_is_done() -> None:
    queue = SocketQueue()
    queue.put_nowait("a")
    queue.put_nowait("b")
    joined = asyncio.ensure_future(queue.join())
    queue.get_nowait()
    queue.task_done()
    await asyncio.sleep(0)
    assert not joined.done()

    queue.get_nowait()
    queue.task_done()

    await asyncio.wait_for(joined, 1)
    with pytest.raises(ValueError, match="too many"):
        queue.task_done()


async def test_pings_keep_an_idle_widget_connected_without_a_task_per_socket(
    client: TestClient[Any, Any], connect_widget: Callable[..., Awaitable[Widget]]
) -> None:
    eio = client.app[SOCKETS].eio
    eio.ping_interval, eio.ping_timeout = 0.5, 2
    widgets = [await connect_widget(agent=f"agent-{n}") for n in range(10)]
    sockets = list(eio.sockets.values())

    # Several ping intervals, longer than interval + timeout: a client that receives no ping
    # in that time hangs up, and so does the server without its pongs.
    await asyncio.sleep(3)

    assert all(widget.client.connected for widget in widgets)
    assert all(not socket.closed for socket in sockets)
    waiting = [
        task.get_coro().__qualname__  # type: ignore[union-attr]
        for task in asyncio.all_tasks()
    ]
    assert not any("_send_ping" in name for name in waiting)
    # The clients (in this loop too) each park one; engineio's server would park another.
    assert sum("Queue.get" in name for name in waiting) <= len(widgets)


async def test_a_connected_socket_keeps_only_the_environ_it_needs(
    client: TestClient[Any, Any], connect_widget: Callable[..., Awaitable[Widget]]
) -> None:
    await connect_widget()
    sio = client.app[SOCKETS]
    (environ,) = sio.environ.values()

    assert "HTTP_SEC_WEBSOCKET_KEY" not in environ
    assert "HTTP_CONNECTION" not in environ
    assert environ["REQUEST_METHOD"] == "GET"
    # The request stays reachable for any other header a handler might want.
    assert "Sec-WebSocket-Key" in environ["aiohttp.request"].headers
    # Its table is sized for what it keeps, not for every header it once held.
    assert sys.getsizeof(environ) == sys.getsizeof(dict(environ))


async def test_an_idle_websocket_parks_no_read_task_and_one_writer(
    client: TestClient[Any, Any], connect_widget: Callable[..., Awaitable[Widget]]
) -> None:
    widgets = [await connect_widget(agent=f"agent-{n}") for n in range(5)]
    await asyncio.sleep(0.2)

    names = [
        task.get_coro().__qualname__  # type: ignore[union-attr]
        for task in asyncio.all_tasks()
    ]
    # engineio's handler parks a task per socket for its next read (``websocket_wait``).
    assert not any("websocket_wait" in name for name in names)
    assert sum(name == "_write" for name in names) == len(widgets)
    assert all(widget.client.connected for widget in widgets)


async def test_a_client_that_falls_silent_is_closed(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings
) -> None:
    server, eio = await _pinging_server(aiohttp_server, settings, interval=0.2, ping_timeout=0.3)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.make_url(SOCKET_PATH)) as ws,
    ):
        opened = await ws.receive(timeout=5)
        assert str(opened.data).startswith("0{")
        # Never answering a ping: the server hangs up once ping interval + timeout passed.
        while (message := await ws.receive(timeout=10)).type is aiohttp.WSMsgType.TEXT:
            assert message.data == "2"  # its pings

        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

    async def gone() -> bool:
        return not eio.sockets

    await eventually(gone, what="the silent socket forgotten")


async def test_a_client_that_talks_but_never_answers_pings_is_disconnected_by_the_sweep(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings
) -> None:
    # The reader hears from it (no silence timeout): only the ping timeout check ends it.
    server, eio = await _pinging_server(aiohttp_server, settings, interval=0.2, ping_timeout=0.5)
    loop = asyncio.get_running_loop()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.make_url(SOCKET_PATH)) as ws,
    ):
        assert str((await ws.receive(timeout=5)).data).startswith("0{")
        started = loop.time()
        assert len(eio.sockets) == 1
        while eio.sockets and loop.time() - started < 10:
            await ws.send_str("6")  # a noop: not an answer to the pings
            await asyncio.sleep(0.05)
        forgotten_after = loop.time() - started

    # Pinged after the interval, closed once unanswered for the timeout, forgotten when the
    # next cycle visits it (a timeout later); half a second to spare.
    assert forgotten_after < 0.2 + 2 * 0.5 + 0.5, forgotten_after


async def test_a_client_that_talks_but_never_answers_pings_has_its_connection_closed(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings
) -> None:
    server, _ = await _pinging_server(aiohttp_server, settings, interval=0.2, ping_timeout=0.5)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.make_url(SOCKET_PATH)) as ws,
    ):
        assert str((await ws.receive(timeout=5)).data).startswith("0{")

        async def keep_talking() -> None:
            while not ws.closed:
                await ws.send_str("6")  # a noop: not an answer to the pings
                await asyncio.sleep(0.05)

        talker = asyncio.ensure_future(keep_talking())
        try:
            # Everything the server sends until it hangs up: its pings, then the close.
            while (message := await ws.receive(timeout=10)).type is aiohttp.WSMsgType.TEXT:
                assert message.data == "2"
        finally:
            talker.cancel()

        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_a_client_that_starts_on_long_polling_upgrades_and_joins(
    client: TestClient[Any, Any], tokens: TokenService
) -> None:
    # Such a socket is connected before its WebSocket opens: engineio's own handler serves it.
    widget = socketio.AsyncClient(reconnection=False)
    token = tokens.mint("acme", "agent-1", supervisor=True)
    await widget.connect(
        str(client.make_url("")).rstrip("/"),
        namespaces=["/agent"],
        auth={"token": token},
        transports=["polling", "websocket"],
        wait_timeout=5,
    )
    try:

        async def upgraded() -> bool:
            return widget.transport() == "websocket"

        await eventually(upgraded, what="the upgrade to WebSocket")
        ack = await widget.call(
            "join", {"conversation_id": "conv-1"}, namespace="/agent", timeout=5
        )
        assert ack["ok"] is True
    finally:
        await widget.disconnect()

    async def gone() -> bool:
        return not client.app[SOCKETS].eio.sockets

    await eventually(gone, what="the upgraded socket forgotten")


async def test_widgets_share_one_copy_of_the_environ_strings_they_have_in_common(
    client: TestClient[Any, Any], connect_widget: Callable[..., Awaitable[Widget]]
) -> None:
    await connect_widget(agent="agent-1")
    await connect_widget(agent="agent-2")
    first, second = client.app[SOCKETS].environ.values()

    for key in ("PATH_INFO", "SERVER_PROTOCOL", "HTTP_USER_AGENT"):
        assert first[key] == second[key]
        assert first[key] is second[key]


async def test_widgets_that_connect_together_are_not_pinged_together(
    aiohttp_server: Callable[..., Awaitable[TestServer]], settings: Settings
) -> None:
    server, _ = await _pinging_server(aiohttp_server, settings, interval=1.0, ping_timeout=5)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        opened: list[tuple[aiohttp.ClientWebSocketResponse, float]] = []
        for _ in range(20):
            ws = await session.ws_connect(server.make_url(SOCKET_PATH))
            assert str((await ws.receive(timeout=5)).data).startswith("0{")
            opened.append((ws, loop.time()))

        async def first_ping(ws: aiohttp.ClientWebSocketResponse, since: float) -> float:
            message = await ws.receive(timeout=5)
            assert message.data == "2"
            return loop.time() - since

        delays = await asyncio.gather(*(first_ping(ws, since) for ws, since in opened))
        for ws, _ in opened:
            await ws.close()

    # Each socket's first ping comes within its interval, but they are not all one interval
    # after their connect (which would ping widgets that connected together, together).
    assert all(0.7 < delay < 1.5 for delay in delays), delays
    assert max(delays) - min(delays) > 0.05, delays


async def _pinging_server(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    *,
    interval: float,
    ping_timeout: float,
) -> tuple[TestServer, Any]:
    """A running app whose engineio server pings every ``interval`` s, waiting ``ping_timeout``."""
    server = await aiohttp_server(create_app(settings))
    eio = server.app[SOCKETS].eio
    eio.ping_interval, eio.ping_timeout = interval, ping_timeout
    return server, eio


async def test_the_queue_knows_its_size_and_can_drop_what_waits() -> None:
    queue = SocketQueue()
    queue.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, "x" * 10))
    queue.put_nowait(eio_packet.Packet(eio_packet.MESSAGE, "y" * 5))
    joined = asyncio.ensure_future(queue.join())

    assert queue.size() == 15
    queue.get_nowait()
    queue.task_done()
    assert queue.size() == 5
    queue.discard()

    assert queue.empty()
    assert queue.size() == 0
    await asyncio.wait_for(joined, 1)
