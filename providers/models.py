"""The canonical event model every provider adapter produces.

Events are frozen pydantic models in one discriminated union on ``kind``. Every event
carries the tenant, the provider, the provider's own event id (the de-duplication key),
the conversation and an aware timestamp.

Example::

    >>> from providers.models import parse_event
    >>> event = parse_event({
    ...     "kind": "message", "tenant_id": "acme", "provider": "simulator",
    ...     "provider_event_id": "e-1", "conversation_id": "c-1",
    ...     "occurred_at": "2026-11-21T10:00:00Z", "speaker": "customer",
    ...     "text": "My router keeps dropping the connection",
    ... })
    >>> event.kind, event.speaker
    ('message', 'customer')
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

# Ids never hold control characters (C0, DEL, C1) nor Unicode line separators: they reach
# logs, room names and SQL text columns, and PostgreSQL cannot store NUL at all. Text may hold
# line breaks and tabs, never NUL.
ID_CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"  # a regular-expression character range
Identifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=f"^[^{ID_CONTROLS}]+$"
    ),
]
# The one tenant-id type: a lowercase slug, the same in events, settings, storage, API and URLs.
TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
TenantId = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN, min_length=1, max_length=63)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=r"^[^\x00]+$")]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00]+$"),
]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00]+$"),
]
Fact = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000, pattern=r"^[^\x00]+$"),
]


def _has_a_utc_date(value: datetime) -> datetime:
    """``value``, refused when converting it to UTC leaves the years 1-9999 Python can hold."""
    try:
        value.astimezone(UTC)
    except OverflowError as err:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from err
    return value


# An aware time that is still a date in UTC, where it is stored and compared:
# "9999-12-31T23:59:59-14:00" is a valid ISO 8601 time whose UTC date is in the year 10000.
Timestamp = Annotated[AwareDatetime, AfterValidator(_has_a_utc_date)]


class Speaker(StrEnum):
    """Who said a line of the conversation."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class MediaType(StrEnum):
    """The channel a conversation (or one participant's leg of it) runs on."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    MESSAGE = "message"


class EventBase(BaseModel):
    """Fields every canonical event carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: TenantId
    provider: Identifier
    provider_event_id: Identifier
    conversation_id: Identifier
    occurred_at: Timestamp
    queue: Identifier | None = None


class ConversationStarted(EventBase):
    """A conversation reached the contact center."""

    kind: Literal["conversation.started"] = "conversation.started"
    media: MediaType = MediaType.CHAT


class Message(EventBase):
    """A typed line: chat, web messaging, SMS or email body."""

    kind: Literal["message"] = "message"
    speaker: Speaker
    text: Text


class ParticipantHeld(EventBase):
    """A participant was put on hold."""

    kind: Literal["participant.held"] = "participant.held"
    media: MediaType
    participant_id: Identifier | None = None


class ParticipantResumed(EventBase):
    """A held participant was taken off hold."""

    kind: Literal["participant.resumed"] = "participant.resumed"
    media: MediaType
    participant_id: Identifier | None = None


class AgentAssigned(EventBase):
    """An agent was connected to the conversation from a queue."""

    kind: Literal["agent.assigned"] = "agent.assigned"
    agent_id: Identifier
    queue: Identifier


class Transcript(EventBase):
    """A line of speech recognised on a voice conversation."""

    kind: Literal["transcript"] = "transcript"
    speaker: Speaker
    text: Text
    is_final: bool = True


class ConversationEnded(EventBase):
    """The conversation is over; nothing more will arrive for it."""

    kind: Literal["conversation.ended"] = "conversation.ended"


class SuggestionType(StrEnum):
    """What a platform's own assistant suggested."""

    ARTICLE = "article"
    FAQ = "faq"
    SMART_REPLY = "smart_reply"
    GENERATED = "generated"


class ExternalSuggestion(BaseModel):
    """One card a platform's own assistant suggested; ``reference`` is its id for feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: SuggestionType
    text: Text
    title: Title | None = None
    url: AnyHttpUrl | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    reference: Identifier | None = None


class ExternalSuggestions(EventBase):
    """Suggestions made by the platform's own assistant (e.g. Google Agent Assist).

    They are shown beside cuecard's own cards, marked with ``source``.
    """

    kind: Literal["suggestions.external"] = "suggestions.external"
    source: Identifier
    items: tuple[ExternalSuggestion, ...] = Field(min_length=1, max_length=20)


class AlertType(StrEnum):
    """Why the platform says the conversation needs attention."""

    HUMAN_NEEDED = "human_intervention_needed"
    PLATFORM_ERROR = "unrecoverable_error"


class ConversationAlert(EventBase):
    """The platform flags the conversation: a person should step in, or it failed for good.

    ``detail`` is the platform's own explanation (an error message), never customer text.
    """

    kind: Literal["conversation.alert"] = "conversation.alert"
    alert: AlertType
    detail: Title | None = None


class HandoffItem(BaseModel):
    """One labelled fact collected before the handoff, e.g. an account number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Label
    value: Fact


class HandoffContext(EventBase):
    """What an IVR or a bot learnt before the conversation reached an agent.

    Platforms carry it as call-attached variables (Five9) or attached data (8x8). It is
    shown to the agent as a context card and searched before anyone speaks.
    """

    kind: Literal["context.handoff"] = "context.handoff"
    intent: Fact | None = None
    summary: Text | None = None
    items: tuple[HandoffItem, ...] = Field(default=(), max_length=50)

    @model_validator(mode="after")
    def _says_something(self) -> HandoffContext:
        if self.intent is None and self.summary is None and not self.items:
            raise ValueError("a handoff context needs an intent, a summary or an item")
        return self


Event = Annotated[
    ConversationStarted
    | Message
    | ParticipantHeld
    | ParticipantResumed
    | AgentAssigned
    | Transcript
    | ConversationEnded
    | ExternalSuggestions
    | ConversationAlert
    | HandoffContext,
    Field(discriminator="kind"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_KINDS: tuple[str, ...] = (
    "conversation.started",
    "message",
    "participant.held",
    "participant.resumed",
    "agent.assigned",
    "transcript",
    "conversation.ended",
    "suggestions.external",
    "conversation.alert",
    "context.handoff",
)


def parse_event(data: Any) -> Event:
    """Validate one canonical event from JSON-shaped data."""
    return EVENT_ADAPTER.validate_python(data)


def parse_event_json(text: str | bytes) -> Event:
    """Validate one canonical event from its JSON text (parsed and validated in one pass)."""
    return EVENT_ADAPTER.validate_json(text)


def is_utterance(event: Event) -> TypeGuard[Message | Transcript]:
    """Whether the event adds a line to the conversation's transcript (partials do not)."""
    if isinstance(event, Message):
        return True
    return isinstance(event, Transcript) and event.is_final


def event_json_schema() -> dict[str, Any]:
    """The JSON schema of one canonical event, as published in docs/."""
    return EVENT_ADAPTER.json_schema()
