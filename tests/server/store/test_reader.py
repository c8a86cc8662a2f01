"""Reads of several statements: one state for all of them, even while the journal commits."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

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

    async def read() -> list[tuple[int, list[int]]]:
        seen = []
        for _ in range(60):
            snapshot = await store.live.snapshot("acme", "c1", lines=5, statuses=10)
            seen.append((snapshot.position, [e.position for e in snapshot.entries]))
            await asyncio.sleep(0)
        return seen

    _, seen = await asyncio.gather(write(), read())

    # Nothing newer than the position read, nothing missing below it.
    for position, positions in seen:
        assert positions == list(range(max(1, position - 4), position + 1))
    assert len({position for position, _ in seen}) > 1, "the reads never overlapped a write"
