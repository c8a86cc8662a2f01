"""Alembic migrations, run in code: no ``alembic.ini`` and no working-directory assumptions.

To write a new revision against a scratch database::

    python -c "from alembic import command; from server.store.migrations import alembic_config; \
command.revision(alembic_config('sqlite:///scratch.db'), 'add x', autogenerate=True)"
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

SCRIPT_LOCATION = Path(__file__).parent
# Any constant works; it only has to be the same for every cuecard process.
_PG_MIGRATION_LOCK = 0x637565636172
HEAD = "head"
# How often a SQLite migration waiting for another one's turn looks again.
_TURN_POLL_SECONDS = 0.05


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at these migrations (and at ``url``, if given)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # The configuration is an INI parser: a literal "%" (URL-encoded passwords) needs "%%".
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, HEAD)


async def upgrade_to_head(conn: AsyncConnection) -> None:
    """Upgrade the schema inside the caller's transaction; concurrent callers take turns."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    await conn.run_sync(_upgrade)


@asynccontextmanager
async def migration_turn(url: URL) -> AsyncIterator[None]:
    """Wait until no other process or store is migrating the same SQLite file.

    PostgreSQL migrations queue on an advisory lock inside their transaction. SQLite has no
    such lock: a second migrator would wait for the write lock only as long as the busy
    timeout, and a first migration on a loaded machine can take longer, so migrators take
    turns on a lock file beside the database. Polling, rather than a blocking ``flock`` in a
    thread, lets a cancelled wait leave nothing holding the lock.
    """
    path = url.database
    if url.get_backend_name() != "sqlite" or path in (None, "", ":memory:"):
        yield
        return
    fd = _open_lock(f"{path}-migrate-lock")
    if fd is None:
        # Where the lock cannot be made, the database cannot be opened either: the migration
        # goes ahead to fail with the store's own error, naming the database.
        yield
        return
    try:
        while not _try_lock(fd):  # noqa: ASYNC110 - the holder may be another process
            await asyncio.sleep(_TURN_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _open_lock(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
