"""The assist interface: what the pipeline and the widget's search ask of a knowledge engine.

Example::

    suggestions = await assistant.suggest(
        AssistRequest(tenant_id="acme", conversation_id="c-1", queue="billing",
                      lines=recent_lines, trigger_event_id="evt-9")
    )
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from server.assist.models import Suggestion
from server.state.models import Line
from server.store.models import Document, KnowledgeBase


class AssistRequest(BaseModel):
    """The live conversation, as far as the assist step needs it."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    conversation_id: str
    queue: str | None = None
    lines: list[Line]
    trigger_event_id: str
    limit: int = 3


class SearchRequest(BaseModel):
    """A query the agent typed into the widget's search box."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    query: str
    queue: str | None = None
    limit: int = 5


class Assistant(Protocol):
    """A knowledge engine: keeps per-knowledge-base indexes and ranks suggestions."""

    async def load(self, kb: KnowledgeBase, documents: Sequence[Document]) -> None:
        """(Re)build the index of one knowledge base from its documents."""

    async def suggest(self, request: AssistRequest) -> list[Suggestion]:
        """Suggestions for the conversation's latest turn; empty when nothing fits."""

    async def search(self, request: SearchRequest) -> list[Suggestion]:
        """Ranked results for a manual query."""
