"""Consumer sessions of the Pulsar double: a durable cursor per subscription (protocols.md 6).

A new subscription starts at the end of the topic (Pulsar's default, ``Latest``). A consumer
gets every message not yet acknowledged, in order; what it was sent but did not acknowledge
is sent again, with ``redeliveryCount`` one higher, to the next consumer of the subscription.
``{"messageId"}`` acknowledges, ``{"type": "negativeAcknowledge", "messageId"}`` asks for
redelivery after ``negativeAckRedeliveryDelay``; in pull mode ``{"type": "permit",
"permitMessages": n}`` lets ``n`` more through, in push mode ``receiverQueueSize`` caps the
un-acknowledged ones.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tests.doubles.pulsar.world import (
    PulsarWorld,
    Session,
    StoredMessage,
    Subscription,
    Topic,
    decode_message_id,
)


@dataclass(eq=False)
class ConsumerState:
    """One consumer session's view of its subscription."""

    subscription: Subscription
    pull: bool
    nack_delay: float
    permits: int = 0
    in_flight: set[int] = field(default_factory=set)
    held_back: set[int] = field(default_factory=set)


def subscription(world: PulsarWorld, topic: Topic, name: str) -> Subscription:
    """The subscription ``name`` on ``topic``, created at the topic's end on first use."""
    key = (topic.name, name)
    if key not in world.subscriptions:
        world.subscriptions[key] = Subscription(topic, name, start=len(topic.messages))
    return world.subscriptions[key]


async def deliveries(session: Session, state: ConsumerState) -> None:
    """Send unacknowledged messages while the queue (push) or the permits (pull) allow."""
    while True:
        for message in _sendable(state):
            if not _may_send(session, state):
                break
            await session.send(_frame(state, message))
            state.in_flight.add(message.entry)
            session.pending += 1
            session.most_pending = max(session.most_pending, session.pending)
            session.delivered.append(message.message_id)
            state.permits -= 1
        session.wake.clear()
        await session.wake.wait()


def text(world: PulsarWorld, state: ConsumerState) -> Any:
    """A consumer's frames: ack, negative ack, permits, end-of-topic."""

    async def handle(session: Session, command: dict[str, Any]) -> None:
        kind = command.get("type")
        if kind == "permit":
            state.permits += int(command.get("permitMessages", 0))
            session.wake.set()
        elif kind == "isEndOfTopic":
            await session.send({"endOfTopic": False})
        elif kind == "negativeAcknowledge":
            _nack(session, state, command.get("messageId"))
        elif isinstance(command.get("messageId"), str):
            _ack(world, session, state, command["messageId"])

    return handle


def _sendable(state: ConsumerState) -> list[StoredMessage]:
    blocked = state.in_flight | state.held_back
    return [m for m in state.subscription.unacked() if m.entry not in blocked]


def _may_send(session: Session, state: ConsumerState) -> bool:
    if state.pull:
        return state.permits > 0
    return session.pending < session.max_pending


def _frame(state: ConsumerState, message: StoredMessage) -> dict[str, Any]:
    sent = state.subscription.sent
    count = sent.get(message.entry, 0)
    sent[message.entry] = count + 1
    return message.frame(redelivery_count=count)


def _ack(world: PulsarWorld, session: Session, state: ConsumerState, message_id: str) -> None:
    entry = _entry(message_id)
    if entry is None:
        return
    state.subscription.acked.add(entry)
    state.in_flight.discard(entry)
    world.acked(session, message_id)


def _nack(session: Session, state: ConsumerState, message_id: object) -> None:
    entry = _entry(message_id)
    if entry is None or entry not in state.in_flight:
        return
    state.in_flight.discard(entry)
    state.held_back.add(entry)
    session.pending = max(0, session.pending - 1)

    def release() -> None:
        state.held_back.discard(entry)
        session.wake.set()

    asyncio.get_running_loop().call_later(state.nack_delay, release)


def _entry(message_id: object) -> int | None:
    if not isinstance(message_id, str):
        return None
    try:
        return decode_message_id(message_id)[1]
    except ValueError:
        return None
