"""Both state backends (memory, Redis) keep the same promises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from providers.models import MediaType, Speaker
from server.conversation import LineIn, Source, Suggestion
from server.errors import Unavailable
from server.state.base import REPORTER_SECONDS, Claim, StateStore
from server.state.memory import MemoryState
from server.state.models import Assignment, MetaChanges
from server.state.redis import RedisState
from tests.fixtures.redis import empty_redis
from tests.fixtures.waiting import eventually

OPTIONS = {"dedup_ttl_seconds": 3600, "max_lines": 5}


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    backend: StateStore
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        await empty_redis(url)
        backend = RedisState.from_url(url, **OPTIONS)
    else:
        backend = MemoryState(**OPTIONS)
    yield backend
    await backend.aclose()


def line(event_id: str) -> LineIn:
    return LineIn(
        event_id=event_id, speaker=Speaker.CUSTOMER, text="hello", occurred_at=datetime.now(UTC)
    )


def suggestion(suggestion_id: str) -> Suggestion:
    return Suggestion(
        id=suggestion_id,
        kind="article",
        title="Title",
        snippet="Snippet",
        source=Source(document_id="doc", url=None),
        score=1.5,
        trigger_event_id="e1",
    )


async def test_an_event_is_claimed_once(state: StateStore) -> None:
    assert await state.claim_event("acme/e1") is Claim.TAKEN
    assert await state.claim_event("acme/e1") is Claim.IN_PROGRESS
    await state.complete_event("acme/e1")
    assert await state.claim_event("acme/e1") is Claim.DONE


async def test_concurrent_deliveries_yield_one_claim(state: StateStore) -> None:
    claims = await asyncio.gather(*(state.claim_event("acme/e9") for _ in range(20)))
    assert claims.count(Claim.TAKEN) == 1
    assert claims.count(Claim.IN_PROGRESS) == 19


async def test_a_released_event_can_be_retried(state: StateStore) -> None:
    assert await state.claim_event("acme/e1") is Claim.TAKEN
    await state.release_event("acme/e1")
    assert await state.claim_event("acme/e1") is Claim.TAKEN


async def test_an_unrenewed_claim_lapses_and_a_renewed_one_does_not(state: StateStore) -> None:
    state.claim_seconds = 0.3
    assert await state.claim_event("acme/kept") is Claim.TAKEN
    assert await state.claim_event("acme/dropped") is Claim.TAKEN

    async def dropped_lapsed() -> bool:
        assert await state.renew_claim("acme/kept")
        return await state.claim_event("acme/dropped") is Claim.TAKEN

    await eventually(dropped_lapsed, what="the unrenewed claim lapsing")
    assert await state.claim_event("acme/kept") is Claim.IN_PROGRESS


async def test_a_completed_event_is_not_renewed_or_released(state: StateStore) -> None:
    await state.claim_event("acme/e1")
    await state.complete_event("acme/e1")

    assert await state.renew_claim("acme/e1") is False
    await state.release_event("acme/e1")
    assert await state.claim_event("acme/e1") is Claim.DONE


async def test_lines_are_numbered_and_the_newest_kept(state: StateStore) -> None:
    numbered = [await state.append_line("acme", "c1", line(f"e{i}")) for i in range(7)]

    assert [n.seq for n in numbered] == [1, 2, 3, 4, 5, 6, 7]
    assert [n.event_id for n in await state.recent_lines("acme", "c1", 3)] == ["e4", "e5", "e6"]
    assert [n.seq for n in (await state.snapshot("acme", "c1")).transcript] == [3, 4, 5, 6, 7]


async def test_a_retried_line_keeps_its_number(state: StateStore) -> None:
    first = await state.append_line("acme", "c1", line("e1"))
    await state.append_line("acme", "c1", line("e2"))
    again = await state.append_line("acme", "c1", line("e1"))

    assert again == first
    assert [n.event_id for n in (await state.snapshot("acme", "c1")).transcript] == ["e1", "e2"]


async def test_status_changes_merge(state: StateStore) -> None:
    await state.update_meta("acme", "c1", MetaChanges(status="open", media=MediaType.VOICE))
    await state.update_meta("acme", "c1", MetaChanges(agent_id="a1", queue="billing"))
    meta = await state.update_meta("acme", "c1", MetaChanges(status="held"))

    assert (meta.status, meta.media, meta.agent_id, meta.queue) == (
        "held",
        "voice",
        "a1",
        "billing",
    )


async def test_meta_reads_status_without_creating_anything(state: StateStore) -> None:
    await state.update_meta("acme", "c1", MetaChanges(provider="genesys", queue="billing"))

    meta = await state.meta("acme", "c1")
    unknown = await state.meta("acme", "c2")

    assert (meta.provider, meta.queue, meta.status) == ("genesys", "billing", "open")
    assert (unknown.conversation_id, unknown.provider, unknown.queue) == ("c2", None, None)
    assert (await state.snapshot("acme", "c2")).transcript == []


async def test_snapshot_carries_the_latest_suggestions(state: StateStore) -> None:
    await state.set_suggestions("acme", "c1", [suggestion("s1")])
    await state.set_suggestions("acme", "c1", [suggestion("s2"), suggestion("s3")])

    snapshot = await state.snapshot("acme", "c1")

    assert [s.id for s in snapshot.suggestions] == ["s2", "s3"]
    assert snapshot.suggestions[0] == suggestion("s2")


async def test_unknown_conversation_has_an_empty_snapshot(state: StateStore) -> None:
    snapshot = await state.snapshot("acme", "never")
    assert (snapshot.status, snapshot.transcript, snapshot.suggestions) == ("open", [], [])


async def test_tenants_do_not_share_conversations(state: StateStore) -> None:
    await state.append_line("acme", "c1", line("e1"))
    await state.update_meta("acme", "c1", MetaChanges(queue="billing"))
    await state.assign("acme", "agent", Assignment(conversation_id="c1", queue="billing"))

    other = await state.snapshot("globex", "c1")
    assert (other.transcript, other.queue) == ([], None)
    assert await state.assignment("globex", "agent") is None
    assert (await state.append_line("globex", "c1", line("g1"))).seq == 1


async def test_assignment_is_the_newest(state: StateStore) -> None:
    await state.assign("acme", "agent", Assignment(conversation_id="c1", queue="q1"))
    await state.assign("acme", "agent", Assignment(conversation_id="c2", queue="q2"))
    assert await state.assignment("acme", "agent") == Assignment(conversation_id="c2", queue="q2")


async def test_conversation_agents_are_kept_per_tenant(state: StateStore) -> None:
    await state.add_conversation_agent("acme", "c1", "ada")
    await state.add_conversation_agent("acme", "c1", "bob")
    await state.add_conversation_agent("acme", "c1", "ada")

    assert await state.conversation_agents("acme", "c1") == {"ada", "bob"}
    assert await state.conversation_agents("acme", "c2") == frozenset()
    assert await state.conversation_agents("globex", "c1") == frozenset()


async def test_unreachable_redis_is_reported_as_unavailable() -> None:
    state = RedisState.from_url("redis://127.0.0.1:1/0", **OPTIONS)
    with pytest.raises(Unavailable):
        await state.ping()
    with pytest.raises(Unavailable):
        await state.claim_event("acme/e1")
    await state.aclose()


async def test_an_ephemeral_value_is_read_until_taken(state: StateStore) -> None:
    await state.put_ephemeral("login:s1", "payload", ttl_seconds=60)
    assert await state.get_ephemeral("login:s1") == "payload"
    assert await state.take_ephemeral("login:s1") == "payload"
    assert await state.get_ephemeral("login:s1") is None
    assert await state.take_ephemeral("login:s1") is None


async def test_concurrent_takes_hand_the_value_to_one(state: StateStore) -> None:
    await state.put_ephemeral("refresh:r1", "session", ttl_seconds=60)
    results = await asyncio.gather(*(state.take_ephemeral("refresh:r1") for _ in range(10)))
    assert results.count("session") == 1


async def test_an_ephemeral_value_expires(state: StateStore) -> None:
    await state.put_ephemeral("login:s2", "payload", ttl_seconds=1)
    await asyncio.sleep(1.2)
    assert await state.get_ephemeral("login:s2") is None


async def test_only_the_claiming_node_renews_or_releases_its_claim(redis_url: str) -> None:
    node_a = RedisState.from_url(redis_url, **OPTIONS)
    node_b = RedisState.from_url(redis_url, **OPTIONS)
    try:
        assert await node_a.claim_event("acme/e1") is Claim.TAKEN

        assert await node_b.renew_claim("acme/e1") is False
        await node_b.release_event("acme/e1")
        assert await node_b.claim_event("acme/e1") is Claim.IN_PROGRESS
        assert await node_a.renew_claim("acme/e1") is True
    finally:
        await node_a.aclose()
        await node_b.aclose()


async def test_a_conversation_is_bound_to_the_first_reporting_agent(state: StateStore) -> None:
    assert await state.reporting_agent("acme", "c1") is None
    assert await state.bind_reporting_agent("acme", "c1", "ada") == "ada"
    assert await state.bind_reporting_agent("acme", "c1", "bob") == "ada"
    assert await state.bind_reporting_agent("acme", "c1", "ada") == "ada"
    assert await state.reporting_agent("acme", "c1") == "ada"


async def test_concurrent_reporters_agree_on_one_agent(state: StateStore) -> None:
    agents = [f"agent-{n}" for n in range(12)]
    bound = await asyncio.gather(*(state.bind_reporting_agent("acme", "c9", a) for a in agents))
    assert len(set(bound)) == 1
    assert await state.reporting_agent("acme", "c9") == bound[0]


async def test_reporter_bindings_are_per_tenant(state: StateStore) -> None:
    await state.bind_reporting_agent("acme", "c1", "ada")
    assert await state.reporting_agent("globex", "c1") is None
    assert await state.bind_reporting_agent("globex", "c1", "bob") == "bob"
    assert await state.reporting_agent("acme", "c1") == "ada"


@pytest.mark.redis
async def test_two_nodes_bind_a_conversation_once(redis_server: str) -> None:
    await empty_redis(redis_server)
    nodes = [RedisState.from_url(redis_server, **OPTIONS) for _ in range(2)]
    try:
        bound = await asyncio.gather(
            *(node.bind_reporting_agent("acme", "c1", f"agent-{i}") for i, node in enumerate(nodes))
        )
        assert bound[0] == bound[1]
        client = Redis.from_url(redis_server)
        ttl = await client.ttl("cuecard:reporter:acme:c1")
        await client.aclose()
        assert 0 < ttl <= REPORTER_SECONDS
    finally:
        for node in nodes:
            await node.aclose()
