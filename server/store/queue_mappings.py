"""Queue mappings: which knowledge base, prompt and LLM serve a tenant's (provider, queue).

Example::

    mapping, created = await store.queue_mappings.put(
        "acme", "acmedesk", "billing", kb_id=billing_kb.id, system_prompt="Be brief."
    )
    rows = await store.queue_mappings.candidates("acme", "acmedesk", "billing")
    # the exact row, plus any ("*", "billing"), ("acmedesk", "*") and ("*", "*") rows
"""

from __future__ import annotations

import builtins

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.errors import InvalidInput
from server.store.engine import Database
from server.store.models import QueueMapping
from server.store.schema import knowledge_bases, llm_integrations, new_id, queue_mappings, utcnow

ANY = "*"
_qm = queue_mappings.c
_KEY = ["tenant_id", "provider", "queue"]
_SETTINGS = ("kb_id", "system_prompt", "llm_integration_id", "updated_at")


def _key(tenant_id: str, provider: str, queue: str) -> tuple[ColumnElement[bool], ...]:
    return _qm.tenant_id == tenant_id, _qm.provider == provider, _qm.queue == queue


class QueueMappingRepository:
    """Write and read one tenant's queue mappings; every statement filters by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(
        self,
        tenant_id: str,
        provider: str,
        queue: str,
        *,
        kb_id: str | None = None,
        system_prompt: str | None = None,
        llm_integration_id: str | None = None,
    ) -> tuple[QueueMapping, bool]:
        """Create or replace the mapping of ``(provider, queue)``; ``True`` if it is new.

        :class:`InvalidInput` (naming ``kb_id`` or ``llm_integration_id``) if either does not
        belong to the tenant.
        """
        now = utcnow()
        row = {
            "id": new_id(),
            "tenant_id": tenant_id,
            "provider": provider,
            "queue": queue,
            "kb_id": kb_id,
            "system_prompt": system_prompt,
            "llm_integration_id": llm_integration_id,
            "created_at": now,
            "updated_at": now,
        }
        insert = self._db.insert(queue_mappings).values(row)
        upsert = insert.on_conflict_do_update(
            index_elements=_KEY, set_={name: insert.excluded[name] for name in _SETTINGS}
        ).returning(*queue_mappings.c)
        async with self._db.transaction() as conn:
            await _require_owned(conn, knowledge_bases, tenant_id, kb_id, "kb_id")
            await _require_owned(
                conn, llm_integrations, tenant_id, llm_integration_id, "llm_integration_id"
            )
            stored = (await conn.execute(upsert)).one()
        return QueueMapping.model_validate(stored), stored.id == row["id"]

    async def get(self, tenant_id: str, provider: str, queue: str) -> QueueMapping | None:
        """The tenant's mapping of exactly ``(provider, queue)``."""
        rows = await self._select(*_key(tenant_id, provider, queue))
        return rows[0] if rows else None

    async def list(self, tenant_id: str) -> builtins.list[QueueMapping]:
        """The tenant's mappings, by provider then queue."""
        return await self._select(_qm.tenant_id == tenant_id)

    async def candidates(
        self, tenant_id: str, provider: str | None, queue: str | None
    ) -> builtins.list[QueueMapping]:
        """The tenant's rows that could route ``(provider, queue)``: exact or wildcard ones."""
        providers = [ANY] if provider is None else [provider, ANY]
        queues = [ANY] if queue is None else [queue, ANY]
        return await self._select(
            _qm.tenant_id == tenant_id, _qm.provider.in_(providers), _qm.queue.in_(queues)
        )

    async def delete(self, tenant_id: str, provider: str, queue: str) -> bool:
        """Remove a mapping; ``False`` if the tenant had none for ``(provider, queue)``."""
        async with self._db.transaction() as conn:
            result = await conn.execute(
                delete(queue_mappings).where(*_key(tenant_id, provider, queue))
            )
        return result.rowcount > 0

    async def _select(self, *where: ColumnElement[bool]) -> builtins.list[QueueMapping]:
        statement = select(queue_mappings).where(*where).order_by(_qm.provider, _qm.queue)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [QueueMapping.model_validate(row) for row in rows]


async def _require_owned(
    conn: AsyncConnection, table: Table, tenant_id: str, row_id: str | None, field: str
) -> None:
    """A mapping may only point at its own tenant's rows; another tenant's look absent."""
    if row_id is None:
        return
    found = await conn.scalar(
        select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id == row_id)
    )
    if found is None:
        raise InvalidInput(
            f"no {field.removesuffix('_id')} {row_id!r} for this tenant", field=field
        )
