"""The knowledge engine: hybrid (BM25 + WordLlama) retrieval per knowledge base, fused by RRF."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Collection, Sequence

from server.assist.base import AssistRequest, SearchRequest
from server.assist.cardset import CardSetPolicy
from server.assist.confidence import confident
from server.assist.conversation import Reading, read_conversation
from server.assist.debounce import Coalescer
from server.assist.dense import Encoder, WordLlamaEncoder
from server.assist.index import Hit, KnowledgeIndex
from server.assist.models import CardSet
from server.assist.query import Query, typed_query
from server.assist.snippets import quote
from server.assist.steps import Procedure, best_procedure
from server.conversation import Source, Suggestion
from server.store.models import Document, KnowledgeBase

log = logging.getLogger(__name__)


# A search over a few thousand passages takes about a millisecond; handing it to a worker
# thread cost more than that in GIL hand-offs and tripled the latency tail under load
# (docs/benchmarks.md). Larger knowledge bases are searched off the event loop.
INLINE_SEARCH_MAX_CHUNKS = 2_000
# Documents ranked per turn: more than the cards shown, so an earlier card that is still
# relevant can keep its place (cardset.py).
LOOK_AHEAD = 8


class HybridAssistant:
    """Keeps one hybrid index per knowledge base and ranks suggestions from the right one.

    Example::

        assistant = HybridAssistant()
        await assistant.load(kb, documents)
        await assistant.set_dense("acme", enabled=False)  # this tenant: BM25 only
        cards = await assistant.suggest(request)  # a CardSet

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
        cards: CardSetPolicy | None = None,
    ) -> None:
        self._encoder = encoder if encoder is not None else WordLlamaEncoder()
        self._indexes: dict[str, KnowledgeIndex] = {}
        self._owner: dict[str, str] = {}
        self._default_kb: dict[str, str] = {}
        self._dense_off: set[str] = set()
        self._cards = cards if cards is not None else CardSetPolicy()
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

    async def suggest(self, request: AssistRequest) -> CardSet:
        index = self._route(request.tenant_id, request.route.kb_id)
        if index is None:
            return CardSet(changed=False)
        reading = read_conversation(request.lines, index.share, classifier=index.classify)
        conversation = (request.tenant_id, request.conversation_id)
        turn = reading.latest.value if reading.latest is not None else None
        # Decided from the transcript, not from this node's memory: with several nodes the
        # cards on screen may have been chosen by another one.
        if not reading.requested:
            return self._listening(conversation, turn)
        if reading.latest is None or not reading.latest.carries_topic:
            # An identifier, small talk or a confirmation: the cards on screen still stand.
            return CardSet(turn=turn, changed=False)
        async with self._coalescer.turn(conversation) as newest:
            if not newest:
                return CardSet(turn=turn, changed=False)  # a later line answers for this one
            hits = await self._rank(
                request.tenant_id, request.route.kb_id, reading.query, LOOK_AHEAD
            )
            if not hits or not confident(hits[0].coverage, hits[0].cosine):
                return self._unsure(conversation, reading, turn)
            by_id = {hit.document.id: hit for hit in hits}
            ranked = [(hit.document.id, hit.score) for hit in hits]
            chosen = self._cards.choose(conversation, reading.topic_id, ranked, request.limit)
        stems = reading.query.stems()
        # A card kept on screen within one topic keeps its id, so the widget keeps its state.
        topic = reading.topic_id or request.trigger_event_id
        items = [
            to_suggestion(
                by_id[d],
                stems,
                card_id(request.conversation_id, topic, d),
                request.trigger_event_id,
            )
            for d in chosen
        ]
        return CardSet(items=items, turn=turn, topic_id=reading.topic_id)

    def _listening(self, conversation: tuple[str, str], turn: str | None) -> CardSet:
        """No request yet: say so once; later turns without topic evidence change nothing."""
        if self._cards.listen(conversation):
            return CardSet(reason="listening", turn=turn)
        return CardSet(turn=turn, changed=False)

    def _unsure(self, conversation: tuple[str, str], reading: Reading, turn: str | None) -> CardSet:
        """Nothing fits well enough: keep this topic's cards if it has some, else say so.

        A topic past its first turn had its cards decided already (maybe on another node).
        """
        if reading.turns > 1 or self._cards.shown_for(conversation, reading.topic_id):
            return CardSet(turn=turn, changed=False)
        self._cards.clear(conversation)
        return CardSet(reason="unsure", turn=turn, topic_id=reading.topic_id)

    async def search(self, request: SearchRequest) -> list[Suggestion]:
        index = self._route(request.tenant_id, request.route.kb_id)
        text = index.speller.repair_text(request.query) if index is not None else request.query
        query = typed_query(text)
        hits = await self._rank(request.tenant_id, request.route.kb_id, query, request.limit)
        stems = query.stems()
        return [
            to_suggestion(
                hit, stems, card_id(request.tenant_id, "search", hit.document.id), "search"
            )
            for hit in hits
        ]

    def procedure(
        self,
        tenant_id: str,
        kb_id: str | None,
        document_id: str,
        words: Callable[[], Collection[str]],
    ) -> Procedure | None:
        index = self._route(tenant_id, kb_id)
        return best_procedure(list(index.procedures(document_id)), words) if index else None

    def product_names(self, tenant_id: str, kb_id: str | None) -> Sequence[str]:
        index = self._route(tenant_id, kb_id)
        return index.products if index is not None else ()

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


def card_id(*parts: str) -> str:
    """A stable suggestion id from what identifies the card (conversation, topic, document)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def to_suggestion(
    hit: Hit, stems: Collection[str], suggestion_id: str, trigger_event_id: str
) -> Suggestion:
    """A card for a hit: its best passage, quoted with the query's words highlighted."""
    quoted = quote(hit.chunk.body, stems)
    return Suggestion(
        id=suggestion_id,
        kind="article",
        title=hit.document.title,
        snippet=quoted.text,
        highlights=list(quoted.highlights),
        source=Source(document_id=hit.document.external_id, url=hit.document.url),
        score=round(hit.score, 4),
        trigger_event_id=trigger_event_id,
    )
