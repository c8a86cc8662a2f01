"""Reads of the live record, as functions of a connection run whole by a Reader.

Each read first takes the conversation's newest position and reads nothing newer, so what it
returns is consistent with that position even where its statements see different states
(PostgreSQL's read committed); on SQLite they run in one transaction. The statements are built
once, with parameters: building them again for every join cost as much as running them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, desc, select, union_all
from sqlalchemy.engine import Connection

from server.store.models import LiveEntry
from server.store.schema import live_conversations, live_entries

_lc = live_conversations.c
_le = live_entries.c
_THIS = (
    _le.tenant_id == bindparam("tenant_id"),
    _le.conversation_id == bindparam("conversation_id"),
)
_UPTO = (*_THIS, _le.position <= bindparam("position"))


class Prepared(Protocol):
    """A statement built once (``prepared.Prepared``: on the sqlite3 driver on a SQLite file)."""

    def rows(self, conn: Connection, params: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Run it once per item of ``params``; every row it returned, in order."""
        ...


@dataclass(frozen=True, slots=True)
class RecordRead:
    """Entries of one conversation read together, consistent with ``position``."""

    # The conversation's newest position (0: no entries); nothing newer was read.
    position: int
    entries: list[LiveEntry]
    statuses: list[LiveEntry]


def _newest(kind: str, limit: str) -> Select[Any]:
    """The newest entries of ``kind`` up to the position, at most the ``limit`` parameter."""
    return (
        select(live_entries)
        .where(*_UPTO, _le.kind == kind)
        .order_by(desc(_le.position))
        .limit(bindparam(limit))
    )


# Every read starts with it, and it is all an empty conversation's join reads: the repository
# runs it as a ``Prepared`` statement (``prepared.py``), on the driver itself on a SQLite file.
POSITION = select(_lc.last_position).where(
    _lc.tenant_id == bindparam("tenant_id"), _lc.conversation_id == bindparam("conversation_id")
)
# Lines, the newest set and statuses in one statement: each part newest first.
_SNAPSHOT = union_all(
    *(
        select(part.subquery())
        for part in (
            _newest("line", "lines"),
            _newest("suggestions", "one"),
            _newest("status", "statuses"),
        )
    )
)
_AFTER = (
    select(live_entries)
    .where(*_UPTO, _le.position > bindparam("after"))
    .order_by(_le.position)
    .limit(bindparam("limit"))
)
_STATUSES = _newest("status", "statuses")
_ASSIGNED = select(_le.position).where(*_THIS, _le.agent_id == bindparam("agent_id")).limit(1)


def snapshot_read(
    position_of: Prepared, tenant_id: str, conversation_id: str, lines: int, statuses: int
) -> Callable[[Connection], RecordRead]:
    """The newest ``lines`` lines, the newest set and the newest ``statuses`` status entries."""

    def read(conn: Connection) -> RecordRead:
        keys = {"tenant_id": tenant_id, "conversation_id": conversation_id}
        position = _position(conn, position_of, keys)
        if position == 0:  # nothing recorded yet: a widget opened as the call is offered
            return RecordRead(0, [], [])
        params = {**keys, "position": position, "lines": lines, "one": 1, "statuses": statuses}
        found = sorted(_as_entries(conn.execute(_SNAPSHOT, params).all()), key=_position_of)
        status_entries = [entry for entry in found if entry.kind == "status"]
        return RecordRead(position, [e for e in found if e.kind != "status"], status_entries)

    return read


def after_read(
    position_of: Prepared,
    tenant_id: str,
    conversation_id: str,
    after: int,
    limit: int,
    statuses: int,
) -> Callable[[Connection], RecordRead]:
    """The entries after ``after``, oldest first, at most ``limit``, and (when one of them is a
    status) the newest ``statuses`` status entries."""

    def read(conn: Connection) -> RecordRead:
        keys = {"tenant_id": tenant_id, "conversation_id": conversation_id}
        position = _position(conn, position_of, keys)
        params = {**keys, "position": position, "statuses": statuses}
        entries = _as_entries(conn.execute(_AFTER, {**params, "after": after, "limit": limit}))
        status_entries: list[LiveEntry] = []
        if any(entry.kind == "status" for entry in entries):
            status_entries = _as_entries(conn.execute(_STATUSES, params))[::-1]
        return RecordRead(position, entries, status_entries)

    return read


def assigned_read(
    tenant_id: str, conversation_id: str, agent_id: str
) -> Callable[[Connection], bool]:
    """Whether an entry connected ``agent_id`` to the conversation."""
    params = {"tenant_id": tenant_id, "conversation_id": conversation_id, "agent_id": agent_id}
    return lambda conn: conn.execute(_ASSIGNED, params).first() is not None


def _position(conn: Connection, position_of: Prepared, keys: dict[str, Any]) -> int:
    found = position_of.rows(conn, [keys])
    return int(found[0][0] or 0) if found else 0


def _position_of(entry: LiveEntry) -> int:
    return entry.position


def _as_entries(rows: Iterable[Any]) -> list[LiveEntry]:
    # Rows of our own table hold the types LiveEntry declares: validating them again cost
    # more than reading them.
    return [LiveEntry.model_construct(**row._mapping) for row in rows]
