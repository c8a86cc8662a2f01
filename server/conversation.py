"""What a live conversation shows the agent: numbered transcript lines and suggestion cards.

The one home of these models, below both ``state/`` (which keeps them) and ``assist/`` (which
reads lines and makes suggestions): it imports neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from providers.models import Speaker

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


class LineIn(BaseModel):
    """A transcript line before the state store numbers it."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    speaker: Speaker
    text: str
    occurred_at: datetime


class Line(LineIn):
    """A numbered transcript line; ``seq`` increases by one per line in a conversation."""

    seq: int
