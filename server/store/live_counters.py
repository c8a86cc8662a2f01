"""The live record's position counters: one row per conversation, advanced by every write.

A counter's ``updated_at`` says when its conversation was last written, for the purge of idle
conversations (``LiveRecordRepository.purge``, by its index). Writing it on every write
rewrote that index entry too: 1.6 of the 7.3 pages each journal commit wrote to SQLite's log
(docs/benchmarks.md, "The journal's writer"). So the advance leaves it alone and reads it back;
a counter whose ``updated_at`` is older than :data:`STAMP_EVERY` is stamped again in the same
transaction. ``updated_at`` therefore trails a conversation's last write by less than
:data:`STAMP_EVERY`, and the purge allows for that.

Example::

    counters = Counters(db)
    following = counters.advance(conn, {("acme", "c-1"): 2})   # {("acme", "c-1"): 40}
    # positions 41 and 42 are this transaction's
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningInsert

from server.store.engine import Database
from server.store.prepared import Prepared
from server.store.schema import UTCDateTime, live_conversations, utcnow

STAMP_EVERY = timedelta(minutes=10)
ConversationKey = tuple[str, str]
_lc = live_conversations.c
_ADVANCE_PARAMS = ("tenant_id", "conversation_id", "last_position", "updated_at")


class Counters:
    """Advances conversations' counters inside the caller's write transaction."""

    def __init__(self, db: Database) -> None:
        dialect = self._dialect = db.engine.dialect
        # As the column reads it: aware, whether the driver gave text (SQLite) or a datetime.
        self._read_time = UTCDateTime().process_result_value
        # Built once: constructing them again per transaction cost as much as running them.
        self._advance = Prepared(_advance_statement(db), dialect)
        if self._advance.names != _ADVANCE_PARAMS:  # the order ``advance`` passes them in
            raise RuntimeError(f"unexpected parameters {self._advance.names}")
        stamp = (
            update(live_conversations)
            .where(
                _lc.tenant_id == bindparam("key_tenant"),
                _lc.conversation_id == bindparam("key_conversation"),
            )
            .values(updated_at=bindparam("stamped_at"))
            .returning(_lc.tenant_id)
        )
        self._stamp = Prepared(stamp, dialect)

    def advance(self, conn: Connection, counts: dict[ConversationKey, int]) -> dict[Any, int]:
        """Add ``counts`` to the conversations' counters; each one's value before, by key."""
        now = utcnow()
        stale_before = now - STAMP_EVERY
        # Counters advance in key order, so two nodes' batches lock the rows in the same order.
        params = [(t, c, n, now) for (t, c), n in sorted(counts.items())]
        following: dict[Any, int] = {}
        stale = []
        for tenant_id, conversation_id, last, updated_at in self._advance.value_rows(conn, params):
            key = (tenant_id, conversation_id)
            following[key] = int(last) - counts[key]
            if self._written_at(updated_at) < stale_before:
                stale.append(key)
        if stale:
            self._stamp_again(conn, stale, now)
        return following

    def _written_at(self, value: Any) -> datetime:
        written_at = self._read_time(value, self._dialect)
        assert written_at is not None  # the column is not nullable
        return written_at

    def _stamp_again(self, conn: Connection, keys: list[ConversationKey], now: datetime) -> None:
        params = [{"key_tenant": t, "key_conversation": c, "stamped_at": now} for t, c in keys]
        self._stamp.rows(conn, params)


def _advance_statement(db: Database) -> ReturningInsert[Any]:
    """Add each row's ``last_position`` to its conversation's counter (a new counter takes
    ``updated_at``); the new values, with the counter's ``updated_at``."""
    upsert = db.insert(live_conversations)
    return upsert.on_conflict_do_update(
        index_elements=[_lc.tenant_id, _lc.conversation_id],
        set_={"last_position": _lc.last_position + upsert.excluded.last_position},
    ).returning(_lc.tenant_id, _lc.conversation_id, _lc.last_position, _lc.updated_at)
