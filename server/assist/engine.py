"""The knowledge engine: hybrid (BM25 + WordLlama) retrieval per knowledge base, fused by RRF."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Collection, Sequence

from server.assist.base import AssistRequest, SearchRequest
from server.assist.debounce import Coalescer
from server.assist.dense import Encoder, WordLlamaEncoder
from server.assist.index import Hit, KnowledgeIndex
from server.assist.memory import SuggestionMemory
from server.assist.query import Query, conversation_query, typed_query
from server.assist.snippets import quote
from server.conversation import Source, Suggestion
from server.store.models import Document, KnowledgeBase

log = logging.getLogger(__name__)


# A search over a few thousand passages takes about a millisecond; handing it to a worker
# thread cost more than that in GIL hand-offs and tripled the latency tail under load
# (docs/benchmarks.md). Larger knowledge bases are searched off the event loop.
INLINE_SEARCH_MAX_CHUNKS = 2_000


class HybridAssistant:
    """Keeps one hybrid index per knowledge base and ranks suggestions from the right one.

    Example::

        assistant = HybridAssistant()
        await assistant.load(kb, documents)
        await assistant.set_dense("acme", enabled=False)  # this tenant: BM25 only
        cards = await assistant.suggest(request)

    A request may only reach a knowledge base of its own tenant; without a routed one it uses
    the tenant's default. Index builds run in worker threads, and so do searches of knowledge
    bases over INLINE_SEARCH_MAX_CHUNKS passages.

    Lines of one conversation that arrive while its retrieval runs are coalesced: only the
    newest of them retrieves (see ``debounce.Coalescer``).
    """

    def __init__(
        self,
        *,
        encoder: Encoder | None = None,
        memory: SuggestionMemory | None = None,
    ) -> None:
        self._encoder = encoder if encoder is not None else WordLlamaEncoder()
        self._indexes: dict[str, KnowledgeIndex] = {}
        self._owner: dict[str, str] = {}
        self._default_kb: dict[str, str] = {}
        self._dense_off: set[str] = set()
        self._memory = memory if memory is not None else SuggestionMemory()
        self._coalescer = Coalescer()
        self._building: dict[str, asyncio.Lock] = {}

    async def load(self, kb: KnowledgeBase, documents: Sequence[Document]) -> None:
        async with self._lock(kb.id):
            index = await asyncio.to_thread(KnowledgeIndex.build, documents, self._encoder)
            self._install(kb, index)

    async def update(
        self, kb: KnowledgeBase, upserted: Sequence[Document], deleted: Sequence[str]
    ) -> None:
        # One build at a time per knowledge base, so concurrent updates do not undo each other.
        async with self._lock(kb.id):
            current = self._indexes.get(kb.id) or KnowledgeIndex([])
            index = await asyncio.to_thread(current.updated, upserted, deleted, self._encoder)
            self._install(kb, index)

    async def drop(self, kb_id: str) -> None:
        self._indexes.pop(kb_id, None)
        self._building.pop(kb_id, None)
        tenant_id = self._owner.pop(kb_id, None)
        if tenant_id is not None and self._default_kb.get(tenant_id) == kb_id:
            del self._default_kb[tenant_id]

    async def set_dense(self, tenant_id: str, enabled: bool) -> None:
        """Switch the dense leg on or off for a tenant; off means BM25 ranking only."""
        if enabled:
            self._dense_off.discard(tenant_id)
        else:
            self._dense_off.add(tenant_id)

    async def suggest(self, request: AssistRequest) -> list[Suggestion]:
        query = conversation_query(request.lines)
        if not query:
            return []
        conversation = (request.tenant_id, request.conversation_id)
        async with self._coalescer.turn(conversation) as newest:
            if not newest:
                return []  # a later line of the same burst answers for this one
            seen = self._memory.count(conversation)
            limit = request.limit + seen
            hits = await self._rank(request.tenant_id, request.route.kb_id, query, limit)
            ranked = [hit.document.id for hit in hits]
            chosen = self._memory.select(conversation, ranked, request.limit)
        stems = query.stems()
        return [
            to_suggestion(hits[i], stems, request.conversation_id, request.trigger_event_id)
            for i in chosen
        ]

    async def search(self, request: SearchRequest) -> list[Suggestion]:
        query = typed_query(request.query)
        hits = await self._rank(request.tenant_id, request.route.kb_id, query, request.limit)
        stems = query.stems()
        return [to_suggestion(hit, stems, request.tenant_id, "search") for hit in hits]

    async def _rank(self, tenant_id: str, kb_id: str | None, query: Query, limit: int) -> list[Hit]:
        index = self._route(tenant_id, kb_id)
        if index is None or not query:
            return []
        encoder = None if tenant_id in self._dense_off else self._encoder
        if len(index) <= INLINE_SEARCH_MAX_CHUNKS:
            return index.search(query, limit, encoder)
        return await asyncio.to_thread(index.search, query, limit, encoder)

    def _route(self, tenant_id: str, kb_id: str | None) -> KnowledgeIndex | None:
        """The tenant's routed knowledge base, else its default; never another tenant's."""
        if kb_id is None:
            kb_id = self._default_kb.get(tenant_id)
        elif self._owner.get(kb_id) != tenant_id:
            log.warning("knowledge base %s refused for tenant %s: not its own", kb_id, tenant_id)
            return None
        return self._indexes.get(kb_id) if kb_id is not None else None

    def _install(self, kb: KnowledgeBase, index: KnowledgeIndex) -> None:
        self._indexes[kb.id] = index
        self._owner[kb.id] = kb.tenant_id
        if kb.is_default or kb.tenant_id not in self._default_kb:
            self._default_kb[kb.tenant_id] = kb.id
        log.debug("knowledge base %s indexed: %d passages", kb.id, len(index))

    def _lock(self, kb_id: str) -> asyncio.Lock:
        return self._building.setdefault(kb_id, asyncio.Lock())


def to_suggestion(
    hit: Hit, stems: Collection[str], conversation_id: str, trigger_event_id: str
) -> Suggestion:
    """A card for a hit: its best passage, quoted with the query's words highlighted.

    The id is stable for the same conversation, trigger and document.
    """
    digest = hashlib.sha256(
        f"{conversation_id}\x1f{trigger_event_id}\x1f{hit.document.id}".encode()
    ).hexdigest()
    quoted = quote(hit.chunk.body, stems)
    return Suggestion(
        id=digest[:20],
        kind="article",
        title=hit.document.title,
        snippet=quoted.text,
        highlights=list(quoted.highlights),
        source=Source(document_id=hit.document.external_id, url=hit.document.url),
        score=round(hit.score, 4),
        trigger_event_id=trigger_event_id,
    )
