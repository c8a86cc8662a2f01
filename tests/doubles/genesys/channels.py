"""Notification channels of the Genesys double: their topics, sockets and fault controls.

State and behaviour behind :mod:`tests.doubles.genesys.notifications` (protocols.md 1.2-1.5):
20 channels per OAuth client (the oldest unused one is evicted), 1000 topics per channel,
one WebSocket per channel, heartbeats on ``channel.metadata``, ``v2.system.socket_closing``.
Tests reach it as ``world.channels`` to publish and to break things.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
PONG = {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}
CLOSING_TOPIC = "v2.system.socket_closing"


class TopicLimitExceeded(Exception):
    """A subscription would take a channel past its topic limit."""


@dataclass(eq=False)
class Connection:
    """One WebSocket connected to a channel, with its own ordered outbox."""

    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    silenced: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def send(self, message: dict[str, Any]) -> None:
        """Queue a frame unless the socket was silenced (a half-open connection)."""
        if not self.silenced:
            self.outbox.put_nowait(json.dumps(message))

    async def write(self) -> None:
        """Send queued frames in order until the socket closes."""
        while not self.ws.closed:
            frame = await self.outbox.get()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(frame)

    def abort(self) -> None:
        """Cut the TCP connection without a close frame."""
        self.silenced = True
        if self.transport is not None:
            self.transport.abort()  # type: ignore[attr-defined]


@dataclass(eq=False)
class Channel:
    """A channel: who made it, when it lapses, its topics and its socket."""

    id: str
    client_id: str
    token: str
    connect_uri: str
    expires_at: float
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    connection: Connection | None = None
    last_used: float = field(default_factory=time.monotonic)

    def resource(self) -> dict[str, Any]:
        """The ``Channel`` resource: ``{id, connectUri, expires}``."""
        expires = datetime.fromtimestamp(self.expires_at, UTC)
        return {
            "id": self.id,
            "connectUri": self.connect_uri,
            "expires": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }


@dataclass
class ChannelHub:
    """Every channel of the double, plus the knobs and logs tests use."""

    heartbeat_interval: float = 30.0
    channel_ttl: float = 86400.0
    max_channels: int = 20
    max_topics: int = 1000
    # Topics the OAuth client lacks permission for: they come back ``Rejected``.
    denied: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    # Ids of every channel ever created, in order, and notifications no socket received.
    created: list[str] = field(default_factory=list)
    undelivered: list[tuple[str, str]] = field(default_factory=list)
    # Channel requests answered 200 with a body missing ``connectUri`` and ``expires`` (a
    # platform having a bad day), counted down.
    broken_answers: int = 0
    # Subscription requests answered 200 with a JSON array instead of the listing, counted down.
    broken_listings: int = 0

    def create(self, client_id: str, token: str, ws_base: str) -> Channel:
        """A new channel; past the limit the oldest idle channel of the client goes first."""
        mine = [c for c in self.channels.values() if c.client_id == client_id]
        if len(mine) >= self.max_channels:
            oldest = min(mine, key=lambda c: (c.connection is not None, c.last_used))
            self.remove(oldest.id)
        channel_id = f"streaming-0-{secrets.token_hex(12)}"
        channel = Channel(
            id=channel_id,
            client_id=client_id,
            token=token,
            connect_uri=f"{ws_base}/channels/{channel_id}",
            expires_at=time.time() + self.channel_ttl,
        )
        self.channels[channel_id] = channel
        self.created.append(channel_id)
        return channel

    def subscribe(self, channel: Channel, topics: list[str], *, replace: bool) -> list[str]:
        """Set or extend the channel's topics; return those denied. Extends its lifetime."""
        current = {} if replace else dict(channel.topics)
        for topic in topics:
            current[topic] = self.topic_entity(topic)
        if len(current) > self.max_topics:
            raise TopicLimitExceeded(f"The channel topic limit of {self.max_topics} is exceeded")
        channel.topics = current
        channel.expires_at = time.time() + self.channel_ttl
        return [topic for topic in topics if current[topic]["state"] == "Rejected"]

    def topic_entity(self, topic: str) -> dict[str, Any]:
        """A ``ChannelTopic``: ``Permitted``, or ``Rejected`` with the missing permissions."""
        entity: dict[str, Any] = {"id": topic, "state": "Permitted"}
        if topic in self.denied:
            entity.update(
                state="Rejected",
                rejectionReason="Missing permissions",
                missingPermissions=self.denied[topic],
            )
        return entity

    def publish(self, topic: str, body: dict[str, Any]) -> int:
        """Send a notification to every socket subscribed to ``topic``; return how many."""
        message = {
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": str(uuid.uuid4())},
        }
        delivered = 0
        for channel in self.channels.values():
            if channel.topics.get(topic, {}).get("state") != "Permitted":
                continue
            if channel.connection is None or channel.connection.silenced:
                self.undelivered.append((channel.id, topic))
                continue
            channel.connection.send(message)
            delivered += 1
        return delivered

    def send_raw(self, topic: str, frame: str) -> int:
        """Send one text frame as it is to every socket subscribed to ``topic`` (a broken or
        hostile platform: frames no JSON encoder here would write); return how many."""
        delivered = 0
        for channel in self.channels.values():
            connection = channel.connection
            if channel.topics.get(topic, {}).get("state") == "Permitted" and connection:
                connection.outbox.put_nowait(frame)
                delivered += 1
        return delivered

    def live(self) -> list[Channel]:
        """Channels with a socket connected right now."""
        return [c for c in self.channels.values() if c.connection is not None]

    def only_live(self) -> Channel:
        """The one channel with a socket (fails the test if there are more or none)."""
        live = self.live()
        assert len(live) == 1, f"expected one connected channel, found {len(live)}"
        return live[0]

    def warn_closing(self, channel_id: str, close_after: float) -> None:
        """Send ``v2.system.socket_closing``, then close the socket ``close_after`` s later."""
        channel = self.channels[channel_id]
        connection = channel.connection
        if connection is None:
            return
        connection.send(
            {
                "topicName": CLOSING_TOPIC,
                "version": "2",
                "eventBody": {"channelId": channel_id, "message": "Socket will close"},
                "metadata": {"CorrelationId": str(uuid.uuid4())},
            }
        )

        async def close_later() -> None:
            await asyncio.sleep(close_after)
            self.detach(channel, connection)
            await connection.ws.close()

        connection.tasks.append(asyncio.create_task(close_later()))

    def drop(self, channel_id: str) -> None:
        """Cut a channel's socket abruptly; nothing more is delivered to it."""
        channel = self.channels[channel_id]
        if channel.connection is not None:
            connection = channel.connection
            self.detach(channel, connection)
            connection.abort()

    def silence(self, channel_id: str) -> None:
        """Leave the socket open but send nothing more on it, not even heartbeats or pongs."""
        connection = self.channels[channel_id].connection
        if connection is not None:
            connection.silenced = True

    def expire(self, channel_id: str) -> None:
        """End a channel now, as when its lifetime runs out: its socket closes."""
        self.remove(channel_id)

    def remove(self, channel_id: str) -> None:
        """Delete a channel and close its socket."""
        channel = self.channels.pop(channel_id, None)
        if channel is not None and channel.connection is not None:
            connection = channel.connection
            self.detach(channel, connection)
            connection.tasks.append(asyncio.create_task(connection.ws.close()))

    def attach(self, channel: Channel, connection: Connection) -> None:
        """Connect a socket; a channel has one, so an earlier one is closed."""
        if channel.connection is not None:
            self.remove_connection(channel)
        channel.connection = connection
        channel.last_used = time.monotonic()

    def detach(self, channel: Channel, connection: Connection) -> None:
        """Forget a socket (closed, dropped, replaced)."""
        if channel.connection is connection:
            channel.connection = None
            channel.last_used = time.monotonic()

    def remove_connection(self, channel: Channel) -> None:
        """Close the channel's current socket."""
        connection = channel.connection
        if connection is not None:
            self.detach(channel, connection)
            connection.tasks.append(asyncio.create_task(connection.ws.close()))

    async def heartbeats(self, channel: Channel, connection: Connection) -> None:
        """Send a heartbeat every interval; close the socket once the channel has expired."""
        while not connection.ws.closed:
            await asyncio.sleep(self.heartbeat_interval)
            if time.time() >= channel.expires_at:
                self.remove(channel.id)
                return
            connection.send(HEARTBEAT)
