"""Reads of several statements done in one go: one hop to a thread on SQLite, a pooled
connection elsewhere.

Example::

    reader = Reader(db)
    position, rows = await reader.run(lambda conn: (read_position(conn), read_rows(conn)))
    await reader.aclose()
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from server.store.engine import Database, close_quietly, sqlite_file_engine

ResultT = TypeVar("ResultT")


class Reader:
    """Runs a read of several statements in one transaction, so they see one state.

    Through aiosqlite every statement, and the transaction's begin and end, was several hops
    between the event loop and the driver's thread, and each hop cost more CPU than the
    query: a widget's join paid about a millisecond for one empty read. On a SQLite file a
    read is therefore one hop to a thread of its own holding a plain sqlite3 connection; in
    WAL mode its transaction sees the database as of its first statement while the journal
    goes on committing. Elsewhere (PostgreSQL) the read runs on a pooled connection.
    After an error the thread's connection is dropped; the next read opens another.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._threaded: tuple[Engine, ThreadPoolExecutor] | None = None
        self._conn: Connection | None = None
        engine = sqlite_file_engine(db)
        if engine is not None:
            self._threaded = (engine, ThreadPoolExecutor(1, "sqlite-reader"))

    async def run(self, read: Callable[[Connection], ResultT]) -> ResultT:
        """``read(connection)`` inside one read transaction; nothing it does is committed."""
        if self._threaded is None:
            async with self._db.reading() as conn:
                return await conn.run_sync(read)
        async with self._db.translated():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threaded[1], self._read_here, read)

    async def aclose(self) -> None:
        """Close the thread's connection and stop the thread."""
        if self._threaded is not None:
            engine, thread = self._threaded
            await asyncio.get_running_loop().run_in_executor(thread, self._drop)
            thread.shutdown(wait=True)
            engine.dispose()

    def _read_here(self, read: Callable[[Connection], ResultT]) -> ResultT:
        """Begin and end the transaction on the sqlite3 connection itself: SQLAlchemy's
        bookkeeping of it cost more than the statements. Statements ``read`` runs through
        SQLAlchemy join it (the ``begin`` listener sees it open)."""
        assert self._threaded is not None
        if self._conn is None or self._conn.closed:
            self._conn = self._threaded[0].connect()
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
