"""The python-socketio server, with Redis fan-out when more than one node runs."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from aiohttp import web
from engineio.async_drivers.aiohttp import WebSocket as EngineioWebSocket

from server.config import Settings
from server.realtime.codec import WidgetPacket
from server.realtime.fanout import DirectSendManager, DirectSendRedisManager
from server.realtime.lean import LeanSocketServer

# Widget messages are small JSON; a cap keeps one client from buffering megabytes.
MAX_MESSAGE_BYTES = 64 * 1024
REDIS_CHANNEL = "cuecard-socketio"
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


class UncompressedWebSocket(EngineioWebSocket):  # type: ignore[misc]
    """engineio's aiohttp WebSocket, declining the permessage-deflate extension.

    Browsers always offer permessage-deflate and aiohttp accepts it by default; every socket
    then keeps its own zlib state, which made an idle widget cost ~140 KiB of server memory
    instead of ~30 KiB (docs/benchmarks.md). Widget messages are small JSON, so compression
    saves little bandwidth. python-engineio (4.15) has no option for this; once a release adds
    one (a ``websocket_compression``-style server option), use it and drop this class.

    It also trims the environ the socket keeps for its life to ``KEPT_ENVIRON``: a browser's
    headers (cookies included) copied once more per idle widget bought nothing.
    """

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = web.WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=False
        )
        await self._sock.prepare(request)
        # In place: python-socketio holds the same dict for the connect handler.
        for key in [key for key in environ if key not in KEPT_ENVIRON]:
            del environ[key]
        self.environ = environ
        await self.handler(self)
        return self._sock


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    """An AsyncServer for aiohttp; its manager fans emits out through Redis if configured.

    Packets are serialised by orjson (``codec``), emits queued without a task per recipient
    (``fanout``), and sockets hold less memory (``lean``, ``UncompressedWebSocket``).
    """
    manager: DirectSendManager = (
        DirectSendRedisManager(settings.redis_url, channel=REDIS_CHANNEL)
        if settings.redis_url
        else DirectSendManager()
    )
    sio = LeanSocketServer(
        async_mode="aiohttp",
        client_manager=manager,
        serializer=WidgetPacket,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
    )
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
