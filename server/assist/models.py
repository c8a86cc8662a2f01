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
