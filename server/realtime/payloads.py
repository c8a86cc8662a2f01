"""Pydantic models of what widgets send; anything else is refused with an ``error`` event."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
)

from providers.models import Identifier
from server.errors import invalid_input
from server.store.models import FeedbackAction

# The largest position a conversation's record can reach (a signed 64-bit column).
MAX_POSITION = 2**63 - 1


class ClientPayload(BaseModel):
    """Base of client → server payloads."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class JoinPayload(ClientPayload):
    """Start (or resume) showing a conversation."""

    conversation_id: Identifier
    # The newest position the widget holds: it then gets a replay of what came after. Strict:
    # "5", true or 5.0 are not positions (docs/socketio.md); positions are 64-bit in the store.
    after: Annotated[int, Strict(), Field(ge=0, le=MAX_POSITION)] | None = None


class LeavePayload(ClientPayload):
    """Stop showing a conversation."""

    conversation_id: Identifier


class SearchPayload(ClientPayload):
    """A manual knowledge-base query."""

    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    conversation_id: Identifier | None = None


class FeedbackPayload(ClientPayload):
    """The agent used or dismissed a suggestion."""

    conversation_id: Identifier
    suggestion_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    action: FeedbackAction


class StepTickPayload(ClientPayload):
    """The agent ticked (or unticked) a step of the conversation's step card."""

    conversation_id: Identifier
    document_id: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    step: Annotated[int, Field(ge=0, le=99)]
    done: bool = True


RequestId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class ReplyPayload(ClientPayload):
    """Send a reply into the conversation as the agent; ``request_id`` makes retries safe."""

    conversation_id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    request_id: RequestId


class NotesPayload(ClientPayload):
    """Save the agent's wrap-up notes; ``request_id`` makes retries safe."""

    conversation_id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    request_id: RequestId


PlatformName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class BridgeEventPayload(ClientPayload):
    """A message the agent's desktop handed the widget, forwarded unchanged (``bridge.event``)."""

    platform: PlatformName
    # Validated by the platform's own bridge model (server.bridge.service).
    message: Any


class RenewPayload(ClientPayload):
    """A refreshed session token for the same agent, so the socket outlives the old one."""

    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


PayloadT = TypeVar("PayloadT", bound=ClientPayload)


def parse_payload(model: type[PayloadT], data: Any) -> PayloadT:
    """Validate a client payload, naming the first offending field in the error."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid_input(err) from err
