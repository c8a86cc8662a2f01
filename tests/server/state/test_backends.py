"""Both state backends (memory, Redis) keep the same promises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from providers.models import MediaType, Speaker
from server.conversation import Line
from server.errors import Unavailable
from server.state import memory
from server.state.base import REPORTER_SECONDS, Claim, StateStore
from server.state.memory import MemoryState
from server.state.models import Assignment, ConversationMeta, MetaChanges
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


def line(event_id: str, seq: int) -> Line:
    return Line(
        seq=seq,
        event_id=event_id,
        speaker=Speaker.CUSTOMER,
        text="hello",
        occurred_at=datetime.now(UTC),
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


async def test_the_newest_lines_are_kept_for_the_assist_step(state: StateStore) -> None:
    for seq in range(1, 8):
        await state.append_line("acme", "c1", line(f"e{seq}", seq))

    assert [n.event_id for n in await state.recent_lines("acme", "c1", 3)] == ["e5", "e6", "e7"]
    assert [n.seq for n in await state.recent_lines("acme", "c1", 10)] == [3, 4, 5, 6, 7]


async def test_a_retried_line_is_kept_once(state: StateStore) -> None:
    await state.append_line("acme", "c1", line("e1", 1))
    await state.append_line("acme", "c1", line("e2", 2))
    await state.append_line("acme", "c1", line("e1", 1))

    assert [n.event_id for n in await state.recent_lines("acme", "c1", 10)] == ["e1", "e2"]


async def test_live_state_says_how_far_it_had_applied_the_journal(state: StateStore) -> None:
    first = await state.append_line("acme", "c1", line("e1", 1))
    second = await state.append_line("acme", "c1", line("e4", 4))
    _, meta_first = await state.update_meta("acme", "c2", MetaChanges(status="open"), 2)
    _, meta_again = await state.update_meta("acme", "c2", MetaChanges(status="held"), 7)
    _, after_lines = await state.update_meta("acme", "c1", MetaChanges(status="held"), 9)
    retried = await state.append_line("acme", "c1", line("e4", 4))

    assert (first, second) == (0, 1)
    assert (meta_first, meta_again, after_lines) == (0, 2, 4)
    assert retried == 9


async def test_status_changes_merge(state: StateStore) -> None:
    changes = [
        MetaChanges(status="open", media=MediaType.VOICE),
        MetaChanges(agent_id="a1", queue="billing"),
        MetaChanges(status="held"),
    ]
    for position, change in enumerate(changes, start=1):
        meta, _ = await state.update_meta("acme", "c1", change, position)

    assert (meta.status, meta.media, meta.agent_id, meta.queue) == (
        "held",
        "voice",
        "a1",
        "billing",
    )


async def test_meta_reads_status_without_creating_anything(state: StateStore) -> None:
    await state.update_meta("acme", "c1", MetaChanges(provider="genesys", queue="billing"), 1)

    meta = await state.meta("acme", "c1")
    unknown = await state.meta("acme", "c2")

    assert (meta.provider, meta.queue, meta.status) == ("genesys", "billing", "open")
    assert (unknown.conversation_id, unknown.provider, unknown.queue) == ("c2", None, None)
    assert await state.recent_lines("acme", "c2", 10) == []


async def test_the_assist_step_reads_status_and_newest_lines_at_once(state: StateStore) -> None:
    for seq in range(1, 8):
        await state.append_line("acme", "c1", line(f"e{seq}", seq))
    await state.update_meta("acme", "c1", MetaChanges(queue="billing"), 8)

    meta, lines = await state.conversation("acme", "c1", 3)
    unknown, none = await state.conversation("acme", "c2", 3)

    assert (meta.conversation_id, meta.queue) == ("c1", "billing")
    assert lines == await state.recent_lines("acme", "c1", 3)
    assert [n.event_id for n in lines] == ["e5", "e6", "e7"]
    assert (unknown.conversation_id, unknown.queue, none) == ("c2", None, [])
    assert (await state.conversation("globex", "c1", 3))[1] == []


async def test_a_restored_conversation_has_the_journal_s_lines_meta_and_agents(
    state: StateStore,
) -> None:
    await state.append_line("acme", "c1", line("e9", 9))
    meta = ConversationMeta(conversation_id="c1", queue="billing", agent_id="ada")
    journal_lines = [line(f"e{seq}", seq) for seq in (2, 5, 9)]

    await state.restore("acme", "c1", meta, journal_lines, {"ada", "bob"})

    assert [n.event_id for n in await state.recent_lines("acme", "c1", 10)] == ["e2", "e5", "e9"]
    assert (await state.meta("acme", "c1")).queue == "billing"
    assert await state.conversation_agents("acme", "c1") == {"ada", "bob"}
    assert await state.append_line("acme", "c1", line("e10", 10)) == 9


async def test_tenants_do_not_share_conversations(state: StateStore) -> None:
    await state.append_line("acme", "c1", line("e1", 1))
    await state.update_meta("acme", "c1", MetaChanges(queue="billing"), 2)
    await state.assign("acme", "agent", Assignment(conversation_id="c1", queue="billing"))

    assert await state.recent_lines("globex", "c1", 10) == []
    assert (await state.meta("globex", "c1")).queue is None
    assert await state.assignment("globex", "agent") is None
    assert await state.append_line("globex", "c1", line("g1", 1)) == 0


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


async def test_a_flood_of_one_kind_of_value_pushes_out_only_its_own_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Anyone may start sign-ins; their flood must not push agents' sessions out of memory."""
    monkeypatch.setattr(memory, "MAX_EPHEMERAL", 50)
    state = MemoryState(**OPTIONS)
    await state.put_ephemeral("session-refresh:agent", "session", ttl_seconds=60)

    for n in range(200):
        await state.put_ephemeral(f"login:flood-{n}", "pending", ttl_seconds=60)

    assert await state.get_ephemeral("session-refresh:agent") == "session"
    assert await state.get_ephemeral("login:flood-149") is None  # the oldest of the flood
    assert await state.get_ephemeral("login:flood-150") == "pending"
    await state.aclose()


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
