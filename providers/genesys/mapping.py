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

The conversation topics and ``GET /api/v2/conversations/{id}`` nest communications in media
arrays (``calls``, ``chats``, ``emails``, ``messages``); the ``.messages`` topics and
``GET /api/v2/conversations/messages/{id}`` flatten one communication into the participant
(``state``, ``held``, ``user.id``, ``queue.id``, details naming ``message.id`` or
``messageId``). :func:`conversation_view` reads both. Message bodies carry ids only; the
adapter fetches each ``MessageData`` and :func:`message_event` maps it.

Event ids are derived from Genesys ids (conversation, participant, hold start, message), so
a notification seen twice, replayed after a reconnect or seen by two servers maps to the
same ``provider_event_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

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

TOPIC = re.compile(r"^v2\.(routing\.queues|users)\.([^.]+)\.conversations(\.messages)?$")
MEDIA_ARRAYS = {
    "calls": MediaType.VOICE,
    "callbacks": MediaType.VOICE,
    "chats": MediaType.CHAT,
    "emails": MediaType.EMAIL,
    "messages": MediaType.MESSAGE,
}
ENDED_STATES = frozenset({"disconnected", "terminated"})
AGENT_PURPOSES = frozenset({"agent", "user"})
CUSTOMER_PURPOSES = frozenset({"customer", "external"})
BOT_PURPOSES = frozenset({"workflow", "bot", "ivr", "acd"})
MAX_TEXT = 20_000


class MessageRef(NamedTuple):
    """A message the body names by id, and the purpose of the participant it is listed on."""

    id: str
    time: datetime | None
    purpose: str


@dataclass(frozen=True, slots=True)
class ParticipantView:
    """What one body says about a participant; ``None`` where it says nothing."""

    id: str
    purpose: str
    user_id: str | None = None
    queue_id: str | None = None
    media: MediaType | None = None
    connected: bool = False
    disconnected: bool | None = None
    held: bool | None = None
    hold_started: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationView:
    """One body's picture of a conversation."""

    id: str
    participants: tuple[ParticipantView, ...]
    messages: tuple[MessageRef, ...]
    queue_id: str | None
    media: MediaType

    @property
    def ended(self) -> bool:
        """Every customer communication is over (or every one, without a customer)."""
        legs = [p for p in self.participants if p.disconnected is not None]
        customers = [p for p in legs if p.purpose in CUSTOMER_PURPOSES] or legs
        return bool(customers) and all(p.disconnected for p in customers)

    @property
    def agent_present(self) -> bool:
        """Whether an agent is connected to the conversation."""
        return any(p.connected for p in self.participants if p.purpose in AGENT_PURPOSES)


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


def topic_target(topic: str) -> tuple[str, str] | None:
    """``("queue"|"user", id)`` for a conversation topic this adapter reads, else None."""
    match = TOPIC.match(topic)
    if match is None:
        return None
    return ("queue" if match.group(1) == "routing.queues" else "user", match.group(2))


def notification_view(topic: str, body: dict[str, Any]) -> ConversationView | None:
    """The view of a conversation notification; None for topics and bodies we do not read."""
    target = topic_target(topic)
    if target is None:
        return None
    return conversation_view(body, queue_hint=target[1] if target[0] == "queue" else None)


def conversation_view(body: Any, *, queue_hint: str | None = None) -> ConversationView | None:
    """Read any of the conversation body shapes; None if it names no conversation."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return None
    read = [participant_view(p) for p in _dicts(body.get("participants"))]
    participants = tuple(view for view, _refs in read if view is not None)
    unique: dict[str, MessageRef] = {}
    for _view, refs in read:
        for ref in refs:
            unique.setdefault(ref.id, ref)
    # The ACD leg names the queue the conversation was routed through; agents name theirs.
    queues: list[str | None] = [p.queue_id for p in participants if p.purpose == "acd"]
    queues += [p.queue_id for p in participants] + [queue_hint]
    media = [p.media for p in participants if p.media is not None]
    return ConversationView(
        id=body["id"],
        participants=participants,
        messages=tuple(sorted(unique.values(), key=_oldest_first)),
        queue_id=next((queue for queue in queues if queue), None),
        media=media[0] if media else MediaType.MESSAGE,
    )


def participant_view(p: dict[str, Any]) -> tuple[ParticipantView | None, list[MessageRef]]:
    """One participant, and the messages listed on its communications."""
    if not isinstance(p.get("id"), str):
        return None, []
    purpose = str(p.get("purpose") or "unknown").lower()
    legs = communications(p)
    states = [str(leg.get("state") or "").lower() for leg, _media in legs]
    held = [leg.get("held") for leg, _media in legs if isinstance(leg.get("held"), bool)]
    holding = next((leg for leg, _media in legs if leg.get("held") is True), None)
    refs = [
        MessageRef(ref_id, parse_time(detail.get("messageTime")), purpose)
        for leg, _media in legs
        for detail in _dicts(leg.get("messages"))
        if (ref_id := _message_id(detail))
    ]
    view = ParticipantView(
        id=p["id"],
        purpose=purpose,
        user_id=p.get("userId") or _ref_id(p.get("user")),
        queue_id=p.get("queueId") or _ref_id(p.get("queue")),
        media=legs[0][1] if legs else None,
        connected="connected" in states,
        disconnected=all(state in ENDED_STATES for state in states) if states else None,
        held=any(held) if held else None,
        hold_started=(holding or {}).get("startHoldTime") or p.get("startHoldTime"),
        started_at=parse_time(p.get("startTime") or p.get("connectedTime")),
        ended_at=parse_time(p.get("endTime")),
    )
    return view, refs


def communications(p: dict[str, Any]) -> list[tuple[dict[str, Any], MediaType]]:
    """The participant's communications: nested in media arrays, or the participant itself."""
    legs = [
        (leg, media)
        for key, media in MEDIA_ARRAYS.items()
        for leg in _dicts(p.get(key))
        if _message_id(leg) is None
    ]
    if not legs and "state" in p:
        legs = [(p, MediaType.VOICE if p.get("type") == "call" else MediaType.MESSAGE)]
    return legs


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


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string or epoch milliseconds as an aware datetime; None if neither."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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


def _oldest_first(ref: MessageRef) -> tuple[bool, datetime]:
    return (ref.time is None, ref.time or datetime.min.replace(tzinfo=UTC))


def _earliest(view: ConversationView) -> datetime | None:
    times = [p.started_at for p in view.participants if p.started_at]
    return min(times) if times else None


def _latest(view: ConversationView) -> datetime | None:
    times = [p.ended_at for p in view.participants if p.ended_at]
    return max(times) if times else None


def _message_id(detail: dict[str, Any]) -> str | None:
    value = detail.get("messageId") or _ref_id(detail.get("message"))
    return value if isinstance(value, str) and value else None


def _ref_id(ref: Any) -> str | None:
    value = ref.get("id") if isinstance(ref, dict) else None
    return value if isinstance(value, str) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
