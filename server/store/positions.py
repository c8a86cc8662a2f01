"""Where each integration's stream readers stopped: one position per topic.

Example::

    await store.positions.put("acme", "9f1c2b3a", "persistent://acme/event-v1/all", "CAEQAQ==")
    await store.positions.get("acme", "9f1c2b3a", "persistent://acme/event-v1/all")  # "CAEQAQ=="
"""

from __future__ import annotations

from sqlalchemy import select

from server.store.engine import Database
from server.store.schema import stream_positions, utcnow

_sp = stream_positions.c
_KEY = ("tenant_id", "integration_id", "topic")


class StreamPositionRepository:
    """Read and move positions; every statement names the tenant and the integration."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, tenant_id: str, integration_id: str, topic: str) -> str | None:
        """The position stored for the integration's ``topic``, or None."""
        statement = select(_sp.position).where(
            _sp.tenant_id == tenant_id, _sp.integration_id == integration_id, _sp.topic == topic
        )
        async with self._db.reading() as conn:
            return (await conn.execute(statement)).scalar_one_or_none()

    async def put(self, tenant_id: str, integration_id: str, topic: str, position: str) -> None:
        """Store ``position`` for the integration's ``topic``, replacing the previous one."""
        row = {
            "tenant_id": tenant_id,
            "integration_id": integration_id,
            "topic": topic,
            "position": position,
            "updated_at": utcnow(),
        }
        insert = self._db.insert(stream_positions).values(row)
        upsert = insert.on_conflict_do_update(
            index_elements=_KEY,
            set_={"position": insert.excluded.position, "updated_at": insert.excluded.updated_at},
        )
        async with self._db.transaction() as conn:
            await conn.execute(upsert)
