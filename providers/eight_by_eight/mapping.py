"""Pure functions from 8x8 Event Streaming payloads to canonical events.

A Pulsar message's ``payload`` is base64 of one of two JSON shapes (protocols.md 5.1). Agent
events, ``{"AgentStatusChange": {...}}``, carry no conversation and map to nothing. Interaction
events do, e.g. (decoded)::

    {"Interaction": {"event": "InteractionQueued",
      "interactionGUID": "int-1963f541b9f-wgyWcn0J0hwtyhN4XfMHIfCIO-phone-01-tenant01",
      "callState": "CS_QUEUED", "mediaType": "phone", "direction": "in", "queueId": 1162,
      "eventTS": 1744819217, "interactionEventTS": 1744819217,
      "attachedData": {"attachedDatum": [
        {"attachedDataKey": "intent", "attachedDataValue": "router keeps dropping"},
        {"attachedDataKey": "phoneNum", "attachedDataValue": 447799147855}]},
      "msgInfo": {}}}

Lifecycle (Created → Queued → Assigned → Accepted → LineHoldStatus… → PostProcess →
EndPostProcess → Deassigned → Deleted) becomes ``conversation.started``, ``agent.assigned``,
``participant.held``/``resumed`` and ``conversation.ended``; attached data named in the
settings becomes ``context.handoff``. Event ids come from the interaction GUID (and the
agent, the message or the context's fingerprint), so the same fact seen on several
lifecycle events, replayed after a reconnect or read by two servers has the same id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from providers.eight_by_eight.const import DIRECT_QUEUE, PROVIDER
from providers.errors import PayloadInvalid
from providers.handoff import HandoffNames, pick_handoff
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    HandoffContext,
    MediaType,
    ParticipantHeld,
    ParticipantResumed,
)

MEDIA: dict[str, MediaType] = {
    "phone": MediaType.VOICE,
    "voice": MediaType.VOICE,
    "voicemail": MediaType.VOICE,
    "chat": MediaType.CHAT,
    "email": MediaType.EMAIL,
    "sms": MediaType.MESSAGE,
}
OFFERED = frozenset(
    {"InteractionCreated", "InteractionQueued", "InteractionAssigned", "InteractionAccepted"}
)
ASSIGNED = frozenset({"InteractionAssigned", "InteractionAccepted"})
# The agent's part ends with these; the interaction ends unless another agent stays on it.
AGENT_DONE = frozenset(
    {"InteractionPostProcess", "InteractionEndPostProcess", "InteractionDeassigned"}
)
FINAL = "InteractionDeleted"
HOLD = "LineHoldStatus"


@dataclass(frozen=True, slots=True)
class InteractionView:
    """What the mapping needs from one interaction event."""

    event: str
    guid: str
    media: MediaType
    queue: str | None
    agent_id: str | None
    participating: tuple[str, ...]
    held: bool | None
    facts: tuple[tuple[str, object], ...]
    occurred_at: datetime


def decode_payload(payload: str) -> Any:
    """The JSON inside a message's base64 ``payload``; ``PayloadInvalid`` if there is none."""
    try:
        return json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError) as err:
        raise PayloadInvalid("8x8 message payload is not base64-encoded JSON") from err


def interaction_view(payload: Any, published: datetime) -> InteractionView | None:
    """The interaction event in a decoded payload, or None for agent and unknown shapes."""
    body = payload.get("Interaction") if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        return None
    event, guid = body.get("event"), body.get("interactionGUID")
    if not isinstance(event, str) or not isinstance(guid, str) or not guid.strip():
        return None
    status = body.get("status")
    return InteractionView(
        event=event,
        guid=guid.strip(),
        media=_media(body.get("mediaType"), guid),
        queue=_queue(body),
        agent_id=_text(body.get("agentId")),
        participating=_agents(body.get("participatingAgents")),
        held=status if isinstance(status, bool) else None,
        facts=_facts(body.get("attachedData")),
        occurred_at=_occurred_at(body, published),
    )


def to_events(
    view: InteractionView, *, tenant_id: str, message_id: str, names: HandoffNames
) -> list[Event]:
    """Canonical events for one interaction event; unknown event types map to nothing."""
    base = {
        "tenant_id": tenant_id,
        "provider": PROVIDER,
        "conversation_id": view.guid,
        "occurred_at": view.occurred_at,
    }
    if view.event in OFFERED:
        return _offered(view, base, names)
    if view.event == HOLD and view.held is not None:
        kind = ParticipantHeld if view.held else ParticipantResumed
        hold_id = f"{view.guid}:hold:{_short(message_id)}"
        return [kind(**base, provider_event_id=hold_id, media=view.media, queue=view.queue)]
    if view.event == FINAL or (view.event in AGENT_DONE and not _others_stay(view)):
        return [ConversationEnded(**base, provider_event_id=f"{view.guid}:ended")]
    return []


def _offered(view: InteractionView, base: dict[str, Any], names: HandoffNames) -> list[Event]:
    events: list[Event] = [
        ConversationStarted(
            **base, provider_event_id=f"{view.guid}:started", media=view.media, queue=view.queue
        )
    ]
    parts = pick_handoff(view.facts, names)
    if parts is not None:
        context_id = f"{view.guid}:context:{parts.digest()}"
        events.append(
            HandoffContext(
                **base,
                provider_event_id=context_id,
                queue=view.queue,
                intent=parts.intent,
                summary=parts.summary,
                items=parts.items,
            )
        )
    if view.event in ASSIGNED and view.agent_id is not None:
        assigned = AgentAssigned(
            **base,
            provider_event_id=f"{view.guid}:assigned:{view.agent_id}",
            agent_id=view.agent_id,
            queue=view.queue or DIRECT_QUEUE,
        )
        events.append(assigned)
    return events


def _others_stay(view: InteractionView) -> bool:
    # A transfer or conference: another agent is still on the interaction.
    return any(agent != view.agent_id for agent in view.participating)


def _media(value: object, guid: str) -> MediaType:
    if isinstance(value, str) and value.lower() in MEDIA:
        return MEDIA[value.lower()]
    # Events such as InteractionCreated omit mediaType; the GUID names it: int-…-phone-01-….
    for part in guid.lower().split("-"):
        if part in MEDIA:
            return MEDIA[part]
    return MediaType.MESSAGE


def _queue(body: dict[str, Any]) -> str | None:
    for key in ("queueId", "queueList"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)
        if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
            return value.strip()
    return None


def _agents(value: object) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(agent.strip() for agent in value.split(",") if agent.strip())


def _facts(value: object) -> tuple[tuple[str, object], ...]:
    datums = value.get("attachedDatum") if isinstance(value, dict) else None
    if not isinstance(datums, list):
        return ()
    return tuple(
        (datum["attachedDataKey"], datum.get("attachedDataValue"))
        for datum in datums
        if isinstance(datum, dict) and isinstance(datum.get("attachedDataKey"), str)
    )


def _occurred_at(body: dict[str, Any], published: datetime) -> datetime:
    info = body.get("msgInfo")
    millis = info.get("timestamp") if isinstance(info, dict) else None
    if _number(millis):
        return datetime.fromtimestamp(millis / 1000, UTC)
    for key in ("interactionEventTS", "eventTS"):
        if _number(seconds := body.get(key)):
            return datetime.fromtimestamp(seconds, UTC)
    return published


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _short(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:16]
