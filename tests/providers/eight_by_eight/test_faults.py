"""The 8x8 adapter survives what a Pulsar proxy does to streams: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import aclosing
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestServer

from providers.base import MAX_DELIVERY_ATTEMPTS, ConnectionState, MemoryPositions
from providers.eight_by_eight import EightByEightAdapter
from providers.eight_by_eight.const import Timings
from providers.errors import ProviderAuthFailed
from providers.models import ConversationEnded, Event
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant, interaction
from tests.doubles.pulsar.world import PulsarWorld
from tests.fixtures.adapters import running

from .conftest import FAST, fixture, settings_for

ALL = "persistent://acmecc01/event-v1/all"
CALL = fixture("inbound_call.json")


def acked(world: PulsarWorld) -> list[str]:
    """Every message id the adapter acknowledged, over all its sessions."""
    return [message_id for session in world.sessions for message_id in session.acked]


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]


async def test_a_stream_dropped_mid_call_resumes_after_the_last_processed_message(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter) as run:
        tenant.emit(CALL[0])
        last = tenant.emit(CALL[1])
        before = await run.take(2)
        await world.wait_for(lambda: last in acked(world))
        assert world.drop(ALL) == 1
        for payload in CALL[2:]:
            tenant.emit(payload)
        after = await run.take(4)
        await run.status(ConnectionState.RECONNECTING)
        await world.wait_for(lambda: len(set(acked(world))) == len(CALL))

    assert kinds(before + after) == [
        "conversation.started",
        "context.handoff",
        "agent.assigned",
        "participant.held",
        "participant.resumed",
        "conversation.ended",
    ]
    assert run.events.empty()
    assert world.handshakes[-1].query["messageId"] == last
    assert len(acked(world)) == len(CALL)


async def test_a_rotated_key_stops_the_adapter_and_says_why(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter) as run:
        tenant.emit(CALL[0])
        started = await run.next()
        tenant.rotate_key("eght_new_key_after_rotation")
        world.drop(ALL)
        refused = await run.status(ConnectionState.AUTH_FAILED)
        assert run.task is not None
        await asyncio.wait([run.task], timeout=5)
        failure = run.task.exception()
        handshakes = len(world.handshakes)
        await asyncio.sleep(FAST.backoff_max * 2)

    assert started.kind == "conversation.started"
    assert isinstance(failure, ProviderAuthFailed)
    assert refused.last_error is not None
    assert "HTTP 401" in refused.last_error
    assert tenant.key not in refused.last_error
    assert [h.status for h in world.handshakes] == [101, 401]
    assert len(world.handshakes) == handshakes, "no retries after a refused key"
    assert run.statuses[-1].state is ConnectionState.AUTH_FAILED


async def test_a_burst_to_a_slow_consumer_waits_at_the_queue_size_and_loses_nothing(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    calls = 40
    for n in range(calls):
        guid = f"int-19b2d0000{n:02d}-Burst{n:02d}xWk2LpZr7YbN5hGdJ3c-chat-01-acmecc01"
        for payload in (CALL[1], CALL[2], CALL[4], CALL[6], CALL[10]):
            tenant.emit(interaction(payload, interactionGUID=guid))
    settings = settings_for(double, tenant, receiver_queue_size=20)
    async with running(EightByEightAdapter(settings, timings=FAST), delay=0.001) as run:
        events = await run.take(calls * 6, within=30)
        await world.wait_for(lambda: len(acked(world)) == calls * 5, within=10)

    ids = Counter(event.provider_event_id for event in events)
    assert max(ids.values()) == 1
    assert len({event.conversation_id for event in events}) == calls
    assert sum(isinstance(event, ConversationEnded) for event in events) == calls
    assert max(session.most_pending for session in world.sessions) <= 20
    assert run.events.empty()


async def test_a_restarted_adapter_resumes_from_the_stored_position(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    positions = MemoryPositions()
    settings = settings_for(double, tenant)
    async with running(EightByEightAdapter(settings, positions=positions, timings=FAST)) as first:
        tenant.emit(CALL[0])
        last = tenant.emit(CALL[1])
        before = await first.take(2)
        await world.wait_for(lambda: last in acked(world))
    for payload in CALL[2:]:
        tenant.emit(payload)
    async with running(EightByEightAdapter(settings, positions=positions, timings=FAST)) as second:
        after = await second.take(6)
        await world.wait_for(lambda: len(acked(world)) == len(CALL))

    # No message is read twice. The restarted adapter derives the start and the handoff again
    # from the assignment, with the same ids, which the pipeline recognises as duplicates.
    assert sorted(acked(world)) == sorted(m.message_id for m in world.topics[ALL].messages)
    assert kinds(after) == [
        "conversation.started",
        "context.handoff",
        "agent.assigned",
        "participant.held",
        "participant.resumed",
        "conversation.ended",
    ]
    assert [e.provider_event_id for e in before] == [e.provider_event_id for e in after[:2]]
    assert await positions.get(ALL) == world.topics[ALL].messages[-1].message_id
    assert world.handshakes[-1].query["messageId"] == last


async def test_a_proxy_that_starts_at_the_stored_id_does_not_repeat_it(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.start_inclusive = True
    positions = MemoryPositions()
    settings = settings_for(double, tenant)
    async with running(EightByEightAdapter(settings, positions=positions, timings=FAST)) as first:
        last = tenant.emit(CALL[0])
        await first.next()
        await world.wait_for(lambda: last in acked(world))
    tenant.emit(CALL[2])
    async with running(EightByEightAdapter(settings, positions=positions, timings=FAST)) as second:
        events = await second.take(3)
        await world.wait_for(lambda: len(acked(world)) == 3)

    # The restarted adapter has no memory: the start comes again, but from the assignment.
    assert kinds(events) == ["conversation.started", "context.handoff", "agent.assigned"]
    assert events[0].occurred_at == datetime.fromtimestamp(1767261611, UTC)
    assert second.events.empty()


@pytest.mark.parametrize(("code", "state"), [(5, "auth_failed"), (6, "auth_failed")])
async def test_pulsar_auth_close_codes_stop_the_adapter(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer, code: int, state: str
) -> None:
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=FAST)) as run:
        await world.close_sessions(code, "Failed", ALL)
        status = await run.status(ConnectionState(state))

    assert status.last_error is not None
    assert f"Pulsar code {code}" in status.last_error


@pytest.mark.parametrize("code", [2, 8, 1011])
async def test_other_close_codes_reconnect_and_resume(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer, code: int
) -> None:
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=FAST)) as run:
        await world.close_sessions(code, "Closed", ALL)
        reconnecting = await run.status(ConnectionState.RECONNECTING)
        await world.wait_for(lambda: len(world.live(ALL)) == 1 and len(world.handshakes) == 2)
        tenant.emit(CALL[0])
        started = await run.next()

    assert reconnecting.last_error is not None
    assert f"code {code}" in reconnecting.last_error
    assert started.kind == "conversation.started"


async def test_a_refused_handshake_is_retried_with_back_off(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.fail_handshakes(503, 503)
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=FAST)) as run:
        tenant.emit(CALL[0])
        started = await run.next()
        reconnecting = await run.status(ConnectionState.RECONNECTING)

    assert [h.status for h in world.handshakes] == [503, 503, 101]
    assert reconnecting.last_error is not None
    assert "HTTP 503" in reconnecting.last_error
    assert started.kind == "conversation.started"


async def test_pings_keep_a_quiet_stream_open_past_the_idle_timeout(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.idle_timeout = 0.5
    timings = FAST._replace(heartbeat=0.1)
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=timings)) as run:
        await asyncio.sleep(1.2)
        tenant.emit(CALL[0])
        await run.next()

    assert len(world.handshakes) == 1


async def test_an_idle_close_is_resumed_without_a_gap(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.idle_timeout = 0.2
    quiet = Timings(connect_timeout=5.0, heartbeat=60.0, backoff_initial=0.02, backoff_max=0.1)
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=quiet)) as run:
        tenant.emit(CALL[0])
        await run.next()
        await world.wait_for(lambda: len(world.handshakes) >= 2)
        tenant.emit(CALL[2])
        events = await run.take(2)

    assert kinds(events) == ["context.handoff", "agent.assigned"]


async def test_a_message_given_back_is_read_again_and_one_never_accepted_is_given_up(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    positions = MemoryPositions()
    adapter = EightByEightAdapter(settings_for(double, tenant), positions=positions, timings=FAST)
    started = tenant.emit(CALL[0])
    poison = tenant.emit(CALL[1])
    tenant.emit(CALL[3])
    seen: list[tuple[str, str | None, list[str]]] = []
    async with aclosing(adapter.deliveries()) as deliveries:
        async for delivery in deliveries:
            rejected = str(delivery.rejected) if delivery.rejected else None
            seen.append((delivery.message_id, rejected, kinds(list(delivery.events))))
            if delivery.message_id == poison and rejected is None:
                await delivery.nack()  # the pipeline fails on it, every time
                continue
            await delivery.ack()
            if delivery.events and delivery.events[-1].kind == "agent.assigned":
                break
        await adapter.aclose()

    # The start is read once; the poison is read again after each failure, then given up as
    # rejected (the consumer records it), and the stream goes on behind it.
    assert seen[0] == (started, None, ["conversation.started"])
    retries = [entry for entry in seen if entry[0] == poison]
    assert len(retries) == MAX_DELIVERY_ATTEMPTS + 1
    assert all(entry[1] is None for entry in retries[:-1])
    assert retries[-1][1] == f"not accepted by the pipeline in {MAX_DELIVERY_ATTEMPTS} attempts"
    assert seen[-1][2][-1] == "agent.assigned"
    assert acked(world) == [started, poison, seen[-1][0]]
    assert await positions.get(ALL) == seen[-1][0]


async def test_a_frame_nested_too_deep_to_read_is_skipped_without_dropping_the_stream(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter) as run:
        tenant.emit(CALL[0])
        await run.next()
        handshakes = len(world.handshakes)
        depth = 100_000
        [session] = world.live(ALL)
        # A broken proxy's frame, nested deeper than any JSON decoder goes.
        await session.ws.send_str(
            '{"messageId": "x", "properties": ' + "[" * depth + "]" * depth + "}"
        )
        tenant.emit(CALL[2])
        events = await run.take(2)

    assert kinds(events) == ["context.handoff", "agent.assigned"]
    assert len(world.handshakes) == handshakes, "the stream was not reopened"
    assert all(status.state is not ConnectionState.RECONNECTING for status in run.statuses)


class StoreAway(Exception):
    """What the server's position store raises while its database is unreachable."""


class FlakyPositions(MemoryPositions):
    """Stored positions whose store (the database) is away for the next ``failures`` reads."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    async def get(self, topic: str) -> str | None:
        if self.failures:
            self.failures -= 1
            raise StoreAway("the database is unreachable")
        return await super().get(topic)


async def test_a_position_store_away_at_reconnect_delays_the_topic_not_ends_it(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    positions = FlakyPositions()
    adapter = EightByEightAdapter(settings_for(double, tenant), positions=positions, timings=FAST)
    async with running(adapter) as run:
        first = tenant.emit(CALL[0])
        await run.next()
        await world.wait_for(lambda: first in acked(world))
        positions.failures = 2
        world.drop(ALL)
        tenant.emit(CALL[2])
        events = await run.take(2)

    assert kinds(events) == ["context.handoff", "agent.assigned"]
    assert positions.failures == 0
    assert world.handshakes[-1].query["messageId"] == first
