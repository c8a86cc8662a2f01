"""Reads of several statements done in one go: on a SQLite file, on a thread of the reader's
own that takes every read waiting; elsewhere, on a pooled connection.

Example::

    reader = Reader(db)
    position, rows = await reader.run(lambda conn: (read_position(conn), read_rows(conn)))
    await reader.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from server.errors import Unavailable
from server.store.engine import (
    Database,
    close_quietly,
    fail_queued,
    next_batch,
    settle,
    sqlite_file_engine,
)

ResultT = TypeVar("ResultT")
# Reads run back to back, each in its own transaction, and the loop hears of a batch when its
# last read is done: a bound keeps the first one's caller from waiting on many others.
MAX_BATCH = 50
# At shutdown, reads under way get this long before the thread is left behind.
DRAIN_SECONDS = 5.0

Waiting = tuple[Callable[[Connection], Any], "asyncio.Future[Any]"]


class Reader:
    """Runs a read of several statements in one transaction, so they see one state.

    Through aiosqlite every statement, and the transaction's begin and end, was several hops
    between the event loop and the driver's thread, and each hop cost more CPU than the
    query: a widget's join paid about a millisecond for one empty read. On a SQLite file reads
    therefore go to a thread of their own holding a plain sqlite3 connection, each in its own
    transaction (in WAL mode it sees the database as of its first statement while the journal
    goes on committing). The thread takes every read waiting and answers them with one call
    back into the loop: when widgets join by the thousand (a connect storm) that saves an
    executor work item, two chained futures and a loop wake-up per join. Elsewhere
    (PostgreSQL) the read runs on a pooled connection. After an error the thread's connection
    is dropped; the next read opens another.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        engine = sqlite_file_engine(db)
        self._thread = _ReadThread(engine) if engine is not None else None

    async def run(self, read: Callable[[Connection], ResultT]) -> ResultT:
        """``read(connection)`` inside one read transaction; nothing it does is committed."""
        if self._thread is None:
            async with self._db.reading() as conn:
                return await conn.run_sync(read)
        try:
            result: ResultT = await self._thread.submit(read)
        except Exception as err:
            ours = self._db.translate(err)
            if ours is err:
                raise
            raise ours from err
        self._db.reachable()
        return result

    async def aclose(self) -> None:
        """Finish the reads under way, close the thread's connection and stop the thread."""
        if self._thread is not None:
            await self._thread.aclose()


class _ReadThread:
    """One thread running reads on its own sqlite3 connection, a batch per loop wake-up."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # None asks the thread to stop once every read before it has run.
        self._queue: queue.SimpleQueue[Waiting | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._closed = False
        self._conn: Connection | None = None

    async def submit(self, read: Callable[[Connection], ResultT]) -> ResultT:
        """What ``read`` returns (or raises), run on the thread with whatever else waits."""
        if self._closed:
            raise Unavailable("the server is shutting down; retry on another node")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._start(loop)
        future: asyncio.Future[ResultT] = loop.create_future()
        self._queue.put((read, future))
        return await future

    async def aclose(self) -> None:
        self._closed = True
        if self._stopped is None:
            self._engine.dispose()
            return
        self._queue.put(None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._stopped), DRAIN_SECONDS)
        fail_queued(self._queue, Unavailable("the server shut down before this read ran"))
        self._engine.dispose()

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._stopped = loop.create_future()
        threading.Thread(target=self._run, name="sqlite-reader", daemon=True).start()

    def _run(self) -> None:
        """The thread: every read waiting, in turn, until asked to stop."""
        stopping = False
        while not stopping:
            batch, stopping = next_batch(self._queue, MAX_BATCH)
            if batch:
                self._answer(
                    _settle_all,
                    [(future, *self._outcome(read, future)) for read, future in batch],
                )
        self._drop()
        self._answer(settle, self._stopped)

    def _outcome(
        self, read: Callable[[Connection], Any], future: asyncio.Future[Any]
    ) -> tuple[bool, Any]:
        """(True, result) or (False, the error); a read whose caller gave up is not run."""
        if future.done():
            return False, None
        try:
            return True, self._read_here(read)
        except Exception as err:
            return False, err

    def _answer(self, callback: Callable[..., None], *args: object) -> None:
        """Run ``callback`` on the loop (once per batch: one wake-up for every reader)."""
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            self._loop.call_soon_threadsafe(callback, *args)

    def _read_here(self, read: Callable[[Connection], ResultT]) -> ResultT:
        """Begin and end the transaction on the sqlite3 connection itself: SQLAlchemy's
        bookkeeping of it cost more than the statements. Statements ``read`` runs through
        SQLAlchemy join it (the ``begin`` listener sees it open)."""
        if self._conn is None or self._conn.closed:
            self._conn = self._engine.connect()
        conn = self._conn
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        try:
            driver.execute("BEGIN")
            try:
                return read(conn)
            finally:
                if conn.in_transaction():
                    conn.rollback()  # SQLAlchemy's view of the transaction; ends the driver's
                else:
                    driver.rollback()
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        close_quietly(conn, "the reader's connection")


def _settle_all(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in outcomes:
        if future.done():  # its caller gave up meanwhile
            continue
        if ok:
            future.set_result(value)
        elif value is not None:
            future.set_exception(value)
