"""Suggestions as the widget receives them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SuggestionKind = Literal["article", "answer", "action"]


class Source(BaseModel):
    """Where a suggestion comes from."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    url: str | None = None


class Suggestion(BaseModel):
    """One next-best-action card for the agent."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: SuggestionKind
    title: str
    snippet: str
    # [start, end) character offsets into ``snippet`` of the words that matched the query, so
    # the widget can show why the card was suggested. Empty when only the meaning matched.
    highlights: list[tuple[int, int]] = Field(default_factory=list)
    source: Source
    score: float
    trigger_event_id: str


# Why a card set is empty: nothing has been asked yet, or nothing fits well enough.
AbstainReason = Literal["listening", "unsure"]


class CardSet(BaseModel):
    """The cards for the conversation's current topic, or why there are none.

    ``changed`` False means the turn added no topic evidence (an identifier, small talk, a
    confirmation): the cards on screen still stand and nothing is sent.
    """

    model_config = ConfigDict(frozen=True)

    items: list[Suggestion] = Field(default_factory=list)
    reason: AbstainReason | None = None
    turn: str | None = None
    # The event that opened the topic these cards are for.
    topic_id: str | None = None
    changed: bool = True
