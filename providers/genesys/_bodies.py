"""Reads the Genesys conversation body shapes into one view (private helper of mapping).

The conversation topics and ``GET /api/v2/conversations/{id}`` nest communications in media
arrays (``calls``, ``chats``, ``emails``, ``messages``); the ``.messages`` topics and
``GET /api/v2/conversations/messages/{id}`` flatten one communication into the participant
(``state``, ``held``, ``user.id``, ``queue.id``, details naming ``message.id`` or
``messageId``). :func:`conversation_view` reads both (protocols.md 1.7-1.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from providers.models import MediaType

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


def _oldest_first(ref: MessageRef) -> tuple[bool, datetime]:
    return (ref.time is None, ref.time or datetime.min.replace(tzinfo=UTC))


def _message_id(detail: dict[str, Any]) -> str | None:
    value = detail.get("messageId") or _ref_id(detail.get("message"))
    return value if isinstance(value, str) and value else None


def _ref_id(ref: Any) -> str | None:
    value = ref.get("id") if isinstance(ref, dict) else None
    return value if isinstance(value, str) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
