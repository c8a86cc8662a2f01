"""The Pulsar double speaks the WebSocket API as protocols.md 6 describes, with 8x8's auth."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from tests.doubles.pulsar.app import create_double
from tests.doubles.pulsar.eight_by_eight import API_KEY, EightByEightTenant
from tests.doubles.pulsar.world import PulsarWorld, decode_message_id, encode_message_id

READER = "/ws/v2/reader/persistent/acmecc01/event-v1/all"
CONSUMER = "/ws/v2/consumer/persistent/acmecc01/event-v1/all/cuecard"
TOPIC = "persistent://acmecc01/event-v1/all"
KEY = {"X-API-Key": API_KEY}


@pytest.fixture
def world() -> PulsarWorld:
    return PulsarWorld()


@pytest.fixture
def tenant(world: PulsarWorld) -> EightByEightTenant:
    return EightByEightTenant(world)


@pytest.fixture
async def server(
    world: PulsarWorld, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> TestServer:
    return await aiohttp_server(create_double(world))


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession() as client:
        yield client


def url(server: TestServer, path: str, **query: str) -> URL:
    return server.make_url(path).with_query(query)


async def frames(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    received = []
    for _ in range(count):
        message = await ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        received.append(json.loads(message.data))
    return received


async def nothing_within(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> bool:
    try:
        await ws.receive(timeout=seconds)
    except TimeoutError:
        return True
    return False


def payload(frame: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(frame["payload"]))


async def test_reader_starts_at_latest_and_delivers_base64_json(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    world.publish(TOPIC, {"n": 0})
    async with session.ws_connect(url(server, READER), headers=KEY) as ws:
        await world.wait_for(lambda: world.live(TOPIC))
        world.publish(TOPIC, {"n": 1})
        (frame,) = await frames(ws, 1)
    assert payload(frame) == {"n": 1}
    assert set(frame) == {"messageId", "payload", "properties", "publishTime", "redeliveryCount"}
    assert frame["publishTime"].endswith("Z")


async def test_reader_resumes_just_after_a_given_id(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    ids = [world.publish(TOPIC, {"n": n}) for n in range(4)]
    assert any(c in "".join(ids) for c in "+/=")
    async with session.ws_connect(url(server, READER, messageId=ids[1]), headers=KEY) as ws:
        received = await frames(ws, 2)
    assert [payload(frame)["n"] for frame in received] == [2, 3]


async def test_reader_stops_at_its_queue_size_until_acknowledged(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    for n in range(10):
        world.publish(TOPIC, {"n": n})
    query = {"messageId": "earliest", "receiverQueueSize": "3"}
    async with session.ws_connect(url(server, READER, **query), headers=KEY) as ws:
        first = await frames(ws, 3)
        paused = await nothing_within(ws, 0.2)
        await ws.send_str(json.dumps({"messageId": first[0]["messageId"]}))
        (fourth,) = await frames(ws, 1)
    assert paused
    assert payload(fourth) == {"n": 3}
    assert world.sessions[-1].most_pending == 3


@pytest.mark.parametrize(
    ("headers", "query", "status"),
    [
        ({}, {}, 401),
        ({"X-API-Key": "eght_unknown"}, {}, 401),
        ({}, {"X-API-KEY": API_KEY}, 401),
        ({"x-api-key": API_KEY}, {}, 101),
        ({}, {"x-api-key": API_KEY}, 101),
        ({"Authorization": f"Basic {API_KEY}"}, {}, 101),
    ],
)
async def test_keys_go_in_the_header_or_the_lowercase_query(
    server: TestServer,
    session: aiohttp.ClientSession,
    world: PulsarWorld,
    tenant: Any,
    headers: dict[str, str],
    query: dict[str, str],
    status: int,
) -> None:
    try:
        async with session.ws_connect(url(server, READER, **query), headers=headers):
            answered = 101
    except aiohttp.WSServerHandshakeError as err:
        answered = err.status
    assert answered == status
    assert world.handshakes[-1].status == status


async def test_a_key_of_another_tenant_is_forbidden(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    EightByEightTenant(world, name="othercc02", key="eght_other")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(url(server, READER), headers={"X-API-Key": "eght_other"})
    assert refused.value.status == 403


async def test_bad_json_from_the_client_closes_with_pulsar_code_3(
    server: TestServer, session: aiohttp.ClientSession, tenant: Any
) -> None:
    async with session.ws_connect(url(server, READER), headers=KEY) as ws:
        await ws.send_str("{not json")
        message = await ws.receive(timeout=5)
    # aiohttp refuses close codes under 1000 as a protocol error quoting the code.
    assert message.type is aiohttp.WSMsgType.ERROR
    assert "Invalid close code: 3" in str(message.data)


async def test_an_idle_session_is_closed_unless_the_client_pings(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    world.idle_timeout = 0.3
    async with session.ws_connect(url(server, READER), headers=KEY, heartbeat=0.1) as kept:
        async with session.ws_connect(url(server, READER), headers=KEY) as quiet:
            closed = await quiet.receive(timeout=5)
            assert closed.type is aiohttp.WSMsgType.CLOSE
            assert closed.data == 1001
        assert not kept.closed


async def test_a_consumer_gets_what_it_did_not_acknowledge_again(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    async with session.ws_connect(url(server, CONSUMER), headers=KEY) as ws:
        await world.wait_for(lambda: world.live(TOPIC))
        for n in range(3):
            world.publish(TOPIC, {"n": n})
        first = await frames(ws, 3)
        await ws.send_str(json.dumps({"messageId": first[0]["messageId"]}))
        await world.wait_for(lambda: world.sessions[-1].acked)
    async with session.ws_connect(url(server, CONSUMER), headers=KEY) as ws:
        again = await frames(ws, 2)
    assert [(payload(f)["n"], f["redeliveryCount"]) for f in again] == [(1, 1), (2, 1)]


async def test_an_exclusive_subscription_takes_one_consumer(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    async with session.ws_connect(url(server, CONSUMER), headers=KEY):
        await world.wait_for(lambda: world.live(TOPIC))
        with pytest.raises(aiohttp.WSServerHandshakeError) as busy:
            await session.ws_connect(url(server, CONSUMER), headers=KEY)
    assert busy.value.status == 409


async def test_pull_mode_sends_only_what_permits_allow_and_nack_redelivers(
    server: TestServer, session: aiohttp.ClientSession, world: PulsarWorld, tenant: Any
) -> None:
    query = {"pullMode": "true", "negativeAckRedeliveryDelay": "100"}
    async with session.ws_connect(url(server, CONSUMER, **query), headers=KEY) as ws:
        await world.wait_for(lambda: world.live(TOPIC))
        for n in range(3):
            world.publish(TOPIC, {"n": n})
        held = await nothing_within(ws, 0.2)
        await ws.send_str(json.dumps({"type": "permit", "permitMessages": 2}))
        (first, _) = await frames(ws, 2)
        await ws.send_str(
            json.dumps({"type": "negativeAcknowledge", "messageId": first["messageId"]})
        )
        await ws.send_str(json.dumps({"type": "permit", "permitMessages": 2}))
        later = await frames(ws, 2)
    assert held
    # The third message goes first: the refused one waits out the redelivery delay.
    assert [(payload(f)["n"], f["redeliveryCount"]) for f in later] == [(2, 0), (0, 1)]


async def test_a_bad_start_id_fails_the_reader(
    server: TestServer, session: aiohttp.ClientSession, tenant: Any
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as failed:
        await session.ws_connect(url(server, READER, messageId="not-an-id"), headers=KEY)
    assert failed.value.status == 500


async def test_8x8_publishes_to_all_type_and_agent_topics(world: PulsarWorld) -> None:
    tenant = EightByEightTenant(world)
    body = {"event": "InteractionAssigned", "interactionGUID": "int-1", "agentId": "agA"}
    tenant.emit({"Interaction": body})

    assert sorted(world.topics) == [
        "persistent://acmecc01/agent-v1/agA",
        "persistent://acmecc01/event-v1/InteractionAssigned",
        "persistent://acmecc01/event-v1/all",
    ]


async def test_consumer_end_of_topic_question(
    server: TestServer, session: aiohttp.ClientSession, tenant: Any
) -> None:
    async with session.ws_connect(url(server, CONSUMER), headers=KEY) as ws:
        await ws.send_str(json.dumps({"type": "isEndOfTopic"}))
        (answer,) = await frames(ws, 1)
    assert answer == {"endOfTopic": False}


def test_message_ids_round_trip() -> None:
    assert encode_message_id(1, 1) == "CAEQAQ=="
    assert decode_message_id(encode_message_id(2_105_231, 300)) == (2_105_231, 300)
    with pytest.raises(ValueError, match="message id"):
        decode_message_id(base64.b64encode(b"\x08\x01").decode())
