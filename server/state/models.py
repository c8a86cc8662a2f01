"""Live conversation state as the widget sees it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from providers.models import MediaType
from server.conversation import Line, Suggestion
from server.handoff.models import Handoff
from server.store.models import ConversationStatus


class ConversationMeta(BaseModel):
    """Status fields of a live conversation."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    status: ConversationStatus = "open"
    provider: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    media: MediaType | None = None


class MetaChanges(BaseModel):
    """Fields an event changes in a conversation's status; None leaves a field as it is."""

    model_config = ConfigDict(frozen=True)

    status: ConversationStatus | None = None
    provider: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    media: MediaType | None = None

    def fields(self) -> dict[str | bytes, str | bytes]:
        """The fields to write, as strings."""
        return {name: str(value) for name, value in self.model_dump(exclude_none=True).items()}


class Assignment(BaseModel):
    """The conversation an agent was most recently connected to."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    queue: str


class Snapshot(ConversationMeta):
    """Everything a widget needs to show a conversation it has just joined."""

    # Every entry of the conversation up to this position is reflected (0: none yet).
    position: int = 0
    transcript: list[Line] = []
    suggestions: list[Suggestion] = []
    # What an IVR or a bot learnt before the handoff, if anything (kept by server.handoff).
    handoff: Handoff | None = None
