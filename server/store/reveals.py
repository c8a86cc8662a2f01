"""The audit trail of event-inspector reveals: who saw which record's customer text, when.

Example::

    reveal = await store.reveals.record(
        "acme", record_id="9f1c2b3a4d5e6f70", revealed_by="api_key:1f2e3d4c",
        kind="message", conversation_id="conv-1", provider="acmedesk", provider_event_id="m-1",
    )
    latest = await store.reveals.list("acme", limit=50)
"""

from __future__ import annotations

import builtins

from sqlalchemy import select

from server.store.engine import Database
from server.store.models import Reveal
from server.store.schema import event_reveals, new_id, utcnow

_er = event_reveals.c


class RevealRepository:
    """Append and list one tenant's reveals; every statement filters by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        tenant_id: str,
        *,
        record_id: str,
        revealed_by: str,
        kind: str | None = None,
        conversation_id: str | None = None,
        provider: str | None = None,
        provider_event_id: str | None = None,
    ) -> Reveal:
        """Store one reveal, stamped now."""
        reveal = Reveal(
            id=new_id(),
            tenant_id=tenant_id,
            record_id=record_id,
            revealed_by=revealed_by,
            revealed_at=utcnow(),
            kind=kind,
            conversation_id=conversation_id,
            provider=provider,
            provider_event_id=provider_event_id,
        )
        async with self._db.transaction() as conn:
            await conn.execute(event_reveals.insert().values(**reveal.model_dump()))
        return reveal

    async def list(self, tenant_id: str, *, limit: int) -> builtins.list[Reveal]:
        """The tenant's newest ``limit`` reveals, newest first."""
        statement = (
            select(event_reveals)
            .where(_er.tenant_id == tenant_id)
            .order_by(_er.revealed_at.desc(), _er.id)
            .limit(limit)
        )
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Reveal.model_validate(row) for row in rows]
