"""Group commit on a thread of its own, for a writer committing on every event to a SQLite file.

Callers on the event loop hand one item each to :meth:`ThreadedGroupCommit.submit`; the thread
takes every item waiting when it is free, writes them in one transaction on its own plain
sqlite3 connection (the journal's lone entry is a single statement, its own transaction:
server/store/live_writes.py), and answers the whole batch with one call back into the loop.
Compared with a group-commit task on the loop handing each batch to an executor, this saves a
task wake-up, an executor work item and a pair of chained futures per batch: at 100 events a
second every event is a batch of its own, and that hand-off cost more CPU than the SQL
(docs/benchmarks.md, "Relay CPU with the journal").

The writer's connection never checkpoints the write-ahead log itself: a checkpoint copies the
log into the database and waits for the disk, 10-35 ms under load, and every event behind it
waited too. A second thread checkpoints (``PASSIVE``: never blocking the writer) once a
second when something was written. What a commit guarantees is unchanged: it is in the log
when the caller hears of it, and survives the process being killed (``synchronous = NORMAL``).

Example::

    commit = ThreadedGroupCommit(db, engine, transactional(write_rows))
    written = await commit.submit(entry)   # durable once this returns
    await commit.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from server.deadlines import Deadlines
from server.errors import Unavailable
from server.store.engine import (
    Database,
    close_quietly,
    fail_queued,
    next_batch,
    run_in_driver_transaction,
    settle,
    writing_connection,
)

log = logging.getLogger(__name__)
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
# A transaction of this many items is still small; more wait for the next one.
MAX_BATCH = 500
# At shutdown, what is waiting gets this long to be written before the writer stops.
DRAIN_SECONDS = 5.0
CHECKPOINT_SECONDS = 1.0

Waiting = tuple[ItemT, "asyncio.Future[ResultT]"]


class ThreadedGroupCommit(Generic[ItemT, ResultT]):
    """Batches concurrent submissions into calls of ``write`` on the writer's thread.

    ``write(connection, items)`` writes the items and commits them (``transactional`` runs a
    function in one write transaction; the journal commits a lone entry as one statement,
    server/store/live_writes.py), and returns one result per item, in order. A failed write
    fails every caller of that batch with the same error (as ours: ``Database.translate``),
    and the connection is opened again for the next batch. A submission still waiting when
    its deadline (``deadlines``) passes fails with the deadlines' error, and is not written if
    its batch has not started.
    """

    def __init__(
        self,
        db: Database,
        engine: Engine,
        write: Callable[[Connection, Sequence[ItemT]], Sequence[ResultT]],
        deadlines: Deadlines | None = None,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._db = db
        self._engine = engine
        self._write = write
        self._deadlines = deadlines
        self._max_batch = max_batch
        # None asks the thread to stop once everything before it is written.
        self._queue: queue.SimpleQueue[Waiting[ItemT, ResultT] | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._conn: Connection | None = None
        self._checkpoints = _Checkpoints(engine)
        self.batches = 0

    async def submit(self, item: ItemT) -> ResultT:
        """Write ``item`` with whatever else is waiting; its result once committed."""
        if self._closed:
            raise Unavailable("the server is shutting down; retry on another node")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._start(loop)
        future: asyncio.Future[ResultT] = loop.create_future()
        if self._deadlines is not None:
            self._deadlines.watch(future)
        self._queue.put((item, future))
        return await future

    async def aclose(self) -> None:
        """Write what is waiting, then stop the threads."""
        self._closed = True
        if self._stopped is None:
            return
        self._queue.put(None)
        self._checkpoints.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._stopped), DRAIN_SECONDS)
        fail_queued(self._queue, Unavailable("the server shut down before writing this"))
        await asyncio.to_thread(self._threads[1].join, DRAIN_SECONDS)
        self._engine.dispose()

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._stopped = loop.create_future()
        self._threads = [
            threading.Thread(target=self._run, name="sqlite-writer", daemon=True),
            threading.Thread(target=self._checkpoints.run, name="sqlite-checkpoint", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        """The writer thread: a batch of everything waiting, until asked to stop."""
        stopping = False
        while not stopping:
            batch, stopping = next_batch(self._queue, self._max_batch)
            if batch:
                self._commit(batch)
        self._drop()
        self._answer(settle, self._stopped)

    def _commit(self, batch: list[Waiting[ItemT, ResultT]]) -> None:
        # A caller that gave up (timed out, cancelled) before its turn is not written.
        live = [(item, future) for item, future in batch if not future.done()]
        if not live:
            return
        self.batches += 1
        futures = [future for _, future in live]
        try:
            if self._conn is None or self._conn.closed:
                self._conn = writing_connection(self._engine)
                _no_checkpoints(self._conn)
            results = self._write(self._conn, [item for item, _ in live])
        except Exception as err:
            self._drop()
            self._answer(self._fail, futures, err)
            return
        self._checkpoints.written()
        self._answer(self._succeed, futures, results)

    def _answer(self, callback: Callable[..., None], *args: object) -> None:
        """Run ``callback`` on the loop (once per batch: one wake-up for every caller)."""
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            self._loop.call_soon_threadsafe(callback, *args)

    def _succeed(self, futures: list[asyncio.Future[ResultT]], results: Sequence[ResultT]) -> None:
        self._db.reachable()
        for future, result in zip(futures, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _fail(self, futures: list[asyncio.Future[ResultT]], err: Exception) -> None:
        ours = self._db.translate(err)
        for future in futures:
            if not future.done():
                future.set_exception(ours)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        close_quietly(conn, "the writer's connection")


def transactional(
    write: Callable[[Connection, Sequence[ItemT]], Sequence[ResultT]],
) -> Callable[[Connection, Sequence[ItemT]], Sequence[ResultT]]:
    """``write`` run in one write transaction, committed when it returns."""
    return lambda conn, items: run_in_driver_transaction(conn, lambda conn: write(conn, items))


class _Checkpoints:
    """Copies the write-ahead log into the database, off the writer's thread."""

    def __init__(self, engine: Engine, every: float = CHECKPOINT_SECONDS) -> None:
        self._engine = engine
        self._every = every
        self._stop = threading.Event()
        self._dirty = threading.Event()

    def written(self) -> None:
        """Something was committed: the next round checkpoints."""
        # Setting an event takes its lock and notifies; once set, once a round is enough.
        if not self._dirty.is_set():
            self._dirty.set()

    def stop(self) -> None:
        """End the thread after its current round (a final checkpoint if one is due)."""
        self._stop.set()

    def run(self) -> None:
        """The checkpoint thread."""
        conn: sqlite3.Connection | None = None
        stopping = False
        while not stopping:
            stopping = self._stop.wait(self._every)
            if not self._dirty.is_set():
                continue
            self._dirty.clear()
            try:
                if conn is None:
                    conn = self._connect()
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as err:
                # The log still holds everything committed; the next round tries again.
                log.debug("checkpoint failed: %s", err)
                close_quietly(conn, "the checkpoint connection")
                conn = None
        close_quietly(conn, "the checkpoint connection")

    def _connect(self) -> sqlite3.Connection:
        # A checkpoint needs no settings of the engine's connections: a plain one will do.
        database = self._engine.url.database
        assert database is not None
        return sqlite3.connect(database, isolation_level=None, check_same_thread=False)


def _no_checkpoints(conn: Connection) -> None:
    """The writer's commits leave the log's checkpoints to the checkpoint thread."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.execute("PRAGMA wal_autocheckpoint = 0")
