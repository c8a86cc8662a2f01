"""The journal's writer thread on a SQLite file: batches, failures, checkpoints, shutdown."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from server.cli.common import open_store
from server.deadlines import Deadlines
from server.errors import Unavailable
from server.store import Store
from server.store.engine import Database, build_engine, sqlite_file_engine
from server.store.models import LiveEntryIn, WrittenEntry
from server.store.sqlite_writer import ThreadedGroupCommit, transactional

WAIT_SECONDS = 10.0


def line(event_id: str, conversation_id: str = "c1") -> LiveEntryIn:
    return LiveEntryIn(
        tenant_id="acme",
        conversation_id=conversation_id,
        kind="line",
        provider="genesys",
        event_id=event_id,
        body=f'{{"event": "{event_id}"}}',
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cuecard.db"


@pytest.fixture
async def store(path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite+aiosqlite:///{path}") as store:
        yield store


@pytest.fixture
async def commit(store: Store) -> AsyncIterator[ThreadedGroupCommit[LiveEntryIn, WrittenEntry]]:
    commit = store.live.group_commit()
    assert commit is not None  # a SQLite file
    yield commit
    await commit.aclose()


def database(path: Path) -> Database:
    return Database(build_engine(f"sqlite+aiosqlite:///{path}"))


async def test_entries_submitted_while_a_transaction_runs_share_the_next_one(
    path: Path, store: Store
) -> None:
    writing, gate = threading.Event(), threading.Event()

    def write(conn: Connection, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        writing.set()
        assert gate.wait(WAIT_SECONDS)  # the first transaction stays open until released
        return store.live.write_rows(conn, items)

    db = database(path)
    engine = sqlite_file_engine(db)
    assert engine is not None
    commit = ThreadedGroupCommit(db, engine, transactional(write))
    first = asyncio.create_task(commit.submit(line("e1")))
    assert await asyncio.to_thread(writing.wait, WAIT_SECONDS)
    waiting = [asyncio.create_task(commit.submit(line(f"e{i}"))) for i in range(2, 7)]
    await asyncio.sleep(0)
    assert not first.done()

    gate.set()

    written = [await first, *await asyncio.gather(*waiting)]
    assert [w.entry.position for w in written] == [1, 2, 3, 4, 5, 6]
    assert all(w.fresh for w in written)
    assert commit.batches == 2
    await commit.aclose()


async def test_an_entry_written_again_comes_back_as_stored_before(
    commit: ThreadedGroupCommit[LiveEntryIn, WrittenEntry],
) -> None:
    stored = await commit.submit(line("e1"))
    again = await commit.submit(line("e1"))

    assert (again.entry.position, again.fresh) == (stored.entry.position, False)


async def test_a_failed_write_fails_its_callers_as_unavailable_and_the_next_one_succeeds(
    path: Path, store: Store
) -> None:
    failures = [sqlite3.OperationalError("disk I/O error")]

    def write(conn: Connection, items: Sequence[str]) -> list[str]:
        if failures:
            raise failures.pop()
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (item TEXT)")
        return [f"{item} written" for item in items]

    db = database(path)
    engine = sqlite_file_engine(db)
    assert engine is not None
    commit: ThreadedGroupCommit[str, str] = ThreadedGroupCommit(db, engine, transactional(write))

    with pytest.raises(Unavailable):
        await commit.submit("a")
    assert await commit.submit("b") == "b written"
    await commit.aclose()


async def test_the_log_is_checkpointed_into_the_database_off_the_writer(
    path: Path, commit: ThreadedGroupCommit[LiveEntryIn, WrittenEntry]
) -> None:
    for i in range(20):
        await commit.submit(line(f"e{i}", conversation_id=f"c{i % 3}"))

    def in_database_file() -> int:
        # ``immutable`` reads the database file alone, without the write-ahead log.
        # closing(): a connection's own ``with`` ends a transaction but leaves it open.
        with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as conn:
            try:
                return int(conn.execute("SELECT count(*) FROM live_entries").fetchone()[0])
            except sqlite3.OperationalError:  # not even the schema is in the file yet
                return -1

    # The checkpoint thread runs on a timer: there is no event to await.
    async with asyncio.timeout(WAIT_SECONDS):
        while in_database_file() != 20:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_closing_writes_what_is_waiting_and_refuses_more(
    commit: ThreadedGroupCommit[LiveEntryIn, WrittenEntry],
) -> None:
    waiting = [asyncio.create_task(commit.submit(line(f"e{i}"))) for i in range(5)]
    await asyncio.sleep(0)

    await commit.aclose()

    assert [w.entry.position for w in await asyncio.gather(*waiting)] == [1, 2, 3, 4, 5]
    with pytest.raises(Unavailable):
        await commit.submit(line("late"))


async def test_an_entry_not_confirmed_by_its_deadline_fails_and_is_never_written(
    path: Path, store: Store
) -> None:
    writing, gate = threading.Event(), threading.Event()

    def write(conn: Connection, items: Sequence[LiveEntryIn]) -> list[WrittenEntry]:
        writing.set()
        assert gate.wait(WAIT_SECONDS)  # the disk stalls while the first transaction runs
        return store.live.write_rows(conn, items)

    db = database(path)
    engine = sqlite_file_engine(db)
    assert engine is not None
    deadlines = Deadlines(0.2, lambda: Unavailable("not confirmed in time"))
    commit = ThreadedGroupCommit(db, engine, transactional(write), deadlines)
    first = asyncio.create_task(commit.submit(line("e1")))
    assert await asyncio.to_thread(writing.wait, WAIT_SECONDS)
    late = asyncio.create_task(commit.submit(line("e2")))

    with pytest.raises(Unavailable, match="in time"):
        await late
    gate.set()

    with pytest.raises(Unavailable, match="in time"):
        await first  # written by now, but its caller was told it failed: a retry finds it
    assert (await commit.submit(line("e3"))).entry.position == 2  # e2 took no position
    assert not (await commit.submit(line("e1"))).fresh
    await commit.aclose()
    deadlines.close()


async def test_two_writers_on_one_file_never_hand_out_a_position_twice(path: Path) -> None:
    url = f"sqlite+aiosqlite:///{path}"
    async with open_store(url) as first, open_store(url) as second:
        commits = [first.live.group_commit(), second.live.group_commit()]

        async def one_at_a_time(n: int) -> list[WrittenEntry]:
            # Each entry alone in its transaction (one statement), racing the other writer's.
            commit = commits[n]
            assert commit is not None
            return [await commit.submit(line(f"{n}-{i}")) for i in range(30)]

        try:
            written = [w for ws in await asyncio.gather(*map(one_at_a_time, (0, 1))) for w in ws]
        finally:
            for commit in commits:
                if commit is not None:
                    await commit.aclose()
        replay = await first.live.after("acme", "c1", 0, limit=100, statuses=0)

    assert sorted(w.entry.position for w in written) == list(range(1, 61))
    by_position = sorted(written, key=lambda w: w.entry.position)
    assert [e.event_id for e in replay.entries] == [w.entry.event_id for w in by_position]
