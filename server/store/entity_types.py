"""A tenant's entity types (named regular expressions) and its details-panel threshold.

Example::

    kind = await store.entity_types.create("acme", name="loyalty_id", pattern=r"LY-\\d{6}",
                                           confidence=0.95)
    await store.entity_types.set_threshold("acme", 0.7)
    kinds = await store.entity_types.list("acme")
"""

from __future__ import annotations

import builtins

from sqlalchemy import delete, select

from server.store.engine import Database
from server.store.models import EntityType
from server.store.schema import entity_settings, entity_types, new_id, utcnow

_et = entity_types.c
_es = entity_settings.c


class EntityTypeRepository:
    """Every statement filters by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, tenant_id: str) -> builtins.list[EntityType]:
        """The tenant's entity types by name."""
        statement = select(entity_types).where(_et.tenant_id == tenant_id).order_by(_et.name)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [EntityType.model_validate(row) for row in rows]

    async def create(
        self, tenant_id: str, *, name: str, pattern: str, confidence: float
    ) -> EntityType:
        """Add a type; a name the tenant already uses raises ``Conflict``."""
        kind = EntityType(
            id=new_id(),
            tenant_id=tenant_id,
            name=name,
            pattern=pattern,
            confidence=confidence,
            created_at=utcnow(),
        )
        async with self._db.transaction() as conn:
            await conn.execute(entity_types.insert().values(**kind.model_dump()))
        return kind

    async def delete(self, tenant_id: str, type_id: str) -> bool:
        """Remove a type; False if the tenant has no such type."""
        statement = delete(entity_types).where(_et.tenant_id == tenant_id, _et.id == type_id)
        async with self._db.transaction() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def threshold(self, tenant_id: str) -> float | None:
        """The tenant's threshold, or None for the default."""
        statement = select(_es.threshold).where(_es.tenant_id == tenant_id)
        async with self._db.reading() as conn:
            value = (await conn.execute(statement)).scalar_one_or_none()
        return float(value) if value is not None else None

    async def set_threshold(self, tenant_id: str, threshold: float) -> None:
        """Set the tenant's threshold."""
        async with self._db.transaction() as conn:
            await conn.execute(delete(entity_settings).where(_es.tenant_id == tenant_id))
            await conn.execute(
                entity_settings.insert().values(
                    tenant_id=tenant_id, threshold=threshold, updated_at=utcnow()
                )
            )
