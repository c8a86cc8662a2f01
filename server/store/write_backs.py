"""The write-back outbox: what cuecard keeps of a platform conversation to write back at its end.

One row per (tenant, platform, conversation). It is opened by the conversation's first event,
collects the hold and resume events and the agent's notes, and becomes due when the
conversation ends (or when notes are saved after the end). The writer claims due rows under a
short lease it renews while writing, so a node that dies mid-write gives the row back within
the lease; applying a write for an older ``version`` leaves the row due for the newer one.

Example::

    key = WriteBackKey("acme", "acmedesk", "conv-1")
    await store.write_backs.ended(key, agent_id="agent-7", at=ended_at)
    [row] = await store.write_backs.claim_due(now, lease_until=now + timedelta(seconds=15))
    await store.write_backs.written(key, row.version, record_id="task-1")
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from server.errors import Conflict
from server.store.engine import Database
from server.store.models import HoldMark, WriteBack, WriteBackStatus
from server.store.schema import utcnow, write_backs

_wb = write_backs.c
_PROBLEMS_SHOWN = 20


class WriteBackKey(NamedTuple):
    """Which conversation of which platform of which tenant."""

    tenant_id: str
    platform: str
    conversation_id: str


Changes = Callable[[WriteBack | None], dict[str, Any]]


def _own(key: WriteBackKey) -> ColumnElement[bool]:
    return and_(
        _wb.tenant_id == key.tenant_id,
        _wb.platform == key.platform,
        _wb.conversation_id == key.conversation_id,
    )


def _due_now(now: datetime) -> dict[str, Any]:
    return {"status": WriteBackStatus.DUE, "next_attempt_at": now, "attempts": 0}


class WriteBackRepository:
    """Rows of the outbox; every read and write names the tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: WriteBackKey) -> WriteBack | None:
        """The conversation's row, if it has one."""
        async with self._db.reading() as conn:
            row = (await conn.execute(select(write_backs).where(_own(key)))).first()
        return None if row is None else WriteBack.model_validate(row)

    async def started(self, key: WriteBackKey, *, media: str | None, agent_id: str | None) -> None:
        """The conversation started: open its row (what it already knows is kept)."""

        def changes(row: WriteBack | None) -> dict[str, Any]:
            if row is None:
                return {"media": media, "agent_id": agent_id}
            return {"media": row.media or media, "agent_id": row.agent_id or agent_id}

        await self._change(key, changes)

    async def hold_mark(self, key: WriteBackKey, mark: HoldMark, agent_id: str | None) -> None:
        """A hold or resume event, kept once however often it is recorded."""

        def changes(row: WriteBack | None) -> dict[str, Any]:
            marks = [] if row is None else row.holds
            if any(existing.id == mark.id for existing in marks):
                return {}
            kept = [*marks, mark]
            return {
                "holds": [m.model_dump(mode="json") for m in kept],
                "agent_id": (row.agent_id if row else None) or agent_id,
            }

        await self._change(key, changes)

    async def ended(self, key: WriteBackKey, *, agent_id: str | None, at: datetime) -> None:
        """The conversation ended: its write-back is due now."""

        def changes(row: WriteBack | None) -> dict[str, Any]:
            version = 1 if row is None else row.version + 1
            agent = (row.agent_id if row else None) or agent_id
            return {"ended_at": at, "version": version, "agent_id": agent, **_due_now(utcnow())}

        await self._change(key, changes)

    async def save_notes(self, key: WriteBackKey, *, agent_id: str, notes: str) -> WriteBack:
        """Keep the agent's notes; after the end they make the write-back due again."""

        def changes(row: WriteBack | None) -> dict[str, Any]:
            values: dict[str, Any] = {
                "notes": notes,
                "agent_id": (row.agent_id if row else None) or agent_id,
                "version": 1 if row is None else row.version + 1,
            }
            if row is not None and row.ended_at is not None:
                values |= _due_now(utcnow())
            return values

        return await self._change(key, changes)

    async def claim_due(
        self, now: datetime, *, lease_until: datetime, limit: int = 10
    ) -> builtins.list[WriteBack]:
        """Take up to ``limit`` due rows no one holds, oldest first, under a lease."""
        free = or_(_wb.lease_until.is_(None), _wb.lease_until < now)
        due = and_(_wb.status == WriteBackStatus.DUE, _wb.next_attempt_at <= now, free)
        keys = select(_wb.tenant_id, _wb.platform, _wb.conversation_id).where(due)
        async with self._db.reading() as conn:
            candidates = (await conn.execute(keys.order_by(_wb.next_attempt_at).limit(limit))).all()
        claimed = []
        for candidate in candidates:
            key = WriteBackKey(*candidate)
            take = update(write_backs).where(_own(key), due).values(lease_until=lease_until)
            async with self._db.transaction() as conn:
                row = (await conn.execute(take.returning(*write_backs.c))).first()
            if row is not None:
                claimed.append(WriteBack.model_validate(row))
        return claimed

    async def renew(self, key: WriteBackKey, lease_until: datetime) -> None:
        """Extend the lease of a row being written."""
        await self._update(key, lease_until=lease_until)

    async def written(self, key: WriteBackKey, version: int, *, record_id: str) -> bool:
        """The write of ``version`` was applied; False if the row changed meanwhile (still due)."""
        done = update(write_backs).where(
            _own(key), _wb.version == version, _wb.status == WriteBackStatus.DUE
        )
        values = {"record_id": record_id, "lease_until": None, "updated_at": utcnow()}
        async with self._db.transaction() as conn:
            result = await conn.execute(
                done.values(
                    status=WriteBackStatus.WRITTEN,
                    attempts=0,
                    last_error=None,
                    next_attempt_at=None,
                    **values,
                )
            )
            if result.rowcount:
                return True
            await conn.execute(update(write_backs).where(_own(key)).values(**values))
        return False

    async def retry_later(self, key: WriteBackKey, *, error: str, at: datetime) -> None:
        """The write failed for now: try again at ``at``."""
        await self._update(
            key,
            attempts=_wb.attempts + 1,
            next_attempt_at=at,
            last_error=error,
            lease_until=None,
        )

    async def set_aside(self, key: WriteBackKey, status: WriteBackStatus, *, error: str) -> None:
        """Stop writing the row: ``held`` until the integration changes, or ``failed``."""
        await self._update(key, status=status, last_error=error, lease_until=None)

    async def rearm(self, tenant_id: str, platform: str) -> int:
        """The integration changed: rows held or failed are due again; how many."""
        statement = (
            update(write_backs)
            .where(
                _wb.tenant_id == tenant_id,
                _wb.platform == platform,
                _wb.status.in_([WriteBackStatus.HELD, WriteBackStatus.FAILED]),
            )
            .values(**_due_now(utcnow()), updated_at=utcnow())
        )
        async with self._db.transaction() as conn:
            return int((await conn.execute(statement)).rowcount or 0)

    async def counts(self, tenant_id: str) -> dict[tuple[str, WriteBackStatus], int]:
        """How many rows the tenant has, per platform and status."""
        statement = (
            select(_wb.platform, _wb.status, func.count())
            .where(_wb.tenant_id == tenant_id)
            .group_by(_wb.platform, _wb.status)
        )
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return {(platform, WriteBackStatus(status)): count for platform, status, count in rows}

    async def problems(self, tenant_id: str) -> builtins.list[WriteBack]:
        """The tenant's rows whose last write failed, newest first."""
        statement = (
            select(write_backs)
            .where(_wb.tenant_id == tenant_id, _wb.last_error.is_not(None))
            .order_by(_wb.updated_at.desc())
            .limit(_PROBLEMS_SHOWN)
        )
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [WriteBack.model_validate(row) for row in rows]

    async def purge(self, *, written_before: datetime, idle_before: datetime) -> int:
        """Forget rows written long ago, and rows of conversations that never ended."""
        statement = write_backs.delete().where(
            or_(
                and_(_wb.status == WriteBackStatus.WRITTEN, _wb.updated_at < written_before),
                and_(_wb.status == WriteBackStatus.OPEN, _wb.updated_at < idle_before),
            )
        )
        async with self._db.transaction() as conn:
            return int((await conn.execute(statement)).rowcount or 0)

    async def _update(self, key: WriteBackKey, **values: Any) -> None:
        statement = update(write_backs).where(_own(key)).values(updated_at=utcnow(), **values)
        async with self._db.transaction() as conn:
            await conn.execute(statement)

    async def _change(self, key: WriteBackKey, changes: Changes) -> WriteBack:
        """Apply ``changes`` to the row, creating it if needed; two first writers take turns."""
        try:
            return await self._change_once(key, changes)
        except Conflict:
            return await self._change_once(key, changes)

    async def _change_once(self, key: WriteBackKey, changes: Changes) -> WriteBack:
        now = utcnow()
        async with self._db.transaction(conflict="the write-back row already exists") as conn:
            found = (
                await conn.execute(select(write_backs).where(_own(key)).with_for_update())
            ).first()
            row = None if found is None else WriteBack.model_validate(found)
            values = changes(row)
            if row is None:
                fresh = WriteBack.fresh(*key, now=now).model_dump(mode="python")
                insert = write_backs.insert().values({**fresh, **values})
                saved = (await conn.execute(insert.returning(*write_backs.c))).one()
            else:
                change = update(write_backs).where(_own(key)).values(updated_at=now, **values)
                saved = (await conn.execute(change.returning(*write_backs.c))).one()
        return WriteBack.model_validate(saved)
