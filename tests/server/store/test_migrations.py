"""Migrations: the initial revision matches the schema, and the command line can run it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from server.store import Store
from server.store.migrations import alembic_config, migration_turn
from server.store.schema import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_database_matches_the_declared_schema(database_url: str) -> None:
    store = await Store.connect(database_url)
    await store.migrate()
    await store.aclose()

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


async def test_concurrent_migrations_take_turns(database_url: str) -> None:
    stores = [await Store.connect(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(store.migrate() for store in stores))
        assert await stores[0].tenants.list() == []
    finally:
        for store in stores:
            await store.aclose()


async def test_a_sqlite_migration_waits_while_another_is_migrating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cuecard.db'}"
    store = await Store.connect(url)
    try:
        async with migration_turn(make_url(url)):
            waiting = asyncio.ensure_future(store.migrate())
            await asyncio.sleep(0.5)
            assert not waiting.done()
        await asyncio.wait_for(waiting, timeout=60)
        assert await store.tenants.list() == []
    finally:
        await store.aclose()


def test_the_alembic_command_line_runs_without_an_ini_file(database_url: str) -> None:
    config = alembic_config(database_url)

    command.upgrade(config, "head")
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
