"""What the cuecardAssist component hands the widget, and the canonical events it maps to.

The component (``sfdx/force-app/main/default/lwc/cuecardAssist``) posts two kinds of message
to the widget; the widget forwards them unchanged as ``bridge.event``. A Lightning Message
Service conversation event, with the component's own record and user::

    {"cuecard": "salesforce/1", "type": "lms",
     "channel": "lightning__conversationEndUserMessage",
     "recordId": "0MwHo00000AbCdEKAZ", "objectApiName": "MessagingSession",
     "userId": "005Ho00000XyZaBIAV", "observedAt": "2026-11-21T10:00:02.114Z",
     "payload": {"recordId": "0MwHo00000AbCdEKAZ", "content": "my router keeps dropping",
                 "name": "Dana", "timestamp": 1795255202000}}

and the record the component sits on, sent when the widget says it is ready::

    {"cuecard": "salesforce/1", "type": "context", "recordId": "0MwHo00000AbCdEKAZ",
     "objectApiName": "MessagingSession", "userId": "005Ho00000XyZaBIAV",
     "observedAt": "2026-11-21T10:00:00.000Z"}

Events are keyed by the MessagingSession (or VoiceCall) id. LMS messages carry no message id,
so a line's event id is a digest of the record, channel, timestamp and text: the same line
handed in again (a re-rendered component replaying its buffer, two components on one page)
gets the same id and is dropped as a duplicate. A message about another record than the
component's, an unknown channel or type, and rich content without text map to nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Discriminator, Field, RootModel, Tag

from providers.models import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MediaType,
    Message,
    Speaker,
    Transcript,
)
from providers.salesforce.const import (
    CHANNEL_AGENT_SEND,
    CHANNEL_END_USER_MESSAGE,
    CHANNEL_ENDED,
    PROTOCOL,
    PROVIDER,
)

log = logging.getLogger(__name__)

RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")]
# Record pages whose record is a conversation; on others (a Case) the widget only searches.
CONVERSATION_OBJECTS: dict[str, MediaType] = {
    "MessagingSession": MediaType.MESSAGE,
    "VoiceCall": MediaType.VOICE,
}
_SPEAKERS = {CHANNEL_END_USER_MESSAGE: Speaker.CUSTOMER, CHANNEL_AGENT_SEND: Speaker.AGENT}


class _HostMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    cuecard: Literal["salesforce/1"] = PROTOCOL
    record_id: RecordId = Field(alias="recordId")
    object_api_name: str = Field(alias="objectApiName", min_length=1, max_length=80)
    user_id: RecordId = Field(alias="userId")
    observed_at: AwareDatetime = Field(alias="observedAt")


class ContextMessage(_HostMessage):
    """The record the component sits on (sent when the widget is ready)."""

    type: Literal["context"] = "context"


class LmsPayload(BaseModel):
    """A conversation event's fields (protocols.md 7.1); ``recordId`` is the conversation."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    record_id: RecordId = Field(alias="recordId")
    content: str | None = Field(default=None, max_length=20_000)
    name: str | None = None
    timestamp: int | float | str | None = None


class LmsMessage(_HostMessage):
    """One Lightning Message Service conversation event the component received."""

    type: Literal["lms"] = "lms"
    channel: str = Field(min_length=1, max_length=120)
    payload: LmsPayload


class UnknownMessage(BaseModel):
    """A message type this version does not know: accepted, and mapped to nothing."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str | None = None


def _kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("context", "lms") else "unknown"


HostMessage = Annotated[
    Annotated[ContextMessage, Tag("context")]
    | Annotated[LmsMessage, Tag("lms")]
    | Annotated[UnknownMessage, Tag("unknown")],
    Discriminator(_kind),
]


class HostMessageModel(RootModel[HostMessage]):
    """What one bridge message validates against: a tagged union on ``type``."""

    model_config = ConfigDict(frozen=True)


def to_events(message: ContextMessage | LmsMessage | UnknownMessage, tenant_id: str) -> list[Event]:
    """The canonical events of one host message (often none)."""
    if isinstance(message, ContextMessage):
        return _started(message, tenant_id)
    if isinstance(message, LmsMessage):
        return _conversation_event(message, tenant_id)
    log.debug("salesforce: unknown host message type %r dropped", message.type)
    return []


def _started(message: ContextMessage, tenant_id: str) -> list[Event]:
    media = CONVERSATION_OBJECTS.get(message.object_api_name)
    if media is None:
        return []
    return [
        ConversationStarted(
            **_base(message, tenant_id, f"{message.record_id}:started", message.observed_at),
            media=media,
        )
    ]


def _conversation_event(message: LmsMessage, tenant_id: str) -> list[Event]:
    payload = message.payload
    if payload.record_id != message.record_id:
        log.debug("salesforce: LMS event for another record dropped (%s)", payload.record_id)
        return []
    if message.object_api_name not in CONVERSATION_OBJECTS:
        return []
    if message.channel == CHANNEL_ENDED:
        base = _base(message, tenant_id, f"{message.record_id}:ended", message.observed_at)
        return [ConversationEnded(**base)]
    speaker = _SPEAKERS.get(message.channel)
    if speaker is None:
        log.debug("salesforce: LMS channel %r dropped", message.channel)
        return []
    text = (payload.content or "").strip()
    if not text:
        return []
    return [_line(message, tenant_id, speaker, text)]


def _line(message: LmsMessage, tenant_id: str, speaker: Speaker, text: str) -> Event:
    occurred_at = parse_timestamp(message.payload.timestamp) or message.observed_at
    digest = hashlib.sha256(
        "\x1f".join(
            (message.record_id, message.channel, str(message.payload.timestamp), text)
        ).encode()
    ).hexdigest()[:32]
    base = _base(message, tenant_id, f"{message.record_id}:{speaker.value}:{digest}", occurred_at)
    if CONVERSATION_OBJECTS[message.object_api_name] is MediaType.VOICE:
        return Transcript(**base, speaker=speaker, text=text)
    return Message(**base, speaker=speaker, text=text)


def _base(
    message: _HostMessage, tenant_id: str, event_id: str, occurred_at: datetime
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "provider": PROVIDER,
        "provider_event_id": event_id,
        "conversation_id": message.record_id,
        "occurred_at": occurred_at,
    }


def parse_timestamp(value: int | float | str | None) -> datetime | None:
    """An LMS ``timestamp``: epoch milliseconds (number or digits) or an ISO 8601 string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        number = float(value)
        # Seconds or milliseconds: no conversation happens before 1973 in milliseconds.
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    except (ValueError, OverflowError, OSError):
        return None
