"""State of the Pulsar WebSocket double: topics and their messages, keys, live sessions.

Behaviour follows protocols.md 6 (Apache Pulsar's WebSocket API) with 8x8's authentication
(5.1): a key in ``X-API-Key`` (or the lowercase query ``x-api-key``; a Contact Center token
also as ``Authorization: Basic``), 401 for an unknown key and 403 for a key without access
to the tenant. Tests publish through :meth:`PulsarWorld.publish` and break things with
:meth:`drop`, :meth:`close_sessions`, :meth:`revoke` and :meth:`fail_handshakes`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

# Pulsar's close codes on error (protocols.md 6).
FAILED_TO_SUBSCRIBE = 2
FAILED_TO_DESERIALIZE = 3
AUTHENTICATION_ERROR = 5
NOT_AUTHORIZED = 6
# The proxy caps every queue at 1000 (``Math.min(receiverQueueSize, 1000)``).
MAX_RECEIVER_QUEUE = 1000
# A ledger id whose varint bytes make base64 ids with '+', '/' and '=' in them.
LEDGER = 2_105_231


def encode_message_id(ledger: int, entry: int) -> str:
    """A message id as Pulsar writes it: base64 of MessageIdData (ledgerId=1, entryId=2)."""
    return base64.b64encode(b"\x08" + _varint(ledger) + b"\x10" + _varint(entry)).decode()


def decode_message_id(text: str) -> tuple[int, int]:
    """(ledger, entry) of an id; ``ValueError`` if it is not one."""
    data = base64.b64decode(text, validate=True)
    fields: dict[int, int] = {}
    index = 0
    while index < len(data):
        tag = data[index]
        value, index = _read_varint(data, index + 1)
        fields[tag >> 3] = value
    if 1 not in fields or 2 not in fields:
        raise ValueError("not a message id")
    return fields[1], fields[2]


@dataclass(frozen=True)
class StoredMessage:
    """One message of a topic, as a reader receives it."""

    entry: int
    message_id: str
    payload: bytes
    properties: dict[str, str]
    publish_time: datetime

    def frame(self, redelivery_count: int = 0) -> dict[str, Any]:
        """The JSON a reader or consumer receives (protocols.md 6)."""
        published = self.publish_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "messageId": self.message_id,
            "payload": base64.b64encode(self.payload).decode(),
            "properties": self.properties,
            "publishTime": published,
            "redeliveryCount": redelivery_count,
        }


@dataclass(eq=False)
class Topic:
    """A persistent topic: its messages in order."""

    name: str
    messages: list[StoredMessage] = field(default_factory=list)

    def after(self, message_id: str) -> int:
        """Index of the first message after ``message_id`` (a reader's exclusive start)."""
        ledger, entry = decode_message_id(message_id)
        if ledger != LEDGER:
            return 0 if ledger < LEDGER else len(self.messages)
        return next((i for i, m in enumerate(self.messages) if m.entry > entry), len(self.messages))


@dataclass(eq=False)
class Session:
    """One connected WebSocket, reader or consumer, and what it has been sent and acked."""

    kind: str
    topic: Topic
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    max_pending: int
    pending: int = 0
    most_pending: int = 0
    delivered: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    # The session's handler finished (a cut connection may never see a close frame).
    ended: bool = False
    # Set by anything that may let delivery go on (a new message, an ack, a permit).
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Set by every frame either way; the idle timeout closes a session without any.
    activity: asyncio.Event = field(default_factory=asyncio.Event)

    def abort(self) -> None:
        """Cut the TCP connection without a close frame."""
        if self.transport is not None:
            self.transport.abort()  # type: ignore[attr-defined]

    async def send(self, frame: dict[str, Any]) -> None:
        """Send one JSON frame, counting it as activity."""
        self.activity.set()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(json.dumps(frame))


@dataclass(eq=False)
class Subscription:
    """A consumer subscription's cursor: acknowledged entries and how often each was sent."""

    topic: Topic
    name: str
    start: int
    acked: set[int] = field(default_factory=set)
    sent: dict[int, int] = field(default_factory=dict)
    consumer: Session | None = None

    def unacked(self) -> list[StoredMessage]:
        """Messages from the subscription's start that were never acknowledged, in order."""
        return [m for m in self.topic.messages[self.start :] if m.entry not in self.acked]


@dataclass(frozen=True)
class Handshake:
    """One upgrade request: where it went, how it authenticated, what it was answered."""

    path: str
    query: dict[str, str]
    auth: str | None
    status: int


@dataclass
class PulsarWorld:
    """Everything the double knows. ``keys`` maps an API key to the tenants it may read."""

    keys: dict[str, set[str]] = field(default_factory=dict)
    tenants: set[str] = field(default_factory=set)
    topics: dict[str, Topic] = field(default_factory=dict)
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    handshakes: list[Handshake] = field(default_factory=list)
    # webSocketSessionIdleTimeoutMillis (300 s in Pulsar), in seconds here.
    idle_timeout: float = 300.0
    # webSocketPingDurationSeconds: off (<= 0) by default, as in Pulsar.
    ping_interval: float = 0.0
    # Readers start after the given id; True starts at it (startMessageIdInclusive).
    start_inclusive: bool = False
    _failures: list[int] = field(default_factory=list)
    _next_entry: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def topic(self, name: str) -> Topic:
        """The topic ``persistent://tenant/namespace/topic``, created on first use."""
        if name not in self.topics:
            self.topics[name] = Topic(name)
        return self.topics[name]

    def publish(
        self, topic: str, payload: bytes | dict[str, Any], properties: dict[str, str] | None = None
    ) -> str:
        """Append a message (a dict is sent as JSON) and wake its readers; its id."""
        data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
        self._next_entry += 1
        stored = StoredMessage(
            entry=self._next_entry,
            message_id=encode_message_id(LEDGER, self._next_entry),
            payload=data,
            properties=properties or {},
            publish_time=datetime.now(UTC),
        )
        self.topic(topic).messages.append(stored)
        for session in self.live(topic):
            session.wake.set()
        return stored.message_id

    def live(self, topic: str | None = None) -> list[Session]:
        """Sessions still connected (to ``topic`` if given)."""
        return [
            s for s in self.sessions if not s.ws.closed and (topic is None or s.topic.name == topic)
        ]

    def drop(self, topic: str | None = None) -> int:
        """Cut live sessions' connections without a close frame; how many were cut."""
        dropped = self.live(topic)
        for session in dropped:
            session.abort()
        return len(dropped)

    async def close_sessions(self, code: int, reason: str, topic: str | None = None) -> None:
        """Close live sessions with a Pulsar close code, as the proxy does on errors."""
        for session in self.live(topic):
            await session.ws.close(code=code, message=reason.encode())

    def revoke(self, key: str) -> None:
        """Forget a key (a rotation): the next handshakes with it get 401."""
        self.keys.pop(key, None)

    def fail_handshakes(self, *statuses: int) -> None:
        """Answer the next handshakes with these HTTP statuses instead of upgrading."""
        self._failures.extend(statuses)

    def next_failure(self) -> int | None:
        """The status the next handshake must fail with, if any."""
        return self._failures.pop(0) if self._failures else None

    def opened(self, session: Session) -> None:
        """Record a new session and tell waiting tests."""
        self.sessions.append(session)
        self.changed.set()

    def acked(self, session: Session, message_id: str) -> None:
        """Record an acknowledgement and tell waiting tests."""
        session.acked.append(message_id)
        session.pending = max(0, session.pending - 1)
        session.wake.set()
        self.changed.set()

    async def wait_for(self, predicate: Any, within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (re-checked whenever a session opens or acks)."""
        async with asyncio.timeout(within):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, index: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if index >= len(data):
            raise ValueError("truncated varint")
        byte = data[index]
        value |= (byte & 0x7F) << shift
        index, shift = index + 1, shift + 7
        if not byte & 0x80:
            return value, index
