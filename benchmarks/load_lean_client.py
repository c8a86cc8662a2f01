"""A lean widget client for the load harness: Socket.IO v5 over Engine.IO v4, by hand.

python-socketio's client spends more CPU per connection than the server it measures (a
reconnection task, queues and an event dispatcher per client), so on a small machine the
harness's widgets, not the server, set the connect rate. This client speaks only what a widget
needs, straight over one aiohttp WebSocket per widget:

    → GET /socket.io/?EIO=4&transport=websocket     (WebSocket upgrade)
    ← 0{"sid": ..., "pingInterval": ...}            Engine.IO open
    → 40/agent,{"token": ...}                        namespace connect, the widget's auth
    ← 40/agent,{"sid": ...}  or  44/agent,{...}      accepted, or refused with a reason
    → 42/agent,1["join",{"conversation_id": ...}]    event with ack id 1
    ← 43/agent,1[{"ok": true}]                       its acknowledgement
    ← 42/agent,["suggestions",{...}]                 server events, timed into ``Arrivals``
    ← 2 / → 3                                        Engine.IO ping, answered with pong

It has no reconnection (``--restart`` needs the default client). Same token, same join, same
``Arrivals`` and ``ConnectStats`` as ``load_widgets``, so the report reads the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import orjson
from load_gc import collector_paused
from load_widgets import (
    BROWSER_COMPRESS_BITS,
    CONNECT_TIMEOUT_SECONDS,
    NAMESPACE,
    Arrivals,
    ConnectStats,
    WorkerPlan,
    conversation_of,
    raise_fd_limit,
)
from pydantic import SecretStr
from stall_hook.stall_watch import watch_if_asked

from server.auth.tokens import TokenService

ENGINE_PATH = "/socket.io/?EIO=4&transport=websocket"
# Engine.IO packet types, the first character of every text frame.
EIO_OPEN, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "2", "3", "4"
# Engine.IO message + Socket.IO packet type + the namespace: the heads of our frames.
CONNECT = f"{EIO_MESSAGE}0{NAMESPACE},"
DISCONNECT = f"{EIO_MESSAGE}1{NAMESPACE},"
EVENT = f"{EIO_MESSAGE}2{NAMESPACE},"
ACK = f"{EIO_MESSAGE}3{NAMESPACE},"
CONNECT_ERROR = f"{EIO_MESSAGE}4{NAMESPACE},"
JOIN_ACK_ID = 1


class Refused(Exception):
    """The server refused the namespace connect (a bad or expired token)."""


@dataclass
class LeanWidget:
    """One connected, joined widget: its WebSocket and the task reading server events."""

    ws: aiohttp.ClientWebSocketResponse
    reader: asyncio.Task[None]

    async def disconnect(self) -> None:
        """Leave the namespace and close the WebSocket, as a closing widget does."""
        self.reader.cancel()
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
            await self.ws.send_str(DISCONNECT)
        await self.ws.close()


def timed_handler(event: str, sink: Arrivals) -> Callable[[Any], None]:
    """What notes the timed event's payload: by trigger (suggestions) or line id (transcript)."""
    return sink.record_line if event == "transcript" else sink.record


async def next_frame(ws: aiohttp.ClientWebSocketResponse, on_event: Callable[[str], None]) -> str:
    """The next frame that is neither a ping (answered) nor a server event (handed on)."""
    while True:
        message = await ws.receive()
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"WebSocket ended: {message.type.name} {message.data!r}")
        frame: str = message.data
        if frame == EIO_PING:
            await ws.send_str(EIO_PONG)
        elif frame.startswith(EVENT):
            on_event(frame)
        else:
            return frame


def event_router(event: str, sink: Arrivals) -> Callable[[str], None]:
    """Parse server events; hand the timed one's payload to the sink, ignore the others."""
    handler = timed_handler(event, sink)
    head = f'{EVENT}["{event}",'

    def route(frame: str) -> None:
        if frame.startswith(head):
            _, payload = orjson.loads(frame[len(EVENT) :])
            handler(payload)

    return route


def _before_join(frame: str) -> None:
    """No event is timed before the widget has joined its conversation."""


async def handshake(ws: aiohttp.ClientWebSocketResponse, token: str, conversation: str) -> None:
    """Open the engine, connect the namespace with the token, join; raise if refused."""
    opened = await next_frame(ws, _before_join)
    if not opened.startswith(EIO_OPEN):
        raise ConnectionError(f"expected the Engine.IO open packet, got {opened[:80]!r}")
    await ws.send_str(CONNECT + orjson.dumps({"token": token}).decode())
    reply = await next_frame(ws, _before_join)
    if reply.startswith(CONNECT_ERROR):
        raise Refused(reply[len(CONNECT_ERROR) :])
    if not reply.startswith(CONNECT):
        raise ConnectionError(f"expected the namespace connect reply, got {reply[:80]!r}")
    join = orjson.dumps(["join", {"conversation_id": conversation}]).decode()
    await ws.send_str(f"{EVENT}{JOIN_ACK_ID}{join}")


async def joined(ws: aiohttp.ClientWebSocketResponse, on_event: Callable[[str], None]) -> None:
    """Wait for the join's acknowledgement; raise unless it says ok."""
    head = f"{ACK}{JOIN_ACK_ID}"
    frame = await next_frame(ws, on_event)
    if not frame.startswith(head):
        raise ConnectionError(f"expected the join's ack, got {frame[:80]!r}")
    ack = orjson.loads(frame[len(head) :])
    if not (ack and isinstance(ack[0], dict) and ack[0].get("ok")):
        raise RuntimeError(f"join refused: {ack!r}")


async def read_events(ws: aiohttp.ClientWebSocketResponse, on_event: Callable[[str], None]) -> None:
    """Answer pings and note timed events until the WebSocket ends."""
    with contextlib.suppress(ConnectionError):
        while True:
            await next_frame(ws, on_event)


async def open_lean_widget(
    plan: WorkerPlan, widget: int, token: str, session: aiohttp.ClientSession, sink: Arrivals
) -> LeanWidget:
    """Connect and join one widget; raise ``Refused`` or another error if it did not."""
    on_event = event_router(plan.event, sink)
    async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
        ws = await session.ws_connect(
            plan.base_url + ENGINE_PATH, compress=BROWSER_COMPRESS_BITS if plan.compress else 0
        )
        try:
            await handshake(ws, token, conversation_of(widget, plan.widgets_per_conversation))
            await joined(ws, on_event)
        except BaseException:
            await ws.close()
            raise
    return LeanWidget(ws, asyncio.get_running_loop().create_task(read_events(ws, on_event)))


async def connect_lean_widgets(
    plan: WorkerPlan, session: aiohttp.ClientSession, sink: Arrivals
) -> tuple[list[LeanWidget], ConnectStats]:
    """Connect the plan's widgets, ``plan.concurrency`` at a time; the widgets and the stats."""
    # Tokens come from the sign-in, before the storm: minted first, outside the timed window.
    service = TokenService(SecretStr(plan.secret_key), ttl_seconds=6 * 3600)
    numbers = range(plan.first, plan.first + plan.count)
    # Supervisors may watch any conversation: the traffic assigns none to these agents.
    tokens = {n: service.mint(plan.tenant_id, f"agent-{n}", supervisor=True) for n in numbers}
    gate = asyncio.Semaphore(plan.concurrency)
    stats = ConnectStats()
    widgets: list[LeanWidget] = []

    async def connect(number: int) -> None:
        async with gate:
            try:
                widget = await open_lean_widget(plan, number, tokens[number], session, sink)
            except Exception as err:
                stats.failed_with(err)
                return
            widgets.append(widget)
            stats.connected += 1
            stats.compressed += bool(widget.ws.compress)

    started, cpu_started = time.monotonic(), time.process_time()
    await asyncio.gather(*(connect(n) for n in numbers))
    stats.timed(started, cpu_started)
    return widgets, stats


async def _serve_plan(plan: WorkerPlan, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    sink = Arrivals()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        widgets, stats = await connect_lean_widgets(plan, session, sink)
        pipe.send(stats)
        # The parent says "report" once the traffic has drained, then "close".
        with collector_paused():
            while (command := await loop.run_in_executor(None, pipe.recv)) != "close":
                if command == "report":
                    pipe.send(sink)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.gather(*(w.disconnect() for w in widgets), return_exceptions=True)
    pipe.send("closed")


def lean_worker_main(plan: WorkerPlan, pipe: Connection) -> None:
    """Entry point of one lean widget worker process (``WidgetFleet(..., target=...)``)."""
    raise_fd_limit(plan.count + 256)
    watch_if_asked("widgets")
    asyncio.run(_serve_plan(plan, pipe))
