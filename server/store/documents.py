"""Knowledge-base documents, written idempotently by their ``external_id``.

Example::

    kb = await store.knowledge_bases.create("acme", "support", is_default=True)
    doc, created = await store.documents.upsert(kb, DocumentIn(
        external_id="kb-42", title="Reset a router", body="Hold the reset button..."))
    # upserting "kb-42" again updates that document instead of adding a second one
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select

from server.store.engine import Database
from server.store.models import Document, DocumentIn, KnowledgeBase
from server.store.schema import documents, new_id, utcnow

_doc = documents.c
_NATURAL_KEY = ["kb_id", "external_id"]
_CONTENT = ("title", "body", "url", "tags", "updated_at")


def _row(kb: KnowledgeBase, doc: DocumentIn) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kb_id": kb.id,
        "tenant_id": kb.tenant_id,
        "external_id": doc.external_id,
        "title": doc.title,
        "body": doc.body,
        "url": None if doc.url is None else str(doc.url),
        "tags": list(doc.tags),
        "updated_at": doc.updated_at or utcnow(),
    }


def _in_kb(tenant_id: str, kb_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return _doc.tenant_id == tenant_id, _doc.kb_id == kb_id


class DocumentRepository:
    """Write and read the documents of a knowledge base; reads are scoped to one tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, kb: KnowledgeBase, doc: DocumentIn) -> tuple[Document, bool]:
        """Insert the document or update the one with its ``external_id``; ``True`` if new."""
        row = _row(kb, doc)
        insert = (
            self._db.insert(documents)
            .values(row)
            .on_conflict_do_nothing(index_elements=_NATURAL_KEY)
            .returning(*documents.c)
        )
        update = (
            documents.update()
            .where(*_in_kb(kb.tenant_id, kb.id), _doc.external_id == doc.external_id)
            .values({name: row[name] for name in _CONTENT})
            .returning(*documents.c)
        )
        async with self._db.transaction() as conn:
            stored = (await conn.execute(insert)).first()
            created = stored is not None
            if stored is None:
                stored = (await conn.execute(update)).one()
        return Document.model_validate(stored), created

    async def upsert_many(self, kb: KnowledgeBase, docs: Iterable[DocumentIn]) -> int:
        """Upsert a batch in one transaction; returns how many distinct documents it wrote.

        When an ``external_id`` repeats within the batch, its last document wins.
        """
        rows = {doc.external_id: _row(kb, doc) for doc in docs}
        if not rows:
            return 0
        statement = self._db.insert(documents)
        statement = statement.on_conflict_do_update(
            index_elements=_NATURAL_KEY,
            set_={name: statement.excluded[name] for name in _CONTENT},
        )
        async with self._db.transaction() as conn:
            await conn.execute(statement, builtins.list(rows.values()))
        return len(rows)

    async def get(self, tenant_id: str, kb_id: str, external_id: str) -> Document | None:
        """One of the tenant's documents, by knowledge base and external id."""
        statement = select(documents).where(
            *_in_kb(tenant_id, kb_id), _doc.external_id == external_id
        )
        async with self._db.reading() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else Document.model_validate(row)

    async def get_many(
        self, tenant_id: str, kb_id: str, external_ids: Iterable[str]
    ) -> builtins.list[Document]:
        """The tenant's documents with these external ids (absent ones are left out)."""
        wanted = builtins.list(dict.fromkeys(external_ids))
        if not wanted:
            return []
        statement = (
            select(documents)
            .where(*_in_kb(tenant_id, kb_id), _doc.external_id.in_(wanted))
            .order_by(_doc.external_id)
        )
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Document.model_validate(row) for row in rows]

    async def list(self, tenant_id: str, kb_id: str) -> builtins.list[Document]:
        """The documents of one of the tenant's knowledge bases, by external id."""
        statement = select(documents).where(*_in_kb(tenant_id, kb_id)).order_by(_doc.external_id)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Document.model_validate(row) for row in rows]

    async def delete(self, tenant_id: str, kb_id: str, external_id: str) -> bool:
        """Remove a document; ``False`` if the tenant had no such document."""
        statement = delete(documents).where(
            *_in_kb(tenant_id, kb_id), _doc.external_id == external_id
        )
        async with self._db.transaction() as conn:
            result = await conn.execute(statement)
        return result.rowcount > 0

    async def count(self, tenant_id: str, kb_id: str) -> int:
        """How many documents one of the tenant's knowledge bases holds."""
        statement = select(func.count()).select_from(documents).where(*_in_kb(tenant_id, kb_id))
        async with self._db.reading() as conn:
            return int(await conn.scalar(statement) or 0)
