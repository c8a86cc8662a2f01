"""Conversation records merge what each event reveals; feedback is kept per conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers.models import MediaType
from server.errors import InvalidInput
from server.store import Store, Tenant

STARTED = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


async def test_a_later_event_does_not_erase_earlier_facts(store: Store, acme: Tenant) -> None:
    await store.conversations.upsert(
        acme.id,
        "c-1",
        provider="simulator",
        queue="billing",
        media=MediaType.VOICE,
        started_at=STARTED,
    )
    merged = await store.conversations.upsert(acme.id, "c-1", provider="simulator", agent_id="a-7")

    assert merged.started_at == STARTED
    assert merged.queue == "billing"
    assert merged.media is MediaType.VOICE
    assert merged.agent_id == "a-7"
    assert merged.status == "open"
    assert await store.conversations.get(acme.id, "c-1") == merged


async def test_ending_a_conversation(store: Store, acme: Tenant) -> None:
    await store.conversations.upsert(acme.id, "c-1", provider="simulator", started_at=STARTED)
    ended_at = STARTED + timedelta(minutes=5)

    ended = await store.conversations.upsert(
        acme.id, "c-1", provider="simulator", status="ended", ended_at=ended_at, updated_at=ended_at
    )

    assert (ended.status, ended.started_at, ended.ended_at) == ("ended", STARTED, ended_at)
    assert ended.updated_at == ended_at
    assert ended.updated_at.tzinfo == UTC


async def test_a_tenant_cannot_read_another_tenants_conversation(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    await store.conversations.upsert(acme.id, "c-1", provider="simulator", agent_id="a-7")

    assert await store.conversations.get(globex.id, "c-1") is None


async def test_the_same_conversation_id_in_two_tenants_is_two_records(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    await store.conversations.upsert(acme.id, "c-1", provider="simulator", agent_id="a-7")
    theirs = await store.conversations.upsert(globex.id, "c-1", provider="simulator")

    assert theirs.agent_id is None
    ours = await store.conversations.get(acme.id, "c-1")
    assert ours is not None
    assert ours.agent_id == "a-7"


async def test_an_unknown_status_is_invalid(store: Store, acme: Tenant) -> None:
    with pytest.raises(InvalidInput):
        await store.conversations.upsert(acme.id, "c-1", provider="x", status="lost")  # type: ignore[arg-type]

    assert await store.conversations.get(acme.id, "c-1") is None


async def test_naive_timestamps_are_refused(store: Store, acme: Tenant) -> None:
    with pytest.raises(InvalidInput, match="naive"):
        await store.conversations.upsert(
            acme.id, "c-1", provider="simulator", started_at=datetime(2026, 11, 21, 10, 0)
        )

    assert await store.conversations.get(acme.id, "c-1") is None


async def test_feedback_is_listed_per_conversation_and_tenant(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    used = await store.feedback.record(acme.id, "c-1", "s-1", "a-7", "used")
    dismissed = await store.feedback.record(acme.id, "c-1", "s-2", "a-7", "dismissed")
    await store.feedback.record(acme.id, "c-2", "s-3", "a-7", "used")

    assert await store.feedback.list(acme.id, "c-1") == [used, dismissed]
    assert await store.feedback.list(globex.id, "c-1") == []
    assert used.created_at.tzinfo == UTC


async def test_unknown_feedback_actions_are_invalid(store: Store, acme: Tenant) -> None:
    with pytest.raises(InvalidInput) as caught:
        await store.feedback.record(acme.id, "c-1", "s-1", "a-7", "loved")  # type: ignore[arg-type]

    assert caught.value.field == "action"
    assert await store.feedback.list(acme.id, "c-1") == []
