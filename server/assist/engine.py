"""The first knowledge engine: BM25 over the tenant's default knowledge base."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from providers.models import Speaker
from server.assist.base import AssistRequest, SearchRequest
from server.assist.lexical import Hit, LexicalIndex
from server.assist.models import Source, Suggestion
from server.store.models import Document, KnowledgeBase

# The customer's last few turns say what the conversation is about; older ones drift.
QUERY_TURNS = 3


class LexicalAssistant:
    """Keeps one BM25 index per knowledge base and answers from the tenant's default one."""

    def __init__(self) -> None:
        self._indexes: dict[str, LexicalIndex] = {}
        self._default_kb: dict[str, str] = {}

    async def load(self, kb: KnowledgeBase, documents: Sequence[Document]) -> None:
        # Indexing is CPU-bound; a thread keeps the event loop answering widgets meanwhile.
        index = await asyncio.to_thread(LexicalIndex, documents)
        self._indexes[kb.id] = index
        if kb.is_default or kb.tenant_id not in self._default_kb:
            self._default_kb[kb.tenant_id] = kb.id

    async def update(
        self, kb: KnowledgeBase, upserted: Sequence[Document], deleted: Sequence[str]
    ) -> None:
        current = self._indexes.get(kb.id)
        documents = {doc.external_id: doc for doc in (current.documents if current else ())}
        documents.update((doc.external_id, doc) for doc in upserted)
        for external_id in deleted:
            documents.pop(external_id, None)
        await self.load(kb, list(documents.values()))

    async def drop(self, kb_id: str) -> None:
        self._indexes.pop(kb_id, None)
        for tenant_id, default in list(self._default_kb.items()):
            if default == kb_id:
                del self._default_kb[tenant_id]

    async def suggest(self, request: AssistRequest) -> list[Suggestion]:
        query = conversation_query(request)
        if not query:
            return []
        hits = self._search(request.tenant_id, request.route.kb_id, query, request.limit)
        return [
            to_suggestion(hit, request.conversation_id, request.trigger_event_id) for hit in hits
        ]

    async def search(self, request: SearchRequest) -> list[Suggestion]:
        hits = self._search(request.tenant_id, request.route.kb_id, request.query, request.limit)
        return [to_suggestion(hit, request.tenant_id, "search") for hit in hits]

    def _search(self, tenant_id: str, kb_id: str | None, query: str, limit: int) -> list[Hit]:
        kb_id = kb_id or self._default_kb.get(tenant_id)
        index = self._indexes.get(kb_id) if kb_id else None
        return index.search(query, limit) if index else []


def conversation_query(request: AssistRequest) -> str:
    """The customer's recent turns, oldest first, as one query."""
    customer = [line.text for line in request.lines if line.speaker is Speaker.CUSTOMER]
    return "\n".join(customer[-QUERY_TURNS:])


def to_suggestion(hit: Hit, conversation_id: str, trigger_event_id: str) -> Suggestion:
    """A suggestion card for a hit; its id is stable for the same trigger and document."""
    digest = hashlib.sha256(
        f"{conversation_id}\x1f{trigger_event_id}\x1f{hit.document.id}".encode()
    ).hexdigest()
    return Suggestion(
        id=digest[:20],
        kind="article",
        title=hit.document.title,
        snippet=hit.passage,
        source=Source(document_id=hit.document.external_id, url=hit.document.url),
        score=round(hit.score, 4),
        trigger_event_id=trigger_event_id,
    )
