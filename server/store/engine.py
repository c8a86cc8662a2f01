"""The async engine and the one place where SQLAlchemy and driver errors become ours."""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

from server.errors import Conflict, InvalidInput, Unavailable

logger = logging.getLogger(__name__)
ResultT = TypeVar("ResultT")
# aiosqlite logs every statement with its parameters at debug level; never let it.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
CONNECT_TIMEOUT_SECONDS = 10
_WRITE = "cuecard_write"
_UNREACHABLE = (OperationalError, InterfaceError, OSError, TimeoutError)


def normalise_url(url: str) -> URL:
    """Parse a database URL and point it at the async driver for its backend.

    >>> normalise_url("postgresql://db/cuecard").drivername
    'postgresql+asyncpg'
    """
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ValueError(f"not a database URL: {url!r}") from err
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")
    return parsed.set(drivername=ASYNC_DRIVERS[backend])


def build_engine(url: str) -> AsyncEngine:
    """Create the engine for ``url``; nothing connects until the first query.

    Statement parameters are hidden from SQLAlchemy's error messages: they hold password
    hashes, document bodies and sealed keys, and an error message may reach a log.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(
            parsed,
            hide_parameters=True,
            pool_pre_ping=True,
            connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
        )
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.database in (None, "", ":memory:"):
        # An in-memory database lives in one connection; share it or every query sees nothing.
        options["poolclass"] = StaticPool
    engine = create_async_engine(parsed, **options)
    _make_sqlite_transactional(engine.sync_engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.

    The sqlite3 module only opens a transaction before DML, so migrations (DDL) and
    read-then-write sequences would run unprotected. Writers take the write lock up front
    (``BEGIN IMMEDIATE``) so concurrent writers queue on the busy timeout instead of failing.
    A file database is in WAL mode: readers go on while the journal commits every few
    milliseconds. With ``synchronous = NORMAL`` (SQLite's advice for WAL) a commit does not
    wait for the disk: what committed survives the process being killed, and only a power loss
    or an operating-system crash can roll back the last commits. Production runs on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if _driver_transaction(connection):
            return  # begun on the driver (HeldConnection's SQLite writer); SQLAlchemy joins it
        writes = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _driver_transaction(connection: Connection) -> bool:
    driver = connection.connection.driver_connection
    return isinstance(driver, sqlite3.Connection) and driver.in_transaction


def _refused_value(err: DBAPIError) -> bool:
    """The database refused a value itself (SQLSTATE class 22, "data exception")."""
    sqlstate = getattr(err.orig, "sqlstate", None)
    return isinstance(err, DataError) or str(sqlstate or "").startswith("22")


class Database:
    """Hands out connections and translates lower-level errors on the way out."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._down = False

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, conflict: str | None = None) -> AsyncIterator[AsyncConnection]:
        """A connection inside a write transaction, committed when the block exits cleanly.

        ``conflict`` is the message of the :class:`Conflict` raised if a uniqueness
        constraint rejects the write.
        """
        async with self._translated(conflict), self.engine.connect() as conn:
            await conn.execution_options(**{_WRITE: True})
            async with conn.begin():
                yield conn

    def held(self) -> HeldConnection:
        """A connection of its own for one writer that writes often (the journal's)."""
        return HeldConnection(self)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; nothing it does is committed."""
        async with self._translated(None), self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def translated(self, conflict: str | None = None) -> AsyncIterator[None]:
        """Lower-level errors raised in the block, as ours (see :meth:`transaction`)."""
        async with self._translated(conflict):
            yield

    @asynccontextmanager
    async def _translated(self, conflict: str | None) -> AsyncIterator[None]:
        try:
            yield
            self.reachable()
        except Exception as err:
            ours = self.translate(err, conflict)
            if ours is err:
                raise
            raise ours from err

    def translate(self, err: Exception, conflict: str | None = None) -> Exception:
        """``err`` as ours (see :meth:`transaction`); any other error comes back as it is."""
        if isinstance(err, IntegrityError):
            return Conflict(conflict or "conflicts with an existing record")
        if isinstance(err, DBAPIError):
            if _refused_value(err):
                # A value the column cannot hold (NUL in text, too long): retrying cannot help.
                return InvalidInput("a value cannot be stored by the database")
            if err.connection_invalidated or isinstance(err, _UNREACHABLE):
                return self.unavailable(err)
            return err
        if isinstance(err, StatementError):
            if isinstance(err.orig, ValueError):  # a value our column types refuse to store
                return InvalidInput(str(err.orig))
            return err
        # The sqlite3 driver's own errors reach here from statements run on its cursor.
        if isinstance(err, (*_UNREACHABLE, sqlite3.OperationalError)):
            return self.unavailable(err)
        return err

    def reachable(self) -> None:
        """Note that the database answered (logged once after an outage)."""
        if self._down:
            self._down = False
            logger.info("database reachable again")

    def insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """An INSERT that supports ``ON CONFLICT`` on this backend."""
        if self.backend == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def unavailable(self, err: BaseException) -> Unavailable:
        """The error reported when the database cannot be reached; logged once per outage."""
        cause = getattr(err, "orig", None) or err
        if not self._down:
            self._down = True
            where = self.engine.url.render_as_string(hide_password=True)
            logger.warning("database %s unreachable: %s: %s", where, type(cause).__name__, cause)
        return Unavailable(f"the {self.backend} database is unreachable ({type(cause).__name__})")


def sqlite_file_engine(db: Database) -> Engine | None:
    """On a SQLite file, an engine of plain sqlite3 connections, for a thread of their own
    (:class:`HeldConnection`, server/store/reader.py); None elsewhere."""
    url = db.engine.url
    if db.backend != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    engine = create_engine(
        url.set(drivername="sqlite+pysqlite"), hide_parameters=True, poolclass=NullPool
    )
    _make_sqlite_transactional(engine)
    return engine


class HeldConnection:
    """One connection kept open between write transactions, for a single writer.

    A pooled transaction checks a connection out, probes it (PostgreSQL) and returns it each
    time; for a writer committing every few milliseconds that was most of a transaction's
    cost. On a SQLite file the connection is a plain sqlite3 one on a thread of its own, so a
    transaction is one hop to that thread rather than several per statement (aiosqlite).
    After any error the connection is dropped; the next transaction opens another.
    Concurrent callers take turns.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: AsyncConnection | None = None
        self._threaded: tuple[Engine, ThreadPoolExecutor] | None = None
        self._sync: Connection | None = None
        self._turn = asyncio.Lock()
        sync_engine = sqlite_file_engine(db)
        if sync_engine is not None:
            self._threaded = (sync_engine, ThreadPoolExecutor(1, "sqlite-writer"))

    async def run(self, work: Callable[[Connection], ResultT]) -> ResultT:
        """``work(connection)`` inside a write transaction, committed when it returns."""
        async with self._turn, self._db.translated():
            try:
                if self._threaded is not None:
                    return await asyncio.get_running_loop().run_in_executor(
                        self._threaded[1], self._run_here, work
                    )
                conn = await self._open()
                async with conn.begin():
                    return await conn.run_sync(work)
            except BaseException:
                await self._drop()
                raise

    async def aclose(self) -> None:
        """Close the connection (and its thread)."""
        await self._drop()
        if self._threaded is not None:
            engine, thread = self._threaded
            thread.shutdown(wait=True)
            engine.dispose()

    def _run_here(self, work: Callable[[Connection], ResultT]) -> ResultT:
        assert self._threaded is not None
        if self._sync is None or self._sync.closed:
            self._sync = writing_connection(self._threaded[0])
        return run_in_driver_transaction(self._sync, work)

    def _close_here(self) -> None:
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.close()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                await conn.close()
            if self._threaded is not None:
                await asyncio.get_running_loop().run_in_executor(
                    self._threaded[1], self._close_here
                )
        except Exception:  # already broken: nothing more to release
            logger.debug("closing a held connection failed", exc_info=True)

    async def _open(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await self._db.engine.connect()
            await self._conn.execution_options(**{_WRITE: True})
        return self._conn


def close_quietly(conn: Connection | sqlite3.Connection | None, what: str) -> None:
    """Close a thread's own connection that may already be broken (nothing more to release)."""
    try:
        if conn is not None:
            conn.close()
    except Exception:
        logger.debug("closing %s failed", what, exc_info=True)


def fail_queued(waiting: queue.SimpleQueue[Any], err: Exception) -> None:
    """Fail the (item, future) pairs a store thread had not taken when it stopped (or did not
    stop in time); ``None`` entries are the thread's stop signals."""
    while True:
        try:
            entry = waiting.get_nowait()
        except queue.Empty:
            return
        if entry is not None and not entry[1].done():
            entry[1].set_exception(err)


def next_batch(waiting: queue.SimpleQueue[Any], limit: int) -> tuple[list[Any], bool]:
    """For a store thread, the only one taking from ``waiting``: the next entry (waiting for
    it) and up to ``limit`` in all that are already there, and whether a stop signal
    (``None``) came with them or instead of them."""
    first = waiting.get()
    if first is None:
        return [], True
    batch = [first]
    # One consumer: not empty means get_nowait succeeds.
    while len(batch) < limit and not waiting.empty():
        entry = waiting.get_nowait()
        if entry is None:
            return batch, True
        batch.append(entry)
    return batch, False


def settle(stopped: asyncio.Future[None] | None) -> None:
    """Tell whoever waits for a store thread to stop that it has (once)."""
    if stopped is not None and not stopped.done():
        stopped.set_result(None)


def writing_connection(engine: Engine) -> Connection:
    """A connection of ``sqlite_file_engine``'s for a writer's own thread."""
    return engine.connect().execution_options(**{_WRITE: True})


def run_in_driver_transaction(sync: Connection, work: Callable[[Connection], ResultT]) -> ResultT:
    """Run ``work`` in a transaction begun and committed on the sqlite3 connection itself.

    For a writer committing on every event, SQLAlchemy's transaction bookkeeping cost more
    than the statements. A statement ``work`` runs through SQLAlchemy joins the transaction
    (the ``begin`` listener sees it open).
    """
    driver = sync.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.execute("BEGIN IMMEDIATE")
    try:
        result = work(sync)
        if sync.in_transaction():
            sync.commit()  # SQLAlchemy's own view of the transaction; commits the driver's
        else:
            driver.commit()
    except BaseException:
        if sync.in_transaction():
            sync.rollback()
        driver.rollback()
        raise
    return result
