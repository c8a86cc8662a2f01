"""Knowledge bases and their documents: every write reaches the search index before it returns."""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import Sequence

from server.assist.base import Assistant, Route, SearchRequest
from server.cluster.sync import ConfigSync
from server.errors import InvalidInput, NotFound
from server.kb.loader import read_upload
from server.services.models import (
    DocumentSummary,
    KnowledgeBaseIn,
    KnowledgeBaseOut,
    KnowledgeBasePatch,
    SearchResultOut,
)
from server.store.database import Store
from server.store.models import Document, DocumentIn, KnowledgeBase

MAX_UPLOAD_FILES = 200
# Reading an upload's files may take this long in all: a few kilobytes of PDF can hold pages
# that take seconds each to read, so size alone does not bound the work.
UPLOAD_READ_SECONDS = 30.0


class KnowledgeService:
    """A tenant's knowledge bases, documents, uploads, re-indexing and trial queries."""

    def __init__(self, store: Store, sync: ConfigSync, assistant: Assistant) -> None:
        self._store = store
        self._sync = sync
        self._assistant = assistant

    async def list(self, tenant_id: str) -> builtins.list[KnowledgeBaseOut]:
        """The tenant's knowledge bases with their document counts, by name."""
        kbs = await self._store.knowledge_bases.list(tenant_id)
        return [await self.out(kb) for kb in kbs]

    async def get(self, tenant_id: str, kb_id: str) -> KnowledgeBase:
        """One of the tenant's knowledge bases; :class:`NotFound` otherwise."""
        kb = await self._store.knowledge_bases.get(tenant_id, kb_id)
        if kb is None:
            raise NotFound("no such knowledge base")
        return kb

    async def out(self, kb: KnowledgeBase) -> KnowledgeBaseOut:
        """The response body of a knowledge base."""
        return KnowledgeBaseOut.of(kb, await self._store.documents.count(kb.tenant_id, kb.id))

    async def create(self, tenant_id: str, body: KnowledgeBaseIn) -> KnowledgeBase:
        """Add an empty knowledge base (searchable at once)."""
        kb = await self._store.knowledge_bases.create(
            tenant_id, body.name, is_default=body.is_default
        )
        await self._sync.knowledge_base_changed(kb, created=True)
        return kb

    async def update(self, tenant_id: str, kb_id: str, patch: KnowledgeBasePatch) -> KnowledgeBase:
        """Rename it, or make it (or stop it being) the default."""
        await self.get(tenant_id, kb_id)
        kb = await self._store.knowledge_bases.update(
            tenant_id, kb_id, name=patch.name, is_default=patch.is_default
        )
        await self._sync.knowledge_base_changed(kb)
        return kb

    async def delete(self, tenant_id: str, kb_id: str) -> None:
        """Delete it with its documents; :class:`Conflict` while a mapping routes to it."""
        async with self._sync.editing(kb_id):
            if not await self._store.knowledge_bases.delete(tenant_id, kb_id):
                raise NotFound("no such knowledge base")
        await self._sync.knowledge_base_dropped(tenant_id, kb_id)

    async def documents(self, tenant_id: str, kb_id: str) -> builtins.list[DocumentSummary]:
        """The knowledge base's documents, without bodies, by external id."""
        kb = await self.get(tenant_id, kb_id)
        documents = await self._store.documents.list(kb.tenant_id, kb.id)
        return [DocumentSummary.of(doc) for doc in documents]

    async def document(self, tenant_id: str, kb_id: str, external_id: str) -> Document:
        """One document with its body."""
        kb = await self.get(tenant_id, kb_id)
        doc = await self._store.documents.get(kb.tenant_id, kb.id, external_id)
        if doc is None:
            raise NotFound("no such document")
        return doc

    async def put_document(self, kb: KnowledgeBase, document: DocumentIn) -> tuple[Document, bool]:
        """Create or replace one document; ``True`` if it is new."""
        async with self._sync.editing(kb.id):
            stored, created = await self._store.documents.upsert(kb, document)
            await self._sync.documents_changed(kb, [stored], [])
        return stored, created

    async def put_documents(self, kb: KnowledgeBase, documents: Sequence[DocumentIn]) -> int:
        """Create or replace a batch in one transaction; returns how many were written."""
        store = self._store
        async with self._sync.editing(kb.id):
            written = await store.documents.upsert_many(kb, documents)
            ids = [doc.external_id for doc in documents]
            stored = await store.documents.get_many(kb.tenant_id, kb.id, ids)
            await self._sync.documents_changed(kb, stored, [])
        return written

    async def delete_document(self, tenant_id: str, kb_id: str, external_id: str) -> None:
        """Delete one document."""
        kb = await self.get(tenant_id, kb_id)
        async with self._sync.editing(kb.id):
            if not await self._store.documents.delete(kb.tenant_id, kb.id, external_id):
                raise NotFound("no such document")
            await self._sync.documents_changed(kb, [], [external_id])

    async def upload(
        self, tenant_id: str, kb_id: str, files: Sequence[tuple[str, bytes]]
    ) -> builtins.list[str]:
        """Import uploaded files (.md, .txt, .html, .pdf); all parse before any is written.

        Each file becomes the document whose external id is its name without extension,
        so uploading a file again replaces it. Returns the external ids written.
        """
        kb = await self.get(tenant_id, kb_id)
        if not files:
            raise InvalidInput("choose at least one file", field="files")
        if len(files) > MAX_UPLOAD_FILES:
            raise InvalidInput(f"at most {MAX_UPLOAD_FILES} files at once", field="files")
        # Parsing is CPU work (a PDF's pages take seconds): keep it off the event loop.
        documents = await asyncio.to_thread(_read_uploads, files, UPLOAD_READ_SECONDS)
        await self.put_documents(kb, documents)
        return [doc.external_id for doc in documents]

    async def reindex(self, tenant_id: str, kb_id: str) -> int:
        """Rebuild the search index from the stored documents; returns how many."""
        return await self._sync.reindex(await self.get(tenant_id, kb_id))

    async def search(
        self, tenant_id: str, kb_id: str, query: str, limit: int = 5
    ) -> builtins.list[SearchResultOut]:
        """What agents would be shown for ``query`` from this knowledge base, best first."""
        kb = await self.get(tenant_id, kb_id)
        if not query.strip():
            raise InvalidInput("type something to search for", field="q")
        request = SearchRequest(
            tenant_id=tenant_id, query=query, route=Route(kb_id=kb.id), limit=limit
        )
        return [
            SearchResultOut(
                document_id=hit.source.document_id,
                title=hit.title,
                url=hit.source.url,
                snippet=hit.snippet,
                highlights=hit.highlights,
                score=hit.score,
            )
            for hit in await self._assistant.search(request)
        ]


def _read_uploads(files: Sequence[tuple[str, bytes]], seconds: float) -> builtins.list[DocumentIn]:
    deadline = time.monotonic() + seconds
    return [read_upload(name, data, deadline=deadline) for name, data in files]
