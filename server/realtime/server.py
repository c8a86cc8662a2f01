"""The python-socketio server, with Redis fan-out when more than one node runs."""

from __future__ import annotations

import socketio

from server.config import Settings

# Widget messages are small JSON; a cap keeps one client from buffering megabytes.
MAX_MESSAGE_BYTES = 64 * 1024
REDIS_CHANNEL = "cuecard-socketio"


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    """An AsyncServer for aiohttp; its manager fans emits out through Redis if configured."""
    manager = None
    if settings.redis_url:
        manager = socketio.AsyncRedisManager(settings.redis_url, channel=REDIS_CHANNEL)
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
    )
