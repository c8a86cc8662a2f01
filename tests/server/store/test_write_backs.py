"""The write-back outbox rows: collected while the conversation runs, claimed once, versioned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from server.store import Store, Tenant
from server.store.models import HoldMark, WriteBackStatus, hold_spans
from server.store.write_backs import WriteBackKey

KEY = WriteBackKey("acme", "acmedesk", "conv-1")
T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def mark(event_id: str, kind: str, seconds: int) -> HoldMark:
    return HoldMark.model_validate(
        {"id": event_id, "kind": kind, "at": T0 + timedelta(seconds=seconds)}
    )


def later(seconds: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_conversation_collects_holds_and_is_due_once_it_ends(
    store: Store, acme: Tenant
) -> None:
    outbox = store.write_backs
    await outbox.started(KEY, media="message", agent_id=None)
    await outbox.hold_mark(KEY, mark("h1", "held", 60), agent_id="agent-7")
    await outbox.hold_mark(KEY, mark("r1", "resumed", 105), agent_id="agent-7")
    await outbox.hold_mark(KEY, mark("h1", "held", 60), agent_id="agent-7")  # redelivered
    assert await outbox.claim_due(later(), lease_until=later(15)) == []

    await outbox.ended(KEY, agent_id=None, at=T0 + timedelta(minutes=5))

    [row] = await outbox.claim_due(later(), lease_until=later(15))
    assert (row.status, row.agent_id, row.version) == (WriteBackStatus.DUE, "agent-7", 1)
    wrap_up = row.wrap_up()
    assert [span.seconds for span in wrap_up.holds] == [45]
    assert wrap_up.ended_at == T0 + timedelta(minutes=5)


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_lapses(
    store: Store, acme: Tenant
) -> None:
    outbox = store.write_backs
    await outbox.ended(KEY, agent_id="agent-7", at=T0)
    claims = await asyncio.gather(
        *(outbox.claim_due(later(), lease_until=later(0.3)) for _ in range(3))
    )
    assert sorted(len(claimed) for claimed in claims) == [0, 0, 1]
    await asyncio.sleep(0.4)
    # The writer died without a word: once the lease lapses another node takes the row.
    assert len(await outbox.claim_due(later(), lease_until=later(15))) == 1


async def test_notes_saved_while_writing_leave_the_row_due_for_the_newer_version(
    store: Store, acme: Tenant
) -> None:
    outbox = store.write_backs
    await outbox.ended(KEY, agent_id="agent-7", at=T0)
    [claimed] = await outbox.claim_due(later(), lease_until=later(15))
    await outbox.save_notes(KEY, agent_id="agent-7", notes="Router replaced.")

    assert not await outbox.written(KEY, claimed.version, record_id="00T1")

    [again] = await outbox.claim_due(later(), lease_until=later(15))
    assert (again.notes, again.version, again.record_id) == ("Router replaced.", 2, "00T1")
    assert await outbox.written(KEY, again.version, record_id="00T1")
    row = await outbox.get(KEY)
    assert row is not None
    assert row.status is WriteBackStatus.WRITTEN


async def test_notes_before_the_end_wait_for_it(store: Store, acme: Tenant) -> None:
    outbox = store.write_backs
    await outbox.save_notes(KEY, agent_id="agent-7", notes="Draft")
    assert await outbox.claim_due(later(), lease_until=later(15)) == []
    await outbox.ended(KEY, agent_id=None, at=T0)
    [row] = await outbox.claim_due(later(), lease_until=later(15))
    assert row.wrap_up().notes == "Draft"


async def test_a_failed_write_waits_for_its_time_and_a_set_aside_one_for_the_admin(
    store: Store, acme: Tenant
) -> None:
    outbox = store.write_backs
    await outbox.ended(KEY, agent_id="agent-7", at=T0)
    await outbox.claim_due(later(), lease_until=later(15))
    await outbox.retry_later(KEY, error="down", at=later(60))
    assert await outbox.claim_due(later(), lease_until=later(15)) == []
    [row] = await outbox.claim_due(later(61), lease_until=later(75))
    assert (row.attempts, row.last_error) == (1, "down")

    await outbox.set_aside(KEY, WriteBackStatus.HELD, error="credentials refused")
    assert await outbox.claim_due(later(120), lease_until=later(135)) == []
    assert [problem.last_error for problem in await outbox.problems("acme")] == [
        "credentials refused"
    ]
    assert await outbox.rearm("acme", "acmedesk") == 1
    assert len(await outbox.claim_due(later(), lease_until=later(15))) == 1


async def test_tenants_see_their_own_rows_only(store: Store, acme: Tenant, globex: Tenant) -> None:
    outbox = store.write_backs
    await outbox.ended(KEY, agent_id="agent-7", at=T0)
    await outbox.started(KEY._replace(tenant_id="globex"), media=None, agent_id=None)
    assert await outbox.counts("acme") == {("acmedesk", WriteBackStatus.DUE): 1}
    assert await outbox.counts("globex") == {("acmedesk", WriteBackStatus.OPEN): 1}
    assert await outbox.rearm("globex", "acmedesk") == 0


async def test_written_and_abandoned_rows_are_purged(store: Store, acme: Tenant) -> None:
    outbox = store.write_backs
    await outbox.ended(KEY, agent_id="agent-7", at=T0)
    [row] = await outbox.claim_due(later(), lease_until=later(15))
    await outbox.written(KEY, row.version, record_id="00T1")
    await outbox.started(KEY._replace(conversation_id="conv-2"), media=None, agent_id=None)
    await outbox.ended(KEY._replace(conversation_id="conv-3"), agent_id=None, at=T0)
    assert await outbox.purge(written_before=later(1), idle_before=later(1)) == 2
    assert await outbox.counts("acme") == {("acmedesk", WriteBackStatus.DUE): 1}


def test_a_hold_never_resumed_lasts_until_the_end() -> None:
    marks = [mark("h1", "held", 0), mark("r1", "resumed", 30), mark("h2", "held", 100)]
    spans = hold_spans(marks, T0 + timedelta(seconds=160))
    assert [span.seconds for span in spans] == [30, 60]


def test_a_resume_without_a_hold_and_a_repeated_hold_count_once() -> None:
    marks = [mark("r0", "resumed", 0), mark("h1", "held", 10), mark("h2", "held", 20)]
    marks.append(mark("r1", "resumed", 40))
    assert [span.seconds for span in hold_spans(marks, T0)] == [30]
