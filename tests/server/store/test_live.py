"""The live record in the database: positions that never repeat, entries stored once per event."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.store import Store
from server.store.live_counters import STAMP_EVERY
from server.store.models import LiveEntry, LiveEntryIn, LiveEntryKind
from server.store.schema import live_conversations, utcnow


def entry(
    event_id: str,
    conversation_id: str = "c1",
    kind: LiveEntryKind = "line",
    tenant_id: str = "acme",
    agent_id: str | None = None,
) -> LiveEntryIn:
    return LiveEntryIn(
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        kind=kind,
        provider="genesys",
        event_id=event_id,
        agent_id=agent_id,
        body=f'{{"event": "{event_id}"}}',
    )


async def after(store: Store, tenant_id: str, position: int) -> list[LiveEntry]:
    return (await store.live.after(tenant_id, "c1", position, limit=10, statuses=10)).entries


async def test_positions_follow_on_per_conversation_in_batch_order(store: Store) -> None:
    first = await store.live.write([entry("e1"), entry("x1", "c2"), entry("e2")])
    second = await store.live.write([entry("e3"), entry("x2", "c2")])

    positions = [(w.entry.conversation_id, w.entry.position) for w in [*first, *second]]
    assert positions == [("c1", 1), ("c2", 1), ("c1", 2), ("c1", 3), ("c2", 2)]
    assert all(w.fresh for w in [*first, *second])


async def test_an_event_s_entry_is_stored_once_and_the_stored_one_comes_back(store: Store) -> None:
    (stored,) = await store.live.write([entry("e1")])

    again, other_kind = await store.live.write([entry("e1"), entry("e1", kind="suggestions")])

    assert (again.fresh, again.entry) == (False, stored.entry)
    assert other_kind.fresh
    assert [e.event_id for e in await after(store, "acme", 0)] == ["e1", "e1"]


async def test_positions_never_repeat_for_a_reopened_store(store: Store, database_url: str) -> None:
    await store.live.write([entry("e1"), entry("e2")])
    reopened = await Store.connect(database_url)
    try:
        (later,) = await reopened.live.write([entry("e3")])
    finally:
        await reopened.aclose()

    assert later.entry.position == 3


async def test_concurrent_writers_never_hand_out_a_position_twice(
    store: Store, database_url: str
) -> None:
    other = await Store.connect(database_url)
    try:
        batches = await asyncio.gather(
            *(
                writer.live.write([entry(f"{name}-{i}-{j}") for j in range(3)])
                for i in range(10)
                for name, writer in (("a", store), ("b", other))
            )
        )
    finally:
        await other.aclose()

    positions = [w.entry.position for batch in batches for w in batch]
    assert sorted(positions) == list(range(1, 61))


async def test_reads_stay_inside_one_tenant_s_conversation(store: Store) -> None:
    await store.live.write([entry("e1"), entry("g1", tenant_id="globex"), entry("x1", "c2")])
    await store.live.write([entry("a1", kind="status", agent_id="ada")])

    assert [e.event_id for e in await after(store, "acme", 0)] == ["e1", "a1"]
    assert [e.event_id for e in await after(store, "globex", 0)] == ["g1"]
    assert await store.live.assigned("acme", "c1", "ada")
    assert not await store.live.assigned("globex", "c1", "ada")
    assert not await store.live.assigned("acme", "c2", "ada")


async def test_a_snapshot_read_has_the_newest_lines_set_and_statuses(store: Store) -> None:
    await store.live.write([entry(f"e{i}") for i in range(5)] + [entry("s1", kind="status")])
    await store.live.write([entry("e4", kind="suggestions"), entry("s2", kind="status")])

    read = await store.live.snapshot("acme", "c1", lines=2, statuses=1)

    assert read.position == 8
    assert [(e.event_id, e.kind) for e in read.entries] == [
        ("e3", "line"),
        ("e4", "line"),
        ("e4", "suggestions"),
    ]
    assert [e.event_id for e in read.statuses] == ["s2"]


async def test_an_after_read_stops_at_the_position_it_read(store: Store) -> None:
    await store.live.write([entry("e1"), entry("s1", kind="status"), entry("e2")])

    read = await store.live.after("acme", "c1", 1, limit=1, statuses=10)

    assert read.position == 3
    assert [e.event_id for e in read.entries] == ["s1"]
    assert [e.event_id for e in read.statuses] == ["s1"]


async def test_entries_found_by_their_event(store: Store) -> None:
    await store.live.write([entry(f"e{i}") for i in range(5)] + [entry("s1", kind="status")])

    found = await store.live.find("acme", "genesys", "s1", "status")
    assert found is not None
    assert found.position == 6
    assert await store.live.find("acme", "genesys", "s1", "line") is None


async def test_last_positions_of_many_conversations(store: Store) -> None:
    await store.live.write([entry("e1"), entry("e2"), entry("x1", "c2")])

    found = await store.live.last_positions([("acme", "c1"), ("acme", "c2"), ("acme", "c9")])

    assert found == {("acme", "c1"): 2, ("acme", "c2"): 1}


async def test_idle_conversations_are_purged(store: Store) -> None:
    await store.live.write([entry("e1"), entry("x1", "c2")])

    forgotten = await store.live.purge(utcnow() + STAMP_EVERY + timedelta(seconds=1))

    assert forgotten == 2
    assert await after(store, "acme", 0) == []
    assert await store.live.last_positions([("acme", "c1")]) == {}
    assert await store.live.purge(utcnow() - timedelta(hours=1)) == 0


async def stamped_at(store: Store, conversation_id: str = "c1") -> datetime:
    async with store._db.reading() as conn:
        found = await conn.scalar(
            select(live_conversations.c.updated_at).where(
                live_conversations.c.conversation_id == conversation_id
            )
        )
    assert isinstance(found, datetime)
    return found


async def backdate(store: Store, by: timedelta) -> datetime:
    """As if the conversation's counter had last been stamped ``by`` ago."""
    earlier = utcnow() - by
    async with store._db.transaction() as conn:
        await conn.execute(update(live_conversations).values(updated_at=earlier))
    return earlier


async def test_a_written_conversation_is_never_purged_while_its_stamp_trails(store: Store) -> None:
    await store.live.write([entry("e1")])
    stamp = await backdate(store, STAMP_EVERY - timedelta(minutes=1))
    written = utcnow()
    await store.live.write([entry("e2")])

    # Written within STAMP_EVERY of its stamp: the counter's stamp is left as it was...
    assert await stamped_at(store) == stamp
    # ...and a purge of what was idle before that write forgets nothing.
    assert await store.live.purge(written) == 0
    assert [e.event_id for e in await after(store, "acme", 0)] == ["e1", "e2"]


async def test_a_stale_stamp_is_renewed_by_the_next_write(store: Store) -> None:
    await store.live.write([entry("e1"), entry("x1", "c2")])
    await backdate(store, STAMP_EVERY + timedelta(minutes=1))
    written = utcnow()
    await store.live.write([entry("e2")])

    # (SQLite's trigger stamps in milliseconds.)
    assert await stamped_at(store) >= written - timedelta(milliseconds=1)
    # c2 was not written since: idle since its stamp, it is forgotten; c1 is kept.
    assert await store.live.purge(written) == 1
    assert [e.event_id for e in await after(store, "acme", 0)] == ["e1", "e2"]
    assert await store.live.last_positions([("acme", "c2")]) == {}


async def test_an_in_memory_database_positions_and_deduplicates_entries() -> None:
    store = await Store.connect("sqlite://")
    try:
        await store.migrate()
        first = await store.live.write([entry("e1"), entry("e2")])
        again, third = await store.live.write([entry("e1"), entry("e3")])
    finally:
        await store.aclose()

    assert [w.entry.position for w in first] == [1, 2]
    assert (again.fresh, again.entry) == (False, first[0].entry)
    assert (third.fresh, third.entry.position) == (True, 3)
