"""Knowledge bases: named document collections, at most one of them a tenant's default."""

from __future__ import annotations

import builtins

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.errors import NotFound
from server.store.engine import Database
from server.store.models import KnowledgeBase
from server.store.schema import knowledge_bases, new_id, utcnow
from server.store.tenants import require_tenant

_kb = knowledge_bases.c


class KnowledgeBaseRepository:
    """Create and look up a tenant's knowledge bases; every read is scoped to one tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, tenant_id: str, name: str, is_default: bool = False) -> KnowledgeBase:
        """Add a knowledge base; a new default replaces the tenant's previous one.

        Raises :class:`NotFound` for an unknown tenant and :class:`Conflict` when the tenant
        already has a knowledge base of that name.
        """
        kb = KnowledgeBase(
            id=new_id(), tenant_id=tenant_id, name=name, is_default=is_default, created_at=utcnow()
        )
        conflict = f"tenant {tenant_id!r} already has a knowledge base named {name!r}"
        async with self._db.transaction(conflict=conflict) as conn:
            await require_tenant(conn, tenant_id)
            if is_default:
                await _clear_default(conn, tenant_id)
            await conn.execute(knowledge_bases.insert().values(kb.model_dump()))
        return kb

    async def set_default(self, tenant_id: str, kb_id: str) -> KnowledgeBase:
        """Make one of the tenant's knowledge bases its default; :class:`NotFound` if absent."""
        async with self._db.transaction() as conn:
            if await _fetch(conn, _kb.tenant_id == tenant_id, _kb.id == kb_id) is None:
                raise NotFound(f"no knowledge base {kb_id!r} for tenant {tenant_id!r}")
            await _clear_default(conn, tenant_id)
            mark = knowledge_bases.update().where(_kb.tenant_id == tenant_id, _kb.id == kb_id)
            await conn.execute(mark.values(is_default=True))
            kb = await _fetch(conn, _kb.tenant_id == tenant_id, _kb.id == kb_id)
        assert kb is not None
        return kb

    async def update(
        self, tenant_id: str, kb_id: str, *, name: str | None = None, is_default: bool | None = None
    ) -> KnowledgeBase:
        """Rename a knowledge base and/or make it (or stop it being) the tenant's default.

        :class:`NotFound` if the tenant has no such knowledge base, :class:`Conflict` if the
        new name is taken.
        """
        mine = (_kb.tenant_id == tenant_id, _kb.id == kb_id)
        conflict = f"tenant {tenant_id!r} already has a knowledge base named {name!r}"
        async with self._db.transaction(conflict=conflict) as conn:
            if await _fetch(conn, *mine) is None:
                raise NotFound(f"no knowledge base {kb_id!r} for tenant {tenant_id!r}")
            if is_default:
                await _clear_default(conn, tenant_id)
            changes: dict[str, object] = {}
            if name is not None:
                changes["name"] = name
            if is_default is not None:
                changes["is_default"] = is_default
            if changes:
                await conn.execute(knowledge_bases.update().where(*mine).values(changes))
            kb = await _fetch(conn, *mine)
        assert kb is not None
        return kb

    async def delete(self, tenant_id: str, kb_id: str) -> bool:
        """Remove a knowledge base and its documents; ``False`` if the tenant had no such one.

        :class:`Conflict` while a queue mapping still routes to it.
        """
        statement = delete(knowledge_bases).where(_kb.tenant_id == tenant_id, _kb.id == kb_id)
        conflict = "a queue mapping still uses this knowledge base; change the mapping first"
        async with self._db.transaction(conflict=conflict) as conn:
            result = await conn.execute(statement)
        return result.rowcount > 0

    async def get(self, tenant_id: str, kb_id: str) -> KnowledgeBase | None:
        """The tenant's knowledge base with this id; another tenant's is ``None``."""
        return await self._one(_kb.tenant_id == tenant_id, _kb.id == kb_id)

    async def get_by_name(self, tenant_id: str, name: str) -> KnowledgeBase | None:
        """The tenant's knowledge base with this name."""
        return await self._one(_kb.tenant_id == tenant_id, _kb.name == name)

    async def get_default(self, tenant_id: str) -> KnowledgeBase | None:
        """The tenant's default knowledge base, if it has one."""
        return await self._one(_kb.tenant_id == tenant_id, _kb.is_default.is_(True))

    async def list(self, tenant_id: str) -> builtins.list[KnowledgeBase]:
        """The tenant's knowledge bases, by name."""
        return await self._many(_kb.tenant_id == tenant_id)

    async def all(self) -> builtins.list[KnowledgeBase]:
        """Every tenant's knowledge bases (for building search indexes at start-up)."""
        return await self._many()

    async def _one(self, *where: ColumnElement[bool]) -> KnowledgeBase | None:
        async with self._db.reading() as conn:
            return await _fetch(conn, *where)

    async def _many(self, *where: ColumnElement[bool]) -> builtins.list[KnowledgeBase]:
        statement = select(knowledge_bases).where(*where).order_by(_kb.tenant_id, _kb.name)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [KnowledgeBase.model_validate(row) for row in rows]


async def _fetch(conn: AsyncConnection, *where: ColumnElement[bool]) -> KnowledgeBase | None:
    row = (await conn.execute(select(knowledge_bases).where(*where))).first()
    return None if row is None else KnowledgeBase.model_validate(row)


async def _clear_default(conn: AsyncConnection, tenant_id: str) -> None:
    clear = knowledge_bases.update().where(_kb.tenant_id == tenant_id, _kb.is_default.is_(True))
    await conn.execute(clear.values(is_default=False))
