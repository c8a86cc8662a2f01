"""The simulated desktop's host messages: what its page posts to the widget over postMessage.

The simulator plays an agent desktop (``cuecard demo``'s desktop page) the way Salesforce,
Five9 or 8x8 hand a framed app conversation events: one JSON object per event, with the
desktop's own ids. The widget forwards each unchanged as ``bridge.event``; ``SimulatorBridge``
maps them to canonical events. Example::

    {"type": "line", "id": "e004", "conversation_id": "desk-3f2a-1",
     "occurred_at": "2026-11-21T10:00:07Z", "queue": "broadband-support",
     "speaker": "customer", "text": "my wifi keeps dropping out every half hour"}

Every message names its conversation and carries an ``id`` unique within it, from which the
canonical event id is derived: a re-sent message is recognised as a duplicate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, StringConstraints

from providers.models import Identifier, MediaType, Speaker, Text

MessageId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


class _HostMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: MessageId
    conversation_id: Identifier
    occurred_at: AwareDatetime
    queue: Identifier | None = None


class ConversationStartedMessage(_HostMessage):
    """A conversation reached the desktop (offered to the agent)."""

    type: Literal["conversation.started"]
    media: MediaType = MediaType.CHAT


class ConversationAcceptedMessage(_HostMessage):
    """The agent at this desktop accepted the conversation from ``queue``."""

    type: Literal["conversation.accepted"]
    queue: Identifier


class LineMessage(_HostMessage):
    """Someone typed a line, or said one on a voice conversation (``spoken``)."""

    type: Literal["line"]
    speaker: Speaker
    text: Text
    spoken: bool = False


class HoldMessage(_HostMessage):
    """The agent put the customer on hold."""

    type: Literal["hold"]
    media: MediaType = MediaType.CHAT


class ResumeMessage(_HostMessage):
    """The agent took the customer off hold."""

    type: Literal["resume"]
    media: MediaType = MediaType.CHAT


class ConversationEndedMessage(_HostMessage):
    """The conversation is over on the desktop."""

    type: Literal["conversation.ended"]


HostMessageUnion = Annotated[
    ConversationStartedMessage
    | ConversationAcceptedMessage
    | LineMessage
    | HoldMessage
    | ResumeMessage
    | ConversationEndedMessage,
    Field(discriminator="type"),
]


class HostMessage(RootModel[HostMessageUnion]):
    """One message of the simulated desktop, whichever its ``type``."""

    model_config = ConfigDict(frozen=True)
