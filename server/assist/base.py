"""The assist interface: what the pipeline and the widget's search ask of a knowledge engine.

Example::

    cards = await assistant.suggest(
        AssistRequest(tenant_id="acme", conversation_id="c-1", queue="billing",
                      lines=recent_lines, trigger_event_id="evt-9")
    )
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from server.assist.models import CardSet
from server.assist.steps import Procedure
from server.conversation import Line, Suggestion
from server.store.models import Document, KnowledgeBase


class Route(BaseModel):
    """Where a conversation's assistance comes from, resolved from its (provider, queue).

    ``None`` fields fall back to the tenant's defaults.
    """

    model_config = ConfigDict(frozen=True)

    kb_id: str | None = None
    system_prompt: str | None = None
    llm_integration_id: str | None = None


class AssistRequest(BaseModel):
    """The live conversation, as far as the assist step needs it."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    conversation_id: str
    provider: str | None = None
    queue: str | None = None
    route: Route = Route()
    lines: list[Line]
    trigger_event_id: str
    limit: int = 3


class SearchRequest(BaseModel):
    """A query the agent typed into the widget's search box."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    query: str
    queue: str | None = None
    route: Route = Route()
    limit: int = 5


class Assistant(Protocol):
    """A knowledge engine: keeps per-knowledge-base indexes and ranks suggestions."""

    async def load(self, kb: KnowledgeBase, documents: Sequence[Document]) -> None:
        """(Re)build the index of one knowledge base from its documents."""

    async def update(
        self, kb: KnowledgeBase, upserted: Sequence[Document], deleted: Sequence[str]
    ) -> None:
        """Apply changed documents (and deleted external ids) to a loaded index."""

    async def drop(self, kb_id: str) -> None:
        """Forget a deleted knowledge base."""

    async def set_dense(self, tenant_id: str, enabled: bool) -> None:
        """Switch dense (embedding) retrieval on or off for a tenant; off ranks by BM25 only."""

    async def suggest(self, request: AssistRequest) -> CardSet:
        """The card set for the conversation's current topic after its latest turn.

        ``changed`` is False when the turn added nothing to the topic: nothing is sent then.
        """

    async def search(self, request: SearchRequest) -> list[Suggestion]:
        """Ranked results for a manual query."""

    def procedure(
        self,
        tenant_id: str,
        kb_id: str | None,
        document_id: str,
        words: Callable[[], Collection[str]],
    ) -> Procedure | None:
        """The numbered procedure of a document that fits ``words()`` best, if it has one."""

    def product_names(self, tenant_id: str, kb_id: str | None) -> Sequence[str]:
        """Product names the tenant's knowledge base mentions (for entity extraction)."""
