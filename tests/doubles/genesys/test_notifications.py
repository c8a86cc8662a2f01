"""The double's Notification and conversation APIs answer as protocols.md 1.2-1.8 says,
voice transcription included: it reaches only the channels subscribed to a call's topic."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.voice import NotTranscribed, VoiceCall, utterance
from tests.doubles.genesys.world import GenesysWorld, OAuthClient
from tests.fixtures.waiting import eventually
from tests.providers.genesys.conftest import fixture

CHANNELS = "/api/v2/notifications/channels"
SPEECH = "v2.conversations.c-1.transcription"
Client = TestClient[Any, Any]


@pytest.fixture
def world() -> GenesysWorld:
    world = GenesysWorld(clients={"svc": OAuthClient("svc", secret="s3cret")})
    world.channels.heartbeat_interval = 0.05
    return world


@pytest.fixture
async def api(world: GenesysWorld, aiohttp_client: Any) -> Client:
    client: Client = await aiohttp_client(create_double(world))
    return client


def auth(world: GenesysWorld) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.issue_token('svc').value}"}


async def test_channel_and_subscription_listing_have_the_recorded_shapes(
    world: GenesysWorld, api: Client
) -> None:
    headers = auth(world)
    world.channels.denied["v2.routing.queues.aa00-queue.conversations"] = ["routing:queue:view"]
    channel = await (await api.post(CHANNELS, headers=headers)).json()
    topics = [{"id": "v2.routing.queues.q1.conversations"}]
    topics.append({"id": "v2.routing.queues.aa00-queue.conversations"})
    listing = await api.put(
        f"{CHANNELS}/{channel['id']}/subscriptions?ignoreErrors=true", json=topics, headers=headers
    )
    recorded = fixture("subscriptions.json")["entities"]
    assert set(channel) == set(fixture("channel.json"))
    assert [set(e) for e in (await listing.json())["entities"]] == [set(e) for e in recorded]


async def test_rejected_topic_fails_the_call_unless_errors_are_ignored(
    world: GenesysWorld, api: Client
) -> None:
    headers = auth(world)
    world.channels.denied["v2.users.u1.conversations"] = ["conversation:communication:view"]
    channel = await (await api.post(CHANNELS, headers=headers)).json()
    path = f"{CHANNELS}/{channel['id']}/subscriptions"
    body = [{"id": "v2.users.u1.conversations"}]
    assert (await api.put(path, json=body, headers=headers)).status == 400
    assert (await api.put(path + "?ignoreErrors=true", json=body, headers=headers)).status == 200


async def test_a_21st_channel_evicts_the_oldest_unconnected_one(
    world: GenesysWorld, api: Client
) -> None:
    headers = auth(world)
    ids = [(await (await api.post(CHANNELS, headers=headers)).json())["id"] for _ in range(21)]
    assert (await api.head(f"{CHANNELS}/{ids[0]}", headers=headers)).status == 404
    assert (await api.head(f"{CHANNELS}/{ids[1]}", headers=headers)).status == 200
    assert len(world.channels.channels) == 20


async def test_more_than_1000_topics_on_a_channel_is_refused(
    world: GenesysWorld, api: Client
) -> None:
    headers = auth(world)
    channel = await (await api.post(CHANNELS, headers=headers)).json()
    topics = [{"id": f"v2.users.u{n}.conversations"} for n in range(1001)]
    response = await api.put(
        f"{CHANNELS}/{channel['id']}/subscriptions", json=topics, headers=headers
    )
    assert response.status == 400
    assert (await response.json())["status"] == 400


async def test_socket_heartbeats_answers_pings_and_delivers_notifications(
    world: GenesysWorld, api: Client
) -> None:
    headers = auth(world)
    channel = await (await api.post(CHANNELS, headers=headers)).json()
    topic = "v2.routing.queues.q1.conversations"
    await api.put(
        f"{CHANNELS}/{channel['id']}/subscriptions", json=[{"id": topic}], headers=headers
    )
    path = channel["connectUri"].split("://", 1)[1].split("/", 1)[1]
    async with api.ws_connect("/" + path) as ws:
        heartbeat = json.loads(await ws.receive_str(timeout=2))
        await ws.send_str(json.dumps({"message": "ping"}))
        WebMessaging(world, "c-1", queue_id="q1").arrive()
        frames = [json.loads(await ws.receive_str(timeout=2)) for _ in range(4)]
    assert heartbeat == {
        "topicName": "channel.metadata",
        "eventBody": {"message": "WebSocket Heartbeat"},
    }
    assert {"topicName": "channel.metadata", "eventBody": {"message": "pong"}} in frames
    notification = next(f for f in frames if f["topicName"] == topic)
    assert set(notification) == {"topicName", "version", "eventBody", "metadata"}
    assert notification["eventBody"]["id"] == "c-1"
    assert set(notification["metadata"]) == {"CorrelationId"}


async def test_bulk_message_read_takes_at_most_1000_ids(world: GenesysWorld, api: Client) -> None:
    headers = auth(world)
    chat = WebMessaging(world, "c-1", queue_id="q1")
    chat.arrive()
    ids = [chat.customer_says(text) for text in ("hello", "anyone there?")]
    bulk = "/api/v2/conversations/messages/c-1/messages/bulk"
    ok = await api.post(bulk + "?useNormalizedMessage=true", json=ids, headers=headers)
    too_many = await api.post(bulk, json=[f"m-{n}" for n in range(1001)], headers=headers)
    entities = (await ok.json())["entities"]
    assert [e["normalizedMessage"]["text"] for e in entities] == ["hello", "anyone there?"]
    assert all("textBody" not in e for e in entities)
    assert too_many.status == 400


async def test_reads_need_a_valid_bearer_token(world: GenesysWorld, api: Client) -> None:
    WebMessaging(world, "c-1", queue_id="q1").arrive()
    token = world.issue_token("svc")
    world.expire(token.value)
    expired = {"Authorization": f"Bearer {token.value}"}
    assert (await api.get("/api/v2/conversations/c-1", headers=expired)).status == 401
    assert (await api.post(CHANNELS)).status == 401
    assert (await api.get("/api/v2/conversations/c-1", headers=auth(world))).status == 200


async def test_rate_limit_answers_429_with_retry_after(world: GenesysWorld, api: Client) -> None:
    world.rate_limit.limit_next(1, retry_after=7)
    limited = await api.post(CHANNELS, headers=auth(world))
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "7"
    assert (await api.post(CHANNELS, headers=auth(world))).status == 200


async def test_dropped_socket_ends_without_a_close_frame(world: GenesysWorld, api: Client) -> None:
    headers = auth(world)
    channel = await (await api.post(CHANNELS, headers=headers)).json()
    async with api.ws_connect(f"/channels/{channel['id']}") as ws:
        await ws.receive_str(timeout=2)
        world.channels.drop(channel["id"])
        message = await asyncio.wait_for(ws.receive(), 2)
    assert message.type in {aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR}


async def channel_with(api: Client, world: GenesysWorld, topics: list[str]) -> dict[str, Any]:
    """A channel subscribed to ``topics``, with the headers and path to change them."""
    headers = auth(world)
    channel: dict[str, Any] = await (await api.post(CHANNELS, headers=headers)).json()
    body = [{"id": topic} for topic in topics]
    path = f"{CHANNELS}/{channel['id']}/subscriptions"
    assert (await api.put(path, json=body, headers=headers)).status == 200
    return {**channel, "headers": headers, "path": path}


async def test_speech_reaches_the_channel_subscribed_to_the_call_only(
    world: GenesysWorld, api: Client
) -> None:
    listening = await channel_with(api, world, [SPEECH])
    other = await channel_with(api, world, ["v2.routing.queues.q1.conversations"])
    call = VoiceCall(world, "c-1", queue_id="q1")
    async with (
        api.ws_connect(f"/channels/{listening['id']}") as ws,
        api.ws_connect(f"/channels/{other['id']}") as other_ws,
    ):
        await _wait_attached(world, 2)
        call.arrive()
        queue_frame = await _notification(other_ws)
        sent = call.customer_says("my router keeps dropping")
        frame = await _notification(ws)
        # The queue channel got the call, never its speech: the next frame it gets is ours.
        world.channels.publish("v2.routing.queues.q1.conversations", {"id": "marker"})
        marker = await _notification(other_ws)
    assert queue_frame["eventBody"]["id"] == "c-1"
    assert frame["topicName"] == SPEECH
    assert frame["eventBody"] == sent
    assert marker["eventBody"] == {"id": "marker"}


async def test_unsubscribed_speech_is_not_delivered(world: GenesysWorld, api: Client) -> None:
    channel = await channel_with(api, world, [SPEECH, "v2.routing.queues.q1.conversations"])
    call = VoiceCall(world, "c-1", queue_id="q1")
    async with api.ws_connect(f"/channels/{channel['id']}"):
        await _wait_attached(world, 1)
        call.arrive()
        body = call.customer_says("first")
        assert call.publish_speech(body) == 1
        keep = [{"id": "v2.routing.queues.q1.conversations"}]
        await api.put(channel["path"], json=keep, headers=channel["headers"])
        assert call.publish_speech(body) == 0
    assert world.channels.undelivered == []


async def test_speech_of_an_ended_call_or_an_unlisted_field_is_refused(
    world: GenesysWorld,
) -> None:
    call = VoiceCall(world, "c-1", queue_id="q1")
    with pytest.raises(NotTranscribed):
        call.customer_says("before the call exists")
    call.arrive()
    with pytest.raises(ValueError, match="fields Genesys does not send"):
        call.hear([{**utterance("u-1", "EXTERNAL", "hi"), "speaker": "customer"}])
    with pytest.raises(ValueError, match="not one Genesys sends"):
        call.hear([utterance("u-1", "CUSTOMER", "hi")])
    call.end()
    with pytest.raises(NotTranscribed):
        call.customer_says("after hanging up")


async def _wait_attached(world: GenesysWorld, count: int) -> None:
    async def attached() -> bool:
        return len(world.channels.live()) >= count

    await eventually(attached, what=f"{count} sockets attached")


async def _notification(ws: aiohttp.ClientWebSocketResponse) -> Any:
    """The next frame that is not a heartbeat."""
    while True:
        frame = json.loads(await ws.receive_str(timeout=2))
        if frame["topicName"] != "channel.metadata":
            return frame
