"""The Pulsar WebSocket double: reader and consumer endpoints (protocols.md 6, 8x8 auth 5.1).

Readers start after ``messageId`` (``latest`` by default, ``earliest``, or an id), get every
message as ``{messageId, payload (base64), properties, publishTime, redeliveryCount}`` and
must acknowledge with ``{"messageId": …}``: the proxy stops after ``receiverQueueSize``
(at most 1000) un-acknowledged messages. Consumers (``consumer.py``) keep a cursor per
subscription and redeliver what was not acknowledged. Bad JSON from the client closes the
session with Pulsar's code 3; a session with no frames either way for ``idle_timeout`` is
closed (1001), as Jetty does under the proxy; pings from the client count as activity.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.doubles.pulsar import consumer
from tests.doubles.pulsar.world import (
    FAILED_TO_DESERIALIZE,
    MAX_RECEIVER_QUEUE,
    Handshake,
    PulsarWorld,
    Session,
    Topic,
)

WORLD = web.AppKey("pulsar_world", PulsarWorld)
TOPIC_PATH = "/ws/v2/{kind}/persistent/{tenant}/{namespace}/{topic}"
TextHandler = Callable[[Session, Any], Awaitable[None]]


def create_double(world: PulsarWorld) -> web.Application:
    """The double's application, sharing ``world`` with the test."""
    app = web.Application()
    app[WORLD] = world
    app.router.add_get(TOPIC_PATH.format(kind="reader", **_PARTS), reader)
    app.router.add_get(TOPIC_PATH.format(kind="consumer", **_PARTS) + "/{subscription}", consume)
    return app


_PARTS = {"tenant": "{tenant}", "namespace": "{namespace}", "topic": "{topic}"}


async def reader(request: web.Request) -> web.StreamResponse:
    """A reader session: start after ``messageId``, deliver in order, pause at the queue size."""
    world = request.app[WORLD]
    if (refused := refusal(request, world)) is not None:
        return refused
    topic = world.topic(topic_name(request))
    try:
        start = start_index(topic, request.query.get("messageId", "latest"), world.start_inclusive)
    except ValueError:
        return web.Response(status=500, text="Failed to create reader: invalid messageId")
    session = await open_session(request, world, "reader", topic)
    await serve(session, world, reader_deliveries(session, start), reader_text(world))
    return session.ws


async def consume(request: web.Request) -> web.StreamResponse:
    """A consumer session on a durable subscription (see :mod:`.consumer`)."""
    world = request.app[WORLD]
    if (refused := refusal(request, world)) is not None:
        return refused
    topic = world.topic(topic_name(request))
    subscription = consumer.subscription(world, topic, request.match_info["subscription"])
    if subscription.consumer is not None and subscription.consumer in world.live():
        # An Exclusive subscription already has its consumer (ConsumerBusy → 409).
        return web.Response(status=409, text="Failed to subscribe: consumer busy")
    session = await open_session(request, world, "consumer", topic)
    subscription.consumer = session
    pull = request.query.get("pullMode", "false") == "true"
    state = consumer.ConsumerState(subscription, pull=pull, nack_delay=_nack_delay(request))
    await serve(session, world, consumer.deliveries(session, state), consumer.text(world, state))
    return session.ws


def refusal(request: web.Request, world: PulsarWorld) -> web.Response | None:
    """The HTTP answer refusing the upgrade, or None to accept it; records the handshake."""
    key, how = _credential(request)
    status = world.next_failure()
    if status is None and (key is None or key not in world.keys):
        status = 401
    elif status is None and request.match_info["tenant"] not in world.keys[str(key)]:
        status = 403
    world.handshakes.append(Handshake(request.path, dict(request.query), how, status or 101))
    if status is None:
        return None
    texts = {401: "Failed to authenticate", 403: "Not authorized"}
    return web.Response(status=status, text=texts.get(status, "Server error"))


def topic_name(request: web.Request) -> str:
    """``persistent://tenant/namespace/topic`` of the request's path."""
    info = request.match_info
    return f"persistent://{info['tenant']}/{info['namespace']}/{info['topic']}"


def start_index(topic: Topic, message_id: str, inclusive: bool = False) -> int:
    """Where a reader starts: after (or at) the given id; ``ValueError`` if it is no id."""
    if message_id == "earliest":
        return 0
    if message_id == "latest":
        return len(topic.messages)
    after = topic.after(message_id)
    found = after > 0 and topic.messages[after - 1].message_id == message_id
    return after - 1 if inclusive and found else after


def queue_size(request: web.Request) -> int:
    """The session's cap on un-acknowledged messages (0 means one at a time)."""
    asked = int(request.query.get("receiverQueueSize", MAX_RECEIVER_QUEUE))
    return max(1, min(asked, MAX_RECEIVER_QUEUE))


async def open_session(
    request: web.Request, world: PulsarWorld, kind: str, topic: Topic
) -> Session:
    """Upgrade the request and register its session."""
    ws = web.WebSocketResponse(autoping=False)
    await ws.prepare(request)
    session = Session(kind, topic, ws, request.transport, max_pending=queue_size(request))
    world.opened(session)
    return session


async def serve(
    session: Session, world: PulsarWorld, deliveries: Awaitable[None], on_text: TextHandler
) -> None:
    """Run a session: deliveries, idle timeout, pings, and the client's frames, until closed."""
    tasks = [asyncio.ensure_future(deliveries), asyncio.create_task(_idle(session, world))]
    if world.ping_interval > 0:
        tasks.append(asyncio.create_task(_pings(session, world.ping_interval)))
    try:
        async for frame in session.ws:
            session.activity.set()
            if frame.type is WSMsgType.PING:
                await session.ws.pong(frame.data)
            elif frame.type is WSMsgType.TEXT:
                await _text(session, frame.data, on_text)
    finally:
        session.ended = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        world.changed.set()


async def reader_deliveries(session: Session, index: int) -> None:
    """Send the topic's messages from ``index`` on, never more than the queue allows pending."""
    messages = session.topic.messages
    while True:
        while index < len(messages) and session.pending < session.max_pending:
            message = messages[index]
            session.pending += 1
            session.most_pending = max(session.most_pending, session.pending)
            session.delivered.append(message.message_id)
            await session.send(message.frame())
            index += 1
        session.wake.clear()
        await session.wake.wait()


def reader_text(world: PulsarWorld) -> TextHandler:
    """A reader's frames: acknowledgements, or the end-of-topic question."""

    async def handle(session: Session, command: Any) -> None:
        if command.get("type") == "isEndOfTopic":
            await session.send({"endOfTopic": False})
        elif isinstance(command.get("messageId"), str):
            world.acked(session, command["messageId"])

    return handle


async def _text(session: Session, data: str, on_text: TextHandler) -> None:
    try:
        command = json.loads(data)
        if not isinstance(command, dict):
            raise ValueError("not an object")
    except ValueError:
        await session.ws.close(code=FAILED_TO_DESERIALIZE, message=b"Failed to de-serialize")
        return
    await on_text(session, command)


async def _idle(session: Session, world: PulsarWorld) -> None:
    while True:
        try:
            async with asyncio.timeout(world.idle_timeout):
                await session.activity.wait()
        except TimeoutError:
            await session.ws.close(code=1001, message=b"Idle Timeout")
            return
        session.activity.clear()


async def _pings(session: Session, interval: float) -> None:
    while not session.ws.closed:
        await asyncio.sleep(interval)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await session.ws.ping(b"PING")


def _credential(request: web.Request) -> tuple[str | None, str | None]:
    """The key and how it came: the header, the lowercase query, or legacy Basic."""
    if key := request.headers.get("X-API-Key"):
        return key, "header"
    if key := request.query.get("x-api-key"):
        return key, "query"
    basic = request.headers.get("Authorization", "") or request.query.get("token", "")
    if basic.startswith("Basic "):
        return basic.removeprefix("Basic ").strip(), "basic"
    return None, None


def _nack_delay(request: web.Request) -> float:
    return int(request.query.get("negativeAckRedeliveryDelay", "60000")) / 1000
