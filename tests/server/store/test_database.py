"""Connecting, migrating and reporting an unreachable database."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from server.errors import Unavailable
from server.store import Store
from server.store.engine import normalise_url

TABLES = {"tenants", "api_keys", "knowledge_bases", "documents", "conversations", "feedback"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_migrate_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    store = await Store.connect(database_url)
    try:
        await store.migrate()
        await store.migrate()
        await store.ping()
    finally:
        await store.aclose()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert names >= TABLES | {"alembic_version"}


async def test_data_survives_a_second_migrate_and_a_reconnect(database_url: str) -> None:
    first = await Store.connect(database_url)
    await first.migrate()
    await first.tenants.create("acme", "Acme Corp")
    await first.aclose()
    second = await Store.connect(database_url)
    try:
        await second.migrate()
        assert [t.id for t in await second.tenants.list()] == ["acme"]
    finally:
        await second.aclose()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:////nonexistent-dir/cuecard.db", id="sqlite"),
        pytest.param(f"postgresql://cuecard@127.0.0.1:{_closed_port()}/cuecard", id="postgresql"),
    ],
)
async def test_ping_on_an_unreachable_database_raises_unavailable(url: str) -> None:
    store = await Store.connect(url)
    try:
        with pytest.raises(Unavailable, match="unreachable") as caught:
            await store.ping()
        assert caught.value.code == "unavailable"
        assert caught.value.__cause__ is not None
        with pytest.raises(Unavailable):
            await store.migrate()
    finally:
        await store.aclose()
        _join_sqlite_workers()


def _join_sqlite_workers() -> None:
    """Let aiosqlite's worker threads of failed connects finish while our loop still runs.

    After a failed connect, aiosqlite 0.22 queues its thread's stop without awaiting it; the
    thread then reports to the test's event loop, which must not have closed by then.
    """
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout=5)


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///cuecard.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///cuecard.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db:5432/cuecard", "postgresql+asyncpg"),
        ("postgres://u@db/cuecard", "postgresql+asyncpg"),
        ("postgresql+psycopg://u@db/cuecard", "postgresql+asyncpg"),
    ],
)
def test_urls_are_pointed_at_the_async_driver(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@db/cuecard", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="database"):
        normalise_url(url)


async def test_an_in_memory_database_keeps_its_data_between_queries() -> None:
    store = await Store.connect("sqlite://")
    try:
        await store.migrate()
        await store.tenants.create("acme", "Acme Corp")
        assert await store.tenants.get("acme") is not None
    finally:
        await store.aclose()


async def test_an_outage_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    store = await Store.connect(f"postgresql://cuecard:s3cret@127.0.0.1:{_closed_port()}/cuecard")
    try:
        with caplog.at_level(logging.WARNING, logger="server.store"):
            for _ in range(3):
                with pytest.raises(Unavailable):
                    await store.ping()
    finally:
        await store.aclose()

    assert len(caplog.records) == 1
    assert "s3cret" not in caplog.text
