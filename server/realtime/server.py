"""The python-socketio server, with Redis fan-out when more than one node runs."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import weakref
from typing import Any

import socketio
from aiohttp import WSCloseCode, web
from engineio.async_drivers.aiohttp import WebSocket as EngineioWebSocket

from server.config import Settings
from server.realtime.codec import OrjsonCodec, WidgetPacket
from server.realtime.fanout import DirectSendManager
from server.realtime.frames import frames
from server.realtime.inbound import MalformedPollingBodies, WidgetSocketServer
from server.realtime.lean import serve_websocket
from server.realtime.listener import ResyncingRedisManager
from server.realtime.rooms import NAMESPACE

POLLING_BODIES = MalformedPollingBodies()
# Widget messages are small JSON; a cap keeps one client from buffering megabytes.
MAX_MESSAGE_BYTES = 64 * 1024
REDIS_CHANNEL = "cuecard-socketio"
POLLING_CLOSE_SECONDS = 5.0
WRITERS_TAKE_SECONDS = 1.0
# A handler still busy this long after its WebSocket was closed (a peer that stopped reading
# keeps a write pending) must not keep the process from stopping.
HANDLER_EXIT_SECONDS = 5.0
CLOSING = {"reason": "server_shutdown", "message": "this server is shutting down; reconnecting"}


# The WebSockets each engineio server has open, so shutdown can close them (weakly held: a
# process may run several servers, e.g. in tests, and each closes only its own).
_OPEN: weakref.WeakKeyDictionary[Any, set[UncompressedWebSocket]] = weakref.WeakKeyDictionary()

# What a live socket keeps of its upgrade request's environ (engineio copies every header into
# it and python-socketio keeps it per socket); the request itself stays reachable through
# ``aiohttp.request`` for anyone who needs another header.
KEPT_ENVIRON = frozenset(
    {
        "REQUEST_METHOD",
        "PATH_INFO",
        "QUERY_STRING",
        "RAW_URI",
        "REMOTE_ADDR",
        "SERVER_PROTOCOL",
        "HTTP_ORIGIN",
        "HTTP_USER_AGENT",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_FORWARDED_PROTO",
        "wsgi.url_scheme",
        "aiohttp.request",
    }
)


# Kept values most widgets have in common.
SHARED_ENVIRON = frozenset(
    {
        "REQUEST_METHOD",
        "PATH_INFO",
        "SERVER_PROTOCOL",
        "HTTP_ORIGIN",
        "HTTP_USER_AGENT",
        "HTTP_X_FORWARDED_PROTO",
        "wsgi.url_scheme",
    }
)


class UncompressedWebSocket(EngineioWebSocket):  # type: ignore[misc]
    """engineio's aiohttp WebSocket, declining the permessage-deflate extension.

    Browsers always offer permessage-deflate and aiohttp accepts it by default; every socket
    then keeps its own zlib state, which made an idle widget cost ~140 KiB of server memory
    instead of ~30 KiB (docs/benchmarks.md). Widget messages are small JSON, so compression
    saves little bandwidth. python-engineio (4.15) has no option for this; once a release adds
    one (a ``websocket_compression``-style server option), use it and drop this class.

    It keeps track of open sockets, so that :func:`close_widgets` can close them, and trims
    the environ the socket keeps for its life to ``KEPT_ENVIRON``: a browser's
    headers (cookies included) copied once more per idle widget bought nothing. A socket that
    opened on the WebSocket is served by :func:`~server.realtime.lean.serve_websocket` (one
    task fewer per idle widget than engineio's handler).
    """

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = web.WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=False
        )
        await self._sock.prepare(request)
        _trim(environ)
        self.environ = environ
        # A bare future, not an ``asyncio.Event`` (whose waiter deque alone is ~0.6 KiB).
        self._handled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        open_sockets = _OPEN.setdefault(self.server, set())
        open_sockets.add(self)
        socket = self.handler.__self__
        try:
            if socket.connected:  # an upgrade from long-polling: engineio's own handler
                await self.handler(self)
            else:
                await serve_websocket(socket, self)
        finally:
            open_sockets.discard(self)
            self._handled.set_result(None)
        return self._sock

    async def send(self, message: str | bytes) -> None:
        """As engineio's, without asking ``inspect`` on every message whether aiohttp's send
        methods are coroutine functions (they are)."""
        if isinstance(message, bytes):
            await self._sock.send_bytes(message)
        else:
            await self._sock.send_str(message)

    async def send_all(self, messages: list[str | bytes]) -> None:
        """The messages in order, framed together and written to the connection at once.

        While the connection's writes are paused (a peer that stopped reading), they go one by
        one through aiohttp, which waits for the connection to drain.
        """
        request = self.environ["aiohttp.request"]
        transport, protocol = request.transport, request.protocol
        if (
            self._sock.closed
            or transport is None
            or transport.is_closing()
            or protocol is None
            or protocol.writing_paused
        ):
            for message in messages:
                await self.send(message)
        elif messages:
            transport.write(frames(messages))

    async def receive_data(self, silence_seconds: float) -> str | bytes:
        """The next text or binary message; ``TimeoutError`` after ``silence_seconds`` without
        one, ``OSError`` once the connection closed (as engineio's ``wait``)."""
        message = await self._sock.receive(silence_seconds)
        if not isinstance(message.data, str | bytes):
            raise OSError("the WebSocket closed")
        return message.data

    async def close_for_restart(self) -> None:
        """Close with 1012 "service restart" (the client should reconnect, maybe elsewhere),
        and return once engineio has let go of the socket (or ``HANDLER_EXIT_SECONDS`` later)."""
        await self._sock.close(code=WSCloseCode.SERVICE_RESTART, message=b"server shutting down")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._handled), HANDLER_EXIT_SECONDS)


def _trim(environ: dict[str, Any]) -> None:
    """Keep only ``KEPT_ENVIRON`` of ``environ``, in place (python-socketio holds this dict).

    Deleting keys would leave the dict its table sized for every header; emptying it first
    lets the kept entries start a table of their own size. ``SHARED_ENVIRON`` strings are
    interned: thousands of widgets then hold one copy of the path, the protocol, a browser's
    user agent and origin (the query, with its per-connection timestamp, is not worth it).
    """
    kept = {key: _shared(key, environ[key]) for key in KEPT_ENVIRON if key in environ}
    environ.clear()
    environ.update(kept)


def _shared(key: str, value: Any) -> Any:
    return sys.intern(value) if key in SHARED_ENVIRON and type(value) is str else value


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    """An AsyncServer for aiohttp; its manager fans emits out through Redis if configured.

    Packets, and with Redis the emits nodes publish to each other, are serialised by orjson
    (``codec``), emits queued without a task per recipient
    (``fanout``; with Redis, ``listener`` notices when its subscription was away), and sockets
    hold less memory (``lean``, ``UncompressedWebSocket``); a client that does not speak the
    widget's protocol is cut off (``inbound``).
    """
    manager: DirectSendManager = (
        ResyncingRedisManager(settings.redis_url, channel=REDIS_CHANNEL, json=OrjsonCodec)
        if settings.redis_url
        else DirectSendManager()
    )
    sio = WidgetSocketServer(
        async_mode="aiohttp",
        client_manager=manager,
        # Only the widget's namespace: python-socketio would otherwise accept any client on
        # "/", which has no handler and so no authentication.
        namespaces=[NAMESPACE],
        serializer=WidgetPacket,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
    )
    sio.eio.logger.addFilter(POLLING_BODIES)  # once: the logger is engineio's, per process
    # engineio looks its WebSocket class up in the driver table of each server; a copy keeps
    # the change to this server rather than every aiohttp engineio server in the process.
    sio.eio._async = {**sio.eio._async, "websocket": UncompressedWebSocket}
    return sio


async def close_fanout(sio: socketio.AsyncServer) -> None:
    """Stop the fan-out manager's listener and release its Redis connections.

    python-socketio's AsyncRedisManager (5.16) has no close: its listener task and client
    would otherwise outlive the server until the loop shuts down or garbage collection.
    """
    manager = sio.manager
    if isinstance(manager, ResyncingRedisManager):
        await manager.stop_resyncs()
    listener = getattr(manager, "thread", None)
    if isinstance(listener, asyncio.Task):
        listener.cancel()
        await asyncio.wait([listener])
    pubsub = getattr(manager, "pubsub", None)
    if pubsub is not None:
        await pubsub.aclose()
    redis = getattr(manager, "redis", None)
    if redis is not None:
        await redis.aclose()


async def _writers_took_queued(eio: Any) -> None:
    """Wait (briefly) until every socket's writer has taken what is queued for it.

    An emit only queues its packet; closing the socket before the writer took it would drop
    the ``closing`` notice. A long-polling client that does not poll in time is not waited for.
    """
    joins = [asyncio.ensure_future(s.queue.join()) for s in eio.sockets.values() if not s.closed]
    if joins:
        _, late = await asyncio.wait(joins, timeout=WRITERS_TAKE_SECONDS)
        for join in late:
            join.cancel()
    # The writers' sends of what they took reach the transport before the close frame.
    await asyncio.sleep(0)


async def close_widgets(sio: socketio.AsyncServer, namespace: str) -> None:
    """Close every widget socket of this node at once, telling each why, before shutdown.

    Each widget first hears ``closing``, then its connection ends at the Engine.IO level, which
    socket.io-client reports as a transport close and answers by reconnecting, after its own
    randomised delay, to whichever node the load balancer picks. Without this, sockets would
    linger until the ping timeout and the process would wait for them (30-45 s).
    """
    # ignore_queue: only this node's widgets are told; the others are staying.
    await sio.emit("closing", CLOSING, namespace=namespace, ignore_queue=True)
    await _writers_took_queued(sio.eio)
    # Closing the WebSocket ends engineio's handler for it at once; its CLOSE packet alone
    # would leave the handler waiting for the client (socket.io-client ignores that packet
    # on a WebSocket).
    websockets = list(_OPEN.get(sio.eio, ()))
    await asyncio.gather(*(ws.close_for_restart() for ws in websockets), return_exceptions=True)
    polling = [socket for socket in sio.eio.sockets.values() if not socket.closed]
    if polling:
        # A long-polling client takes its CLOSE packet with its next poll; one that never
        # polls again must not hold the shutdown up.
        reason = sio.eio.reason.SERVER_DISCONNECT
        closing = [asyncio.ensure_future(socket.close(reason=reason)) for socket in polling]
        await asyncio.wait(closing, timeout=POLLING_CLOSE_SECONDS)
    await sio.shutdown()
