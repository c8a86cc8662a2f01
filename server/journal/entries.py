"""What each kind of entry holds, and how entries are made from events and read back.

A ``line`` entry holds the transcript line (its ``seq`` is the entry's position), a
``suggestions`` entry one ranked set, a ``status`` entry the status fields its event changed
(the status itself is the changes folded in position order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from providers.models import Event
from server.conversation import Line, LineIn, Suggestion
from server.state.models import ConversationMeta, MetaChanges
from server.store.models import LiveEntry, LiveEntryIn, LiveEntryKind


class SuggestionSet(BaseModel):
    """One card set, for the customer turn ``trigger_event_id``; ``reason`` says why it is
    empty (server.assist's abstention)."""

    model_config = ConfigDict(frozen=True)

    trigger_event_id: str
    items: list[Suggestion]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class EncodedSet:
    """A card set with its JSON form, dumped once for both the journal and the widgets."""

    shown: SuggestionSet
    # ``shown.model_dump(mode="json")``: the ``suggestions`` event's fields besides the
    # conversation and the position (server.realtime.rooms).
    data: dict[str, Any]


def encoded_set(event: Event, items: list[Suggestion], reason: str | None = None) -> EncodedSet:
    """The set a customer turn produced."""
    shown = SuggestionSet(trigger_event_id=event.provider_event_id, items=items, reason=reason)
    return EncodedSet(shown, shown.model_dump(mode="json"))


def _entry(
    event: Event, kind: LiveEntryKind, body: BaseModel | str, agent_id: str | None = None
) -> LiveEntryIn:
    if isinstance(body, BaseModel):
        body = body.model_dump_json(exclude_none=kind == "status")
    return LiveEntryIn(
        tenant_id=event.tenant_id,
        conversation_id=event.conversation_id,
        kind=kind,
        provider=event.provider,
        event_id=event.provider_event_id,
        agent_id=agent_id,
        body=body,
    )


def line_entry(event: Event, line: LineIn) -> LiveEntryIn:
    """The entry of a transcript line."""
    return _entry(event, "line", line)


def suggestions_entry(
    event: Event, items: list[Suggestion], reason: str | None = None
) -> LiveEntryIn:
    """The entry of the card set a customer turn produced."""
    return encoded_entry(event, encoded_set(event, items, reason))


def encoded_entry(event: Event, encoded: EncodedSet) -> LiveEntryIn:
    """The entry of a card set, from the JSON form widgets are sent."""
    return _entry(event, "suggestions", orjson.dumps(encoded.data).decode())


def status_entry(event: Event, changes: MetaChanges, agent_id: str | None = None) -> LiveEntryIn:
    """The entry of a status change; ``agent_id`` names an agent the event assigned."""
    return _entry(event, "status", changes, agent_id)


def as_line(entry: LiveEntry) -> Line:
    """A ``line`` entry as the numbered transcript line."""
    return Line(seq=entry.position, **LineIn.model_validate_json(entry.body).model_dump())


def as_suggestions(entry: LiveEntry) -> SuggestionSet:
    """A ``suggestions`` entry's set."""
    return SuggestionSet.model_validate_json(entry.body)


def as_changes(entry: LiveEntry) -> MetaChanges:
    """A ``status`` entry's changes."""
    return MetaChanges.model_validate_json(entry.body)


def folded(meta: ConversationMeta, entries: Iterable[LiveEntry]) -> ConversationMeta:
    """``meta`` with the changes of ``status`` entries applied in order."""
    for entry in entries:
        update = as_changes(entry).model_dump(exclude_none=True)
        meta = meta.model_copy(update=update)
    return meta
