"""Suggestions as the widget receives them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

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
    source: Source
    score: float
    trigger_event_id: str
