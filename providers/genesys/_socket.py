"""Notification socket frames: parsing, pings and the heartbeat timeout (private helper).

Used by :mod:`providers.genesys._channels`; both sit behind :mod:`providers.genesys.client`,
the adapter's one network surface. Frames are described in protocols.md 1.5.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from providers.errors import ProviderError
from providers.genesys.const import Timings

logger = logging.getLogger(__name__)

PING = json.dumps({"message": "ping"})
HEARTBEAT_TOPIC = "channel.metadata"
CLOSING_TOPIC = "v2.system.socket_closing"
_random = secrets.SystemRandom()


@dataclass(frozen=True, slots=True)
class Notification:
    """One topic notification: its topic name and event body."""

    topic: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resync:
    """A socket was lost and replaced: notifications may have been missed meanwhile."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The stream stopped for good (refused credentials, broken settings)."""

    error: ProviderError


StreamItem = Notification | Resync | Failed


class SocketLost(Exception):
    """The socket closed, failed or went silent; the message says which."""


def parse_frame(text: str) -> Notification | Literal["closing"] | None:
    """A socket frame as a notification, the closing warning, or None (heartbeats, noise)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        # RecursionError: nested deeper than the decoder goes. Either way it is not a frame
        # this adapter can read, and it must not end the socket's reader.
        logger.debug("Ignoring a notification frame that is not readable JSON")
        return None
    topic = data.get("topicName") if isinstance(data, dict) else None
    if topic == CLOSING_TOPIC:
        return "closing"
    body = data.get("eventBody") if isinstance(data, dict) else None
    if not isinstance(topic, str) or topic == HEARTBEAT_TOPIC or not isinstance(body, dict):
        return None
    if topic.startswith("v2.system."):
        logger.debug("Ignoring system notification %s", topic)
        return None
    return Notification(topic, body)


def backoff(attempt: int, timings: Timings) -> float:
    """Seconds before reconnect ``attempt`` (0-based): doubling, capped, half of it random."""
    ceiling = min(timings.backoff_max, timings.backoff_initial * 2**attempt)
    return _random.uniform(ceiling / 2, ceiling)


async def receive_text(ws: aiohttp.ClientWebSocketResponse, timings: Timings) -> str:
    """The next text frame; pings after ``ping_after`` of silence, gives up at the timeout."""
    text = await _next_text(ws, timings.ping_after)
    if text is not None:
        return text
    # Silence: ask for a pong before declaring the socket dead.
    try:
        await ws.send_str(PING)
    except (aiohttp.ClientError, ConnectionError) as err:
        raise SocketLost(f"socket failed ({type(err).__name__})") from err
    text = await _next_text(ws, timings.heartbeat_timeout - timings.ping_after)
    if text is None:
        raise SocketLost(f"no heartbeat for {timings.heartbeat_timeout:g} s")
    return text


async def _next_text(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> str | None:
    """The next text frame, or None if none arrived within ``seconds``."""
    while True:
        try:
            message = await ws.receive(timeout=max(seconds, 0.001))
        except TimeoutError:
            return None
        if message.type is aiohttp.WSMsgType.TEXT:
            return str(message.data)
        if message.type is aiohttp.WSMsgType.ERROR:
            raise SocketLost(f"socket failed ({type(message.data).__name__})")
        if message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
        ):
            raise SocketLost(f"socket closed by Genesys (code {ws.close_code})")
