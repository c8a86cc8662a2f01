"""A stored Google CCAI integration, through the real server, to a Socket.IO widget."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import SUPERVISOR, TELEMETRY
from tests.fixtures.app import Widget
from tests.fixtures.pubsub import PROJECT, PubsubWorld
from tests.providers.google_ccai.conftest import fixture_bytes, fixture_json
from tests.server.api.test_knowledge import auth

Connect = Callable[..., Awaitable[Widget]]
CONVERSATION = "5f1b7c2e-conv"  # the Genesys interaction id inside gc-5f1b7c2e-conv
KEY = "gc-5f1b7c2e-conv"


async def store_integration(client: TestClient[Any, Any], key: str, pubsub: PubsubWorld) -> Any:
    settings = {
        "project_id": PROJECT,
        "subscriptions": [pubsub.subscription_id],
        "emulator_host": pubsub.host,
        "conversation_id_prefix": "gc-",
        "conversation_profile": "billing-voice",
    }
    body = {"provider": "google_ccai", "name": "Agent Assist", "settings": settings}
    response = await client.post("/api/v1/integrations", json=body, headers=auth(key))
    assert response.status == 201, await response.text()
    async with asyncio.timeout(30):
        while True:
            statuses = client.app[SUPERVISOR].statuses("acme")
            if statuses and statuses[0].state == "connected":
                return await response.json()
            await asyncio.sleep(0.05)


async def test_a_published_conversation_reaches_the_widget_once(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    pubsub: PubsubWorld,
) -> None:
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": CONVERSATION})
    await store_integration(client, api_keys["acme"], pubsub)

    await pubsub.publish(fixture_bytes("conversation_started.json"), ordering_key=KEY)
    line = fixture_bytes("new_message_end_user.json")
    for _ in range(3):  # Dialogflow published the same message three times
        await pubsub.publish(line, ordering_key=KEY)
    await pubsub.publish(fixture_bytes("new_message_human_agent.json"), ordering_key=KEY)

    customer = await widget.next("transcript", within=30)
    agent = await widget.next("transcript", within=30)

    assert customer["conversation_id"] == CONVERSATION
    assert customer["line"]["speaker"] == "customer"
    assert (
        customer["line"]["text"]
        == fixture_json("new_message_end_user.json")["newMessagePayload"]["content"]
    )
    # In order, and the two repeats in between were dropped as duplicates.
    assert agent["line"]["speaker"] == "agent"
    assert widget.pending("transcript") == 0


async def test_poison_is_recorded_as_rejected_and_does_not_block_the_conversation(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    pubsub: PubsubWorld,
) -> None:
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": CONVERSATION})
    await store_integration(client, api_keys["acme"], pubsub)

    poison_id = await pubsub.publish(b"\xff not json", ordering_key=KEY)
    await pubsub.publish(fixture_bytes("new_message_end_user.json"), ordering_key=KEY)

    # Ordered: the line arrives only once the poison was settled (acknowledged).
    await widget.next("transcript", within=30)
    await client.app[TELEMETRY].flush()
    response = await client.get(
        "/api/v1/events/recent?outcome=rejected", headers=auth(api_keys["acme"])
    )
    (record,) = (await response.json())["items"]
    assert record["provider"] == "google_ccai"
    assert record["provider_event_id"] == f"{pubsub.subscription}/{poison_id}"
    assert record["reason"] == "payload_invalid"
    assert "not UTF-8" in record["message"]
