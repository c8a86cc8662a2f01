"""Pure functions that turn a replay script into canonical events with realistic gaps.

Example script (see ``server/demo/conversations/`` for complete ones)::

    {
      "title": "Wi-Fi cutting out every half hour",
      "queue": "broadband-support",
      "media": "chat",
      "expected_article": "router-dropping-connection",
      "turns": [
        {"speaker": "customer", "text": "hiya, my wifi keeps dropping out every half hour"},
        {"speaker": "agent", "text": "Sorry to hear that. Which light is on the hub?"},
        {"action": "hold"},
        {"action": "resume", "pause": 6.0},
        {"speaker": "customer", "text": "it flashes orange then goes white", "pause": 4.0}
      ]
    }

It becomes ``conversation.started``, ``agent.assigned``, one ``message`` per line (a
``transcript`` on voice), ``participant.held``/``participant.resumed`` for the actions and
finally ``conversation.ended``. Each comes with the delay, in script seconds, since the
previous one.

In bridge mode the same script is played by the simulated desktop instead: it becomes host
messages (``providers.simulator._host``), which the desktop posts to the widget and
:func:`host_message_events` maps back to canonical events. Example host message::

    {"type": "line", "id": "e002", "conversation_id": "desk-3f2a-1", "queue": "billing",
     "occurred_at": "2026-11-21T10:00:07Z", "speaker": "customer", "text": "my bill went up"}
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from providers.models import Event, MediaType, parse_event
from providers.simulator._host import (
    ConversationAcceptedMessage,
    ConversationEndedMessage,
    ConversationStartedMessage,
    HoldMessage,
    HostMessage,
    HostMessageUnion,
    LineMessage,
    ResumeMessage,
)
from providers.simulator.client import ActionTurn, LineTurn, Script, Turn
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import (
    END_AFTER_SECONDS,
    HOLD_AFTER_SECONDS,
    HOLD_LENGTH_SECONDS,
    MAX_TURN_SECONDS,
    MIN_DELAY_SECONDS,
    PROVIDER,
    QUEUE_WAIT_SECONDS,
    SPEAKING_PACE,
    SPOKEN_MEDIA,
    TYPING_PACE,
)

TimedEvent = tuple[float, Event]
TimedHostMessage = tuple[float, HostMessage]
# A step is the delay before an event and the fields only that kind of event carries.
Step = tuple[float, dict[str, Any]]


def script_to_events(
    script: Script, settings: SimulatorSettings, conversation_id: str, start: datetime
) -> list[TimedEvent]:
    """The script's events, each paired with its delay in script seconds after the last.

    ``occurred_at`` is ``start`` plus the elapsed delays divided by ``settings.speed``, so
    the timestamps match when a replay at that speed emits each event.
    """
    timeline: list[TimedEvent] = []
    elapsed = 0.0
    for index, (delay, fields) in enumerate(script_steps(script, settings.agent_id)):
        elapsed += delay
        common = {
            "tenant_id": settings.tenant_id,
            "provider": PROVIDER,
            "provider_event_id": event_id(conversation_id, index),
            "conversation_id": conversation_id,
            "occurred_at": start + timedelta(seconds=elapsed / settings.speed),
            "queue": script.queue,
        }
        timeline.append((delay, parse_event({**common, **fields})))
    return timeline


def event_id(conversation_id: str, index: int) -> str:
    """The de-duplication key of the ``index``-th event of a replayed conversation."""
    return f"{conversation_id}:{index:03d}"


def script_steps(script: Script, agent_id: str) -> list[Step]:
    """Every event of the script as (delay, kind-specific fields), in order."""
    opening: list[Step] = [
        (0.0, {"kind": "conversation.started", "media": script.media}),
        (QUEUE_WAIT_SECONDS, {"kind": "agent.assigned", "agent_id": agent_id}),
    ]
    turns = [turn_step(turn, script.media) for turn in script.turns]
    return [*opening, *turns, (END_AFTER_SECONDS, {"kind": "conversation.ended"})]


def turn_step(turn: Turn, media: MediaType) -> Step:
    """One script turn as a step: a line of text or a hold/resume."""
    if isinstance(turn, ActionTurn):
        return action_step(turn, media)
    kind = "transcript" if media in SPOKEN_MEDIA else "message"
    fields: dict[str, Any] = {"kind": kind, "speaker": turn.speaker, "text": turn.text}
    return (line_delay(turn, media), fields)


def action_step(turn: ActionTurn, media: MediaType) -> Step:
    """A hold or resume, after the script's pause or a typical one."""
    if turn.action == "hold":
        default, kind = HOLD_AFTER_SECONDS, "participant.held"
    else:
        default, kind = HOLD_LENGTH_SECONDS, "participant.resumed"
    delay = default if turn.pause is None else turn.pause
    return (max(MIN_DELAY_SECONDS, delay), {"kind": kind, "media": media})


def line_delay(turn: LineTurn, media: MediaType) -> float:
    """Seconds before a line lands: a pause, then typing or speaking it, capped."""
    if turn.pause is not None:
        return max(MIN_DELAY_SECONDS, turn.pause)
    pace = (SPEAKING_PACE if media in SPOKEN_MEDIA else TYPING_PACE)[turn.speaker]
    return min(MAX_TURN_SECONDS, pace.pause + len(turn.text) / pace.chars_per_second)


def total_duration(timeline: Sequence[TimedEvent]) -> float:
    """Script seconds from the first event to the last."""
    return sum(delay for delay, _event in timeline)


# -- bridge mode: the simulated desktop ------------------------------------------------------

# Canonical kinds of a script's steps, as the simulated desktop names them.
_HOST_TYPES = {
    "conversation.started": "conversation.started",
    "agent.assigned": "conversation.accepted",
    "message": "line",
    "transcript": "line",
    "participant.held": "hold",
    "participant.resumed": "resume",
    "conversation.ended": "conversation.ended",
}


def script_to_host_messages(
    script: Script, conversation_id: str, start: datetime, speed: float = 1.0
) -> list[TimedHostMessage]:
    """The script as the simulated desktop posts it: host messages with their delays.

    Delays are in script seconds, as in :func:`script_to_events`; ``occurred_at`` assumes a
    replay at ``speed``.
    """
    timeline: list[TimedHostMessage] = []
    elapsed = 0.0
    for index, (delay, fields) in enumerate(script_steps(script, "desktop")):
        elapsed += delay
        kind = fields.pop("kind")
        fields.pop("agent_id", None)
        if kind == "transcript":
            fields["spoken"] = True
        message = {
            **fields,
            "type": _HOST_TYPES[kind],
            "id": f"e{index:03d}",
            "conversation_id": conversation_id,
            "occurred_at": start + timedelta(seconds=elapsed / speed),
            "queue": script.queue,
        }
        timeline.append((delay, HostMessage.model_validate(message)))
    return timeline


def host_message_events(message: HostMessageUnion, tenant_id: str, agent_id: str) -> list[Event]:
    """The canonical events of one desktop message; the desktop's agent is ``agent_id``."""
    common: dict[str, Any] = {
        "tenant_id": tenant_id,
        "provider": PROVIDER,
        "provider_event_id": desktop_event_id(message.conversation_id, message.id),
        "conversation_id": message.conversation_id,
        "occurred_at": message.occurred_at,
        "queue": message.queue,
    }
    return [parse_event({**common, **_host_fields(message, agent_id)})]


def _host_fields(message: HostMessageUnion, agent_id: str) -> dict[str, Any]:
    match message:
        case ConversationStartedMessage():
            return {"kind": "conversation.started", "media": message.media}
        case ConversationAcceptedMessage():
            return {"kind": "agent.assigned", "agent_id": agent_id}
        case LineMessage():
            kind = "transcript" if message.spoken else "message"
            return {"kind": kind, "speaker": message.speaker, "text": message.text}
        case HoldMessage():
            return {"kind": "participant.held", "media": message.media}
        case ResumeMessage():
            return {"kind": "participant.resumed", "media": message.media}
        case ConversationEndedMessage():
            return {"kind": "conversation.ended"}


def desktop_event_id(conversation_id: str, message_id: str) -> str:
    """The de-duplication key of a desktop message; apart from the replay's own ids."""
    return f"desktop:{conversation_id}:{message_id}"
