"""The 8x8 adapter reads Event Streaming through the Pulsar double as 8x8 documents it."""

from __future__ import annotations

import base64

import pytest
from aiohttp.test_utils import TestServer

from providers.base import ConnectionState
from providers.eight_by_eight import EightByEightAdapter, EightByEightSettings
from providers.eight_by_eight.client import PulsarMessage
from providers.errors import ProviderAuthFailed, ProviderConfigError, ProviderNotReady
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    HandoffContext,
    ParticipantHeld,
    ParticipantResumed,
)
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant
from tests.doubles.pulsar.world import PulsarWorld
from tests.fixtures.adapters import running

from .conftest import AGENT, FAST, fixture, settings_for

ALL = "persistent://acmecc01/event-v1/all"


async def test_a_call_from_offer_to_end_reaches_the_pipeline_once_each(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter) as run:
        for payload in fixture("inbound_call.json"):
            tenant.emit(payload)
        events = await run.take(6)
        await world.wait_for(lambda: len(world.live(ALL)[0].acked) == 11)

    kinds = [type(event) for event in events]
    assert kinds == [
        ConversationStarted,
        HandoffContext,
        AgentAssigned,
        ParticipantHeld,
        ParticipantResumed,
        ConversationEnded,
    ]
    assert run.events.empty()
    assert {event.conversation_id for event in events} == {
        "int-19b2c4d6e80-Qm4vT8xWk2LpZr7YbN5hGdJ3c-phone-01-acmecc01"
    }


async def test_every_message_is_acknowledged_after_it_is_processed(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    tenant.emit(fixture("agent_status_change.json"))
    tenant.emit(fixture("inbound_call.json")[0])
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter) as run:
        await run.next()
        await world.wait_for(lambda: len(world.live(ALL)[0].acked) == 2)
        session = world.live(ALL)[0]

    assert session.acked == session.delivered


async def test_the_key_goes_in_the_x_api_key_header_never_the_url(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    adapter = EightByEightAdapter(settings_for(double, tenant), timings=FAST)
    async with running(adapter):
        pass

    (handshake,) = world.handshakes
    assert handshake.auth == "header"
    assert tenant.key not in str(handshake.query)
    assert handshake.path == "/ws/v2/reader/persistent/acmecc01/event-v1/all"
    assert handshake.query["messageId"] == "earliest"


async def test_agent_topics_are_read_when_agents_are_listed(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    settings = settings_for(double, tenant, agent_ids=[AGENT, "ag9I1yUNAvRqG7ovVMi3NTyw"])
    async with running(EightByEightAdapter(settings, timings=FAST)) as run:
        tenant.emit(fixture("inbound_call.json")[2])
        events = await run.take(3)

    assert sorted(h.path.rsplit("/", 1)[-1] for h in world.handshakes) == sorted(
        [AGENT, "ag9I1yUNAvRqG7ovVMi3NTyw"]
    )
    assert isinstance(events[-1], AgentAssigned)


async def test_a_new_topic_starts_at_latest_by_default(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    tenant.emit(fixture("inbound_call.json")[0])
    settings = settings_for(double, tenant, start_at="latest")
    async with running(EightByEightAdapter(settings, timings=FAST)) as run:
        tenant.emit(fixture("outbound_assigned.json"))
        started = await run.next()

    assert started.conversation_id.startswith("int-19b2c5a1f02")


async def test_an_undecodable_message_is_skipped_and_acknowledged(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.publish(ALL, b"\xff\xfe not json")
    tenant.emit(fixture("inbound_call.json")[0])
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=FAST)) as run:
        started = await run.next()
        await world.wait_for(lambda: len(world.live(ALL)[0].acked) == 2)

    assert isinstance(started, ConversationStarted)


async def test_status_goes_connected_then_stopped(
    tenant: EightByEightTenant, double: TestServer
) -> None:
    async with running(EightByEightAdapter(settings_for(double, tenant), timings=FAST)) as run:
        pass

    assert [s.state for s in run.statuses] == [
        ConnectionState.CONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.STOPPED,
    ]


async def test_check_opens_the_stream(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    await EightByEightAdapter(settings_for(double, tenant), timings=FAST).check()

    assert [h.status for h in world.handshakes] == [101]
    assert world.handshakes[0].query["messageId"] == "latest"


async def test_check_explains_a_refused_key(tenant: EightByEightTenant, double: TestServer) -> None:
    settings = settings_for(double, tenant, api_key="eght_wrong")

    with pytest.raises(ProviderAuthFailed, match=r"HTTP 401.*check api_key") as refused:
        await EightByEightAdapter(settings, timings=FAST).check()
    assert "eght_wrong" not in str(refused.value)


async def test_check_explains_a_key_without_access(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    EightByEightTenant(world, name="othercc02", key="eght_other")
    settings = settings_for(double, tenant, api_key="eght_other")

    with pytest.raises(ProviderAuthFailed, match="HTTP 403"):
        await EightByEightAdapter(settings, timings=FAST).check()


async def test_check_explains_a_missing_stream(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer
) -> None:
    world.fail_handshakes(404)

    with pytest.raises(ProviderConfigError, match="check tenant_name"):
        await EightByEightAdapter(settings_for(double, tenant), timings=FAST).check()


async def test_check_explains_an_unreachable_host(tenant: EightByEightTenant) -> None:
    settings = EightByEightSettings.model_validate(
        {
            "tenant_id": "acme",
            "tenant_name": tenant.name,
            "api_key": tenant.key,
            "stream_base_url": "ws://127.0.0.1:9",
        }
    )

    with pytest.raises(ProviderNotReady, match="cannot reach 8x8's event stream"):
        await EightByEightAdapter(settings, timings=FAST).check()


def test_the_envelope_fixture_is_a_pulsar_message() -> None:
    message = PulsarMessage.model_validate(fixture("envelope.json"))

    assert message.message_id == "CI+/gAEQAQ=="
    assert base64.b64decode(message.payload).startswith(b'{"Interaction"')
