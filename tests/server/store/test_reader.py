"""Reads of several statements: one state for all of them, even while the journal commits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from server.errors import Unavailable
from server.store import Store
from server.store.engine import Database, build_engine
from server.store.models import LiveEntryIn
from server.store.reader import Reader
from server.store.schema import live_entries


def line(event_id: str) -> LiveEntryIn:
    return LiveEntryIn(
        tenant_id="acme",
        conversation_id="c1",
        kind="line",
        provider="genesys",
        event_id=event_id,
        body=f'{{"event": "{event_id}"}}',
    )


async def test_a_read_on_a_sqlite_file_sees_one_state_while_a_write_commits(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    store = await Store.connect(url)
    await store.migrate()
    reader = Reader(Database(build_engine(url)))
    await store.live.write([line("e1")])
    counted, committed = threading.Event(), threading.Event()
    count = select(func.count()).select_from(live_entries)

    def read_twice(conn: Connection) -> tuple[int, int]:
        first = int(conn.execute(count).scalar_one())
        counted.set()
        committed.wait(timeout=30)  # the journal commits on its own thread meanwhile
        return first, int(conn.execute(count).scalar_one())

    try:
        reading = asyncio.ensure_future(reader.run(read_twice))
        await asyncio.to_thread(counted.wait, 30)
        await store.live.write([line("e2")])
        committed.set()
        assert await reading == (1, 1)
        assert await reader.run(lambda conn: int(conn.execute(count).scalar_one())) == 2
    finally:
        committed.set()
        await reader.aclose()
        await store.aclose()


async def test_snapshots_taken_while_lines_are_written_match_their_position(
    store: Store,
) -> None:
    async def write() -> None:
        for batch in range(40):
            await store.live.write([line(f"e{batch}-{i}") for i in range(batch % 4 + 1)])

    async def read_while(writing: asyncio.Future[None]) -> list[tuple[int, list[int]]]:
        # Until the writes are over, and once after: however slow either side is on a busy
        # machine, the reads span the writes (a fixed count could all land before the first).
        seen = []
        while True:
            over = writing.done()
            snapshot = await store.live.snapshot("acme", "c1", lines=5, statuses=10)
            seen.append((snapshot.position, [e.position for e in snapshot.entries]))
            if over:
                return seen
            await asyncio.sleep(0)

    writing = asyncio.ensure_future(write())
    seen = await read_while(writing)
    await writing

    # Nothing newer than the position read, nothing missing below it.
    for position, positions in seen:
        assert positions == list(range(max(1, position - 4), position + 1))
    assert len({position for position, _ in seen}) > 1, "the reads never overlapped a write"


async def test_reads_waiting_together_each_get_their_own_answer_or_error(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    store = await Store.connect(url)
    await store.migrate()
    await store.live.write([line(f"e{n}") for n in range(3)])
    reader = Reader(Database(build_engine(url)))
    count = select(func.count()).select_from(live_entries)
    gate = threading.Event()

    def held(conn: Connection) -> int:
        gate.wait(timeout=30)  # the others queue up behind this one
        return int(conn.execute(count).scalar_one())

    def numbered(n: int) -> Callable[[Connection], int]:
        return lambda conn: int(conn.execute(count).scalar_one()) * 100 + n

    def broken(conn: Connection) -> int:
        conn.execute(count)
        raise ValueError("this read failed")

    try:
        first = asyncio.ensure_future(reader.run(held))
        others = [asyncio.ensure_future(reader.run(numbered(n))) for n in range(20)]
        failing = asyncio.ensure_future(reader.run(broken))
        given_up = asyncio.ensure_future(reader.run(numbered(99)))
        await asyncio.sleep(0)
        given_up.cancel()
        gate.set()

        assert await first == 3
        assert await asyncio.gather(*others) == [300 + n for n in range(20)]
        with pytest.raises(ValueError, match="this read failed"):
            await failing
        assert given_up.cancelled()
        # The failed read's connection was dropped; the next read opens another.
        assert await reader.run(numbered(7)) == 307
    finally:
        gate.set()
        await reader.aclose()
        await store.aclose()


async def test_a_read_after_the_reader_closed_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    store = await Store.connect(url)
    await store.migrate()
    reader = Reader(Database(build_engine(url)))
    assert await reader.run(lambda conn: 1) == 1
    await reader.aclose()
    try:
        with pytest.raises(Unavailable):
            await reader.run(lambda conn: 2)
    finally:
        await store.aclose()
