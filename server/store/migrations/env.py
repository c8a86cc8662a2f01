"""Alembic environment: runs on the connection the store hands over, or on a configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from server.store.engine import build_engine
from server.store.schema import metadata

config = context.config


def _configure(**options: object) -> None:
    context.configure(target_metadata=metadata, compare_type=True, **options)  # type: ignore[arg-type]


def run_on(connection: Connection) -> None:
    """Run the pending migrations on an open connection (batch mode for SQLite's ALTER)."""
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_offline(url: str) -> None:
    """Emit the migration SQL instead of running it (``alembic upgrade --sql``)."""
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    """Open a connection to ``url`` for the command line, where no store exists."""
    engine = build_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await engine.dispose()


def main() -> None:
    """Pick the mode Alembic was invoked in."""
    connection = config.attributes.get("connection")
    url = config.get_main_option("sqlalchemy.url")
    if connection is not None:
        run_on(connection)
    elif url is None:
        raise RuntimeError("no connection and no sqlalchemy.url to migrate")
    elif context.is_offline_mode():
        run_offline(url)
    else:
        asyncio.run(run_with_own_engine(url))


main()
