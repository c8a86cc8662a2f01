"""How live entries are stored: each at its conversation's next position, once per event.

On PostgreSQL a batch advances its conversations' counters (live_counters.py), then inserts
its entries. On SQLite an entry is one statement: it takes its counter's value plus one as its
position, and the trigger of migration 0011 advances the counter. A lone entry (at the
journal's usual rate every entry is a batch of its own) is then a transaction by itself, with
no ``BEGIN`` or ``COMMIT`` to run: on the writer's thread each statement let the event loop
take the interpreter lock, and waited to get it back (docs/benchmarks.md, "The journal's
writer"). Either way, an entry whose event stored one of its kind before is not stored again;
its result is the stored one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from server.store.engine import Database, run_in_driver_transaction
from server.store.live_counters import ConversationKey, Counters
from server.store.models import LiveEntry, LiveEntryIn, WrittenEntry
from server.store.prepared import Prepared
from server.store.schema import live_entries

# An entry as it is inserted: (tenant_id, conversation_id, position, kind, provider,
# event_id, agent_id, body), the table's column order.
Row = tuple[Any, ...]
Place = tuple[str, str, int]
DedupKey = tuple[str, str, str, str]
ENTRY_COLUMNS = tuple(column.name for column in live_entries.columns)
_le = live_entries.c

# ?1-?7: tenant_id, conversation_id, kind, provider, event_id, agent_id, body. ``WHERE true``
# tells SQLite's parser that ON CONFLICT belongs to the insert, not to the select's join.
_INSERT_NEXT = """
INSERT INTO live_entries
    (tenant_id, conversation_id, position, kind, provider, event_id, agent_id, body)
SELECT ?1, ?2, coalesce(
    (SELECT last_position FROM live_conversations WHERE tenant_id = ?1 AND conversation_id = ?2),
    0) + 1, ?3, ?4, ?5, ?6, ?7
WHERE true
ON CONFLICT DO NOTHING
RETURNING position
"""


class EntryWriter:
    """Stores entries on a connection, by the backend's way (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        # SQLite needs no statements of its own beyond ``_INSERT_NEXT``: only PostgreSQL's
        # batches advance counters and insert through SQLAlchemy.
        self._batches = None if db.backend == "sqlite" else _BatchInsert(db)

    def rows(self, conn: Connection, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        """Store ``items`` in the caller's write transaction; one result per item, in order."""
        if self._batches is None:
            return _written(conn, [_insert_next(conn, item) for item in items])
        return _written(conn, self._batches.rows(conn, items))

    def committed(self, conn: Connection, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        """Store ``items`` in a transaction of their own on a SQLite writer's connection."""
        if len(items) != 1 or self._batches is not None:
            return run_in_driver_transaction(conn, lambda conn: self.rows(conn, items))
        row, fresh = _insert_next(conn, items[0])  # the statement is its own transaction
        if fresh:
            return [WrittenEntry(entry=_as_entry(row), fresh=True)]
        return run_in_driver_transaction(conn, lambda conn: _written(conn, [(row, False)]))


class _BatchInsert:
    """PostgreSQL's way: advance the batch's counters, then insert its entries."""

    def __init__(self, db: Database) -> None:
        # Built once: constructing them again per transaction cost as much as running them.
        self._counters = Counters(db)
        self._insert = Prepared(
            db.insert(live_entries)
            .on_conflict_do_nothing()
            .returning(_le.tenant_id, _le.conversation_id, _le.position),
            db.engine.dialect,
        )
        if self._insert.names != ENTRY_COLUMNS:  # the order ``_positioned`` builds rows in
            raise RuntimeError(f"unexpected parameters {self._insert.names}")

    def rows(self, conn: Connection, items: Sequence[LiveEntryIn]) -> list[tuple[Row, bool]]:
        """The items as positioned rows, each with whether it was stored (not a duplicate)."""
        rows = _positioned(conn, self._counters, items)
        stored = {(row[0], row[1], int(row[2])) for row in self._insert.value_rows(conn, rows)}
        return [(row, row[:3] in stored) for row in rows]


def _insert_next(conn: Connection, item: LiveEntryIn) -> tuple[Row, bool]:
    """Insert ``item`` at its conversation's next position unless its event has an entry of
    its kind; the row, and whether it was stored."""
    values = (
        item.tenant_id,
        item.conversation_id,
        item.kind,
        item.provider,
        item.event_id,
        item.agent_id,
        item.body,
    )
    driver = conn.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):  # a file's: on the driver, without SQLAlchemy
        found = driver.execute(_INSERT_NEXT, values).fetchall()
    else:  # an in-memory database's (aiosqlite)
        found = list(conn.exec_driver_sql(_INSERT_NEXT, values).all())
    position = found[0][0] if found else 0
    row = (*values[:2], position, *values[2:])
    return row, bool(found)


def _positioned(conn: Connection, counters: Counters, items: Sequence[LiveEntryIn]) -> list[Row]:
    """The items as rows, positioned from their conversations' counters, in item order."""
    # A plain count: a ``Counter`` over a generator cost several times as much per batch.
    counts: dict[ConversationKey, int] = {}
    for item in items:
        key = (item.tenant_id, item.conversation_id)
        counts[key] = counts.get(key, 0) + 1
    following = counters.advance(conn, counts)
    rows = []
    for item in items:
        key = (item.tenant_id, item.conversation_id)
        position = following[key] = following[key] + 1
        rows.append(
            (
                item.tenant_id,
                item.conversation_id,
                position,
                item.kind,
                item.provider,
                item.event_id,
                item.agent_id,
                item.body,
            )
        )
    return rows


def _written(conn: Connection, rows: Sequence[tuple[Row, bool]]) -> list[WrittenEntry]:
    """One result per (row, stored): the row as stored, or the entry its event stored before."""
    earlier = _stored_before([row for row, stored in rows if not stored], conn)
    # Validated construction: pydantic's is in Rust, ``model_construct`` in Python and slower.
    return [
        WrittenEntry(entry=_as_entry(row), fresh=True)
        if stored
        else WrittenEntry(entry=earlier[_dedup_key(row)], fresh=False)
        for row, stored in rows
    ]


def _as_entry(row: Row) -> LiveEntry:
    tenant_id, conversation_id, position, kind, provider, event_id, agent_id, body = row
    return LiveEntry(
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        position=position,
        kind=kind,
        provider=provider,
        event_id=event_id,
        agent_id=agent_id,
        body=body,
    )


def _dedup_key(row: Row) -> DedupKey:
    return (row[0], row[4], row[5], row[3])


def _stored_before(rows: Sequence[Row], conn: Connection) -> dict[DedupKey, LiveEntry]:
    """The entries stored earlier for the events of ``rows`` (duplicates), by key."""
    if not rows:
        return {}
    keys = [_dedup_key(row) for row in rows]
    statement = select(live_entries).where(
        tuple_(_le.tenant_id, _le.provider, _le.event_id, _le.kind).in_(keys)
    )
    found = conn.execute(statement).all()
    stored = [LiveEntry.model_validate(row._mapping) for row in found]
    return {(e.tenant_id, e.provider, e.event_id, e.kind): e for e in stored}
