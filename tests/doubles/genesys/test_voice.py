"""The double's voice calls: transcription reaches only subscribed channels, while connected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.voice import NotTranscribed, VoiceCall, utterance
from tests.doubles.genesys.world import GenesysWorld, OAuthClient
from tests.fixtures.waiting import eventually

CHANNELS = "/api/v2/notifications/channels"
TOPIC = "v2.conversations.c-1.transcription"
Client = TestClient[Any, Any]


@pytest.fixture
def world() -> GenesysWorld:
    world = GenesysWorld(clients={"svc": OAuthClient("svc", secret="s3cret")})
    world.channels.heartbeat_interval = 60
    return world


@pytest.fixture
async def api(world: GenesysWorld, aiohttp_client: Any) -> Client:
    client: Client = await aiohttp_client(create_double(world))
    return client


async def channel_with(api: Client, world: GenesysWorld, topics: list[str]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {world.issue_token('svc').value}"}
    channel: dict[str, Any] = await (await api.post(CHANNELS, headers=headers)).json()
    body = [{"id": topic} for topic in topics]
    path = f"{CHANNELS}/{channel['id']}/subscriptions"
    assert (await api.put(path, json=body, headers=headers)).status == 200
    return {**channel, "headers": headers, "path": path}


async def test_speech_reaches_the_channel_subscribed_to_the_call_only(
    world: GenesysWorld, api: Client
) -> None:
    listening = await channel_with(api, world, [TOPIC])
    other = await channel_with(api, world, ["v2.routing.queues.q1.conversations"])
    call = VoiceCall(world, "c-1", queue_id="q1")
    async with (
        api.ws_connect(f"/channels/{listening['id']}") as ws,
        api.ws_connect(f"/channels/{other['id']}") as other_ws,
    ):
        await _wait_attached(world, 2)
        call.arrive()
        queue_frame = json.loads(await other_ws.receive_str(timeout=2))
        sent = call.customer_says("my router keeps dropping")
        frame = json.loads(await ws.receive_str(timeout=2))
        # The queue channel got the call, never its speech: the next frame it gets is ours.
        world.channels.publish("v2.routing.queues.q1.conversations", {"id": "marker"})
        marker = json.loads(await other_ws.receive_str(timeout=2))
    assert queue_frame["eventBody"]["id"] == "c-1"
    assert frame["topicName"] == TOPIC
    assert frame["eventBody"] == sent
    assert marker["eventBody"] == {"id": "marker"}


async def test_unsubscribed_speech_is_not_delivered(world: GenesysWorld, api: Client) -> None:
    channel = await channel_with(api, world, [TOPIC, "v2.routing.queues.q1.conversations"])
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
