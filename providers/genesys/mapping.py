"""Pure functions from Genesys conversation bodies to canonical events.

Example ``v2.routing.queues.{id}.conversations`` notification body (protocols.md 1.7)::

    {"id": "0c5e-conv",
     "participants": [
       {"id": "p-cust", "purpose": "customer",
        "messages": [{"id": "comm-1", "state": "connected", "direction": "inbound",
                      "type": "webmessaging", "held": false,
                      "messages": [{"messageId": "m-77", "messageStatus": "received",
                                    "messageTime": "2026-01-02T10:00:01.000Z"}]}]},
       {"id": "p-acd", "purpose": "acd", "queueId": "fd17-queue",
        "endTime": "2026-01-02T10:00:05.000Z"},
       {"id": "p-agent", "purpose": "agent", "userId": "8b1f-user", "queueId": "fd17-queue",
        "connectedTime": "2026-01-02T10:00:06.000Z",
        "messages": [{"id": "comm-2", "state": "connected", "held": false}]}]}

:func:`conversation_view` reads this shape and the flattened ``.messages`` / REST shapes
(see :mod:`providers.genesys._bodies`). Message bodies carry ids only; the adapter fetches
each ``MessageData`` and :func:`message_event` maps it. A voice call's speech arrives on its
own ``.transcription`` topic; :func:`transcript_events` maps it (see
:mod:`providers.genesys._transcription`).

Event ids are derived from Genesys ids (conversation, participant, hold start, message), so
a notification seen twice, replayed after a reconnect or seen by two servers maps to the
same ``provider_event_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from providers.genesys._bodies import (
    AGENT_PURPOSES,
    BOT_PURPOSES,
    CUSTOMER_PURPOSES,
    ConversationView,
    MessageRef,
    ParticipantView,
    conversation_view,
    notification_view,
    parse_time,
    topic_target,
)
from providers.genesys._transcription import (
    transcript_event_id,
    transcript_events,
    transcription_target,
    transcription_topic,
)
from providers.genesys.const import PROVIDER
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    MediaType,
    Message,
    ParticipantHeld,
    ParticipantResumed,
    Speaker,
)

__all__ = [
    "ConversationView",
    "Memory",
    "MessageRef",
    "StatusChanges",
    "conversation_view",
    "message_event",
    "notification_view",
    "pending_messages",
    "remember",
    "status_events",
    "topic_target",
    "transcript_event_id",
    "transcript_events",
    "transcription_target",
    "transcription_topic",
]

MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class Memory:
    """What was emitted for one conversation, and the hold key of each held participant."""

    emitted: frozenset[str] = frozenset()
    holds: dict[str, str] = field(default_factory=dict)
    queue_id: str | None = None


class StatusChanges(NamedTuple):
    """Status events of one view (the end kept apart so messages can precede it)."""

    events: list[Event]
    ended: ConversationEnded | None
    memory: Memory


def status_events(
    view: ConversationView, memory: Memory, tenant_id: str, now: datetime
) -> StatusChanges:
    """Started, agent assigned, held/resumed transitions and ended, minus those emitted."""
    queue = view.queue_id or memory.queue_id
    base = _Base(tenant_id, view.id, queue, now)
    events: list[Event] = [
        ConversationStarted(**base.fields("started", _earliest(view)), media=view.media)
    ]
    for p in view.participants:
        if p.purpose in AGENT_PURPOSES and p.user_id and p.connected and (p.queue_id or queue):
            fields = {**base.fields(f"agent:{p.id}", p.started_at), "queue": p.queue_id or queue}
            events.append(AgentAssigned(**fields, agent_id=p.user_id))
    holds = dict(memory.holds)
    for p in view.participants:
        events.extend(_hold_transition(p, holds, base, memory.emitted, view.media))
    ended = ConversationEnded(**base.fields("ended", _latest(view))) if view.ended else None
    fresh = [event for event in events if event.provider_event_id not in memory.emitted]
    if ended is not None and ended.provider_event_id in memory.emitted:
        ended = None
    emitted = {e.provider_event_id for e in fresh} | ({ended.provider_event_id} if ended else set())
    new_memory = Memory(memory.emitted | emitted, holds, queue)
    return StatusChanges(fresh, ended, new_memory)


def pending_messages(view: ConversationView, memory: Memory) -> list[MessageRef]:
    """Messages the view names that were not emitted yet, oldest first."""
    return [ref for ref in view.messages if message_event_id(view.id, ref.id) not in memory.emitted]


def message_event(
    data: dict[str, Any], ref: MessageRef, view: ConversationView, tenant_id: str, now: datetime
) -> Message | None:
    """A ``MessageData`` as a message event; None if it has no text (media only)."""
    normalized = data.get("normalizedMessage") if isinstance(data, dict) else None
    normalized = normalized if isinstance(normalized, dict) else {}
    text = normalized.get("text") or data.get("textBody")
    if not isinstance(text, str) or not text.strip():
        return None
    direction = str(data.get("direction") or normalized.get("direction") or "").lower()
    occurred = parse_time(data.get("timestamp")) or ref.time or now
    return Message(
        tenant_id=tenant_id,
        provider=PROVIDER,
        provider_event_id=message_event_id(view.id, ref.id),
        conversation_id=view.id,
        occurred_at=occurred,
        queue=view.queue_id,
        speaker=speaker_for(direction, ref.purpose, view.agent_present),
        text=text[:MAX_TEXT],
    )


def remember(memory: Memory, event_ids: Iterable[str]) -> Memory:
    """The memory with ``event_ids`` marked as emitted (or deliberately skipped)."""
    return replace(memory, emitted=memory.emitted | set(event_ids))


def message_event_id(conversation_id: str, message_id: str) -> str:
    """The de-duplication key of one Genesys message."""
    return f"{conversation_id}:msg:{message_id}"


def speaker_for(direction: str, purpose: str, agent_present: bool) -> Speaker:
    """Who wrote a message: inbound is the customer; outbound an agent, or a bot if none."""
    if direction == "inbound":
        return Speaker.CUSTOMER
    if purpose in AGENT_PURPOSES:
        return Speaker.AGENT
    if purpose in BOT_PURPOSES:
        return Speaker.BOT
    if direction == "outbound":
        return Speaker.AGENT if agent_present else Speaker.BOT
    return Speaker.CUSTOMER if purpose in CUSTOMER_PURPOSES else Speaker.SYSTEM


class _Base(NamedTuple):
    tenant_id: str
    conversation_id: str
    queue: str | None
    now: datetime

    def fields(self, suffix: str, occurred_at: datetime | None) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "provider": PROVIDER,
            "provider_event_id": f"{self.conversation_id}:{suffix}",
            "conversation_id": self.conversation_id,
            "occurred_at": occurred_at or self.now,
            "queue": self.queue,
        }


def _hold_transition(
    p: ParticipantView,
    holds: dict[str, str],
    base: _Base,
    emitted: frozenset[str],
    media: MediaType,
) -> list[Event]:
    """Held or resumed when the participant's ``held`` flag flipped since the last view."""
    if p.held is None or p.purpose in BOT_PURPOSES:
        return []
    previous = holds.get(p.id)
    if p.held and previous is None:
        # Without a hold start time, number the holds so a second one is still new.
        count = sum(1 for e in emitted if e.startswith(f"{base.conversation_id}:held:{p.id}:"))
        key = p.hold_started or f"#{count + 1}"
        holds[p.id] = key
        fields = base.fields(f"held:{p.id}:{key}", parse_time(p.hold_started))
        return [ParticipantHeld(**fields, media=p.media or media, participant_id=p.id)]
    if not p.held and previous is not None:
        del holds[p.id]
        fields = base.fields(f"resumed:{p.id}:{previous}", None)
        return [ParticipantResumed(**fields, media=p.media or media, participant_id=p.id)]
    return []


def _earliest(view: ConversationView) -> datetime | None:
    times = [p.started_at for p in view.participants if p.started_at]
    return min(times) if times else None


def _latest(view: ConversationView) -> datetime | None:
    times = [p.ended_at for p in view.participants if p.ended_at]
    return max(times) if times else None
