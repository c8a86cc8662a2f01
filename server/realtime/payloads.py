"""Pydantic models of what widgets send; anything else is refused with an ``error`` event."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from providers.models import Identifier
from server.errors import invalid_input
from server.store.models import FeedbackAction


class ClientPayload(BaseModel):
    """Base of client → server payloads."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class JoinPayload(ClientPayload):
    """Start (or resume) showing a conversation."""

    conversation_id: Identifier


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


PayloadT = TypeVar("PayloadT", bound=ClientPayload)


def parse_payload(model: type[PayloadT], data: Any) -> PayloadT:
    """Validate a client payload, naming the first offending field in the error."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid_input(err) from err
