"""The durable record of live conversations: positioned entries, written in batches.

Every widget event of a conversation (a line, a suggestion set, a status change) is stored at
its position. Positions come from the conversation's counter row, advanced in the transaction
that stores the entries (by the writer, or on SQLite by a trigger: live_writes.py), so they
never repeat and commit in order. An entry whose event was stored before (same tenant,
provider, event id and kind) is not stored again: the write returns the stored one, which is
how a delivery processed again after Redis forgot its claim is recognised.

Example::

    written = await store.live.write([LiveEntryIn(tenant_id="acme", conversation_id="c-1",
        kind="line", provider="acme-desk", event_id="m-1", body='{"text": "hi"}')])
    written[0].entry.position, written[0].fresh   # 1, True
    missed = await store.live.after("acme", "c-1", 0, limit=100, statuses=100)
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select, tuple_
from sqlalchemy.engine import Connection

from server.deadlines import Deadlines
from server.store.engine import Database, sqlite_file_engine
from server.store.live_counters import STAMP_EVERY, ConversationKey
from server.store.live_reads import (
    POSITION,
    RecordRead,
    after_read,
    assigned_read,
    snapshot_read,
)
from server.store.live_writes import EntryWriter
from server.store.models import LiveEntry, LiveEntryIn, LiveEntryKind, WrittenEntry
from server.store.prepared import Prepared
from server.store.reader import Reader
from server.store.schema import live_conversations, live_entries
from server.store.sqlite_writer import ThreadedGroupCommit

_lc = live_conversations.c
_le = live_entries.c


class LiveRecordRepository:
    """Write and read the live record; every read is scoped to one tenant's conversation."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Writes come from one writer (the journal's group commit), often: a connection of
        # their own saves a pool checkout per transaction.
        self._writing = db.held()
        # Widgets read on every join: a read of several statements is one hop (reader.py).
        self._reader = Reader(db)
        self._entries_writer = EntryWriter(db)
        # Built once: building it again per join cost as much as running it.
        self._position = Prepared(POSITION, db.engine.dialect)

    async def write(self, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        """Store ``items`` in one transaction, in order; one result per item, in order.

        Meant for one writer that batches (server/journal/writer.py): concurrent calls on one
        repository take turns.
        """
        if not items:
            return []
        return await self._writing.run(self._write_batch(items))

    def group_commit(
        self, deadlines: Deadlines | None = None
    ) -> ThreadedGroupCommit[LiveEntryIn, WrittenEntry] | None:
        """On a SQLite file, one entry at a time written as :meth:`write` does, batched with
        concurrent ones on a thread of its own (server/store/sqlite_writer.py); None elsewhere,
        where the journal batches calls of :meth:`write` itself."""
        engine = sqlite_file_engine(self._db)
        if engine is None:
            return None
        return ThreadedGroupCommit(self._db, engine, self._entries_writer.committed, deadlines)

    def _write_batch(
        self, items: Sequence[LiveEntryIn]
    ) -> Callable[[Connection], list[WrittenEntry]]:
        return lambda conn: self.write_rows(conn, items)

    def write_rows(self, conn: Connection, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        """Store ``items`` on ``conn`` in the caller's write transaction (see :meth:`write`)."""
        return self._entries_writer.rows(conn, items)

    async def aclose(self) -> None:
        """Close the writing and reading connections."""
        await self._writing.aclose()
        await self._reader.aclose()

    async def snapshot(
        self, tenant_id: str, conversation_id: str, *, lines: int, statuses: int
    ) -> RecordRead:
        """The conversation up to its newest position: the newest ``lines`` lines, the newest
        suggestion set and the newest ``statuses`` status entries (one read)."""
        read = snapshot_read(self._position, tenant_id, conversation_id, lines, statuses)
        return await self._reader.run(read)

    async def after(
        self, tenant_id: str, conversation_id: str, after: int, *, limit: int, statuses: int
    ) -> RecordRead:
        """The entries after ``after`` up to the newest position, oldest first, at most
        ``limit``, and (when one of them is a status) the newest ``statuses`` status entries."""
        return await self._reader.run(
            after_read(self._position, tenant_id, conversation_id, after, limit, statuses)
        )

    async def find(
        self, tenant_id: str, provider: str, event_id: str, kind: LiveEntryKind
    ) -> LiveEntry | None:
        """The entry of ``kind`` stored for one event, if there is one."""
        statement = select(live_entries).where(
            _le.tenant_id == tenant_id,
            _le.provider == provider,
            _le.event_id == event_id,
            _le.kind == kind,
        )
        found = await self._entries(statement)
        return found[0] if found else None

    async def assigned(self, tenant_id: str, conversation_id: str, agent_id: str) -> bool:
        """Whether an ``agent.assigned`` entry connected ``agent_id`` to the conversation."""
        return await self._reader.run(assigned_read(tenant_id, conversation_id, agent_id))

    async def last_positions(self, keys: Sequence[ConversationKey]) -> dict[ConversationKey, int]:
        """The newest position of each conversation named (those without entries are left out)."""
        found: dict[ConversationKey, int] = {}
        # Bounded IN lists keep every statement small, whatever the number of conversations.
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            statement = select(_lc.tenant_id, _lc.conversation_id, _lc.last_position).where(
                tuple_(_lc.tenant_id, _lc.conversation_id).in_(chunk)
            )
            async with self._db.reading() as conn:
                rows = (await conn.execute(statement)).all()
            found.update({(row[0], row[1]): int(row[2]) for row in rows})
        return found

    async def purge(self, before: datetime) -> int:
        """Forget conversations without entries since ``before``; how many were forgotten.

        A counter's ``updated_at`` trails its last write by less than ``STAMP_EVERY``
        (live_counters.py), so one last written in the ``STAMP_EVERY`` before ``before`` may
        be kept until a later purge; none written since ``before`` is forgotten.
        """
        cutoff = before - STAMP_EVERY
        idle = select(_lc.tenant_id, _lc.conversation_id).where(_lc.updated_at < cutoff)
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(live_entries).where(tuple_(_le.tenant_id, _le.conversation_id).in_(idle))
            )
            result = await conn.execute(delete(live_conversations).where(_lc.updated_at < cutoff))
        return int(result.rowcount or 0)

    async def _entries(self, statement: Select[Any]) -> builtins.list[LiveEntry]:
        async with self._db.reading() as conn:
            return _as_entries((await conn.execute(statement)).all())


def _as_entries(rows: Sequence[Any]) -> list[LiveEntry]:
    return [LiveEntry.model_validate(row._mapping) for row in rows]


def _conversation(tenant_id: str, conversation_id: str) -> tuple[ColumnElement[bool], ...]:
    return (_le.tenant_id == tenant_id, _le.conversation_id == conversation_id)
