"""A stored Google CCAI integration, through the real server, to a Socket.IO widget."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.keys import SUPERVISOR, TELEMETRY
from tests.doubles.google.identity import (
    PUSH_ACCOUNT,
    PUSH_AUDIENCE,
    GoogleIdentity,
    create_certs_app,
    google_key,
)
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
    widget = await connect_widget(supervisor=True)
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
    widget = await connect_widget(supervisor=True)
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


async def store_push_integration(
    client: TestClient[Any, Any], key: str, certs_url: str
) -> tuple[str, str]:
    """A push integration; its webhook path, and the audience its tokens must name."""
    settings = {
        "project_id": "acme-ccai",
        "push_audience": PUSH_AUDIENCE,
        "service_account_email": PUSH_ACCOUNT,
        "google_certs_url": certs_url,
        "conversation_id_prefix": "gc-",
    }
    body = {"provider": "google_ccai", "name": "Agent Assist push", "settings": settings}
    response = await client.post("/api/v1/integrations", json=body, headers=auth(key))
    assert response.status == 201, await response.text()
    integration_id = (await response.json())["id"]
    async with asyncio.timeout(30):
        while True:
            statuses = client.app[SUPERVISOR].statuses("acme")
            if statuses and statuses[0].state == "connected":
                return f"/api/v1/webhooks/google_ccai/{integration_id}", PUSH_AUDIENCE
            await asyncio.sleep(0.05)


@pytest.fixture
async def certs_url() -> AsyncIterator[tuple[GoogleIdentity, str]]:
    google = GoogleIdentity()
    server = TestServer(create_certs_app(google))
    await server.start_server()
    yield google, str(server.make_url("/oauth2/v3/certs"))
    await server.close()


async def test_a_push_signed_by_google_reaches_the_widget(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    certs_url: tuple[GoogleIdentity, str],
) -> None:
    google, url = certs_url
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": CONVERSATION})
    path, _ = await store_push_integration(client, api_keys["acme"], url)
    body = fixture_bytes("push_envelope.json")
    headers = {"Authorization": f"Bearer {google.token()}", "Content-Type": "application/json"}

    first = await client.post(path, data=body, headers=headers)
    again = await client.post(path, data=body, headers=headers)  # Pub/Sub redelivers

    assert first.status == 200
    assert await first.json() == {"accepted": 1, "duplicates": 0}
    assert await again.json() == {"accepted": 0, "duplicates": 1}
    line = await widget.next("transcript")
    assert line["line"]["speaker"] == "customer"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 120, "iat": int(time.time()) - 3720},
        {"aud": "https://elsewhere.example/push"},
        {"email": "intruder@evil-project.iam.gserviceaccount.com"},
    ],
    ids=["expired", "wrong-audience", "wrong-service-account"],
)
async def test_a_push_without_googles_token_for_us_is_refused(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    certs_url: tuple[GoogleIdentity, str],
    claims: dict[str, Any],
) -> None:
    google, url = certs_url
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": CONVERSATION})
    path, _ = await store_push_integration(client, api_keys["acme"], url)
    body = fixture_bytes("push_envelope.json")
    forged = google.token(key=google_key(google.keys[0].kid))
    for token in (google.token(**claims), forged, None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        response = await client.post(path, data=body, headers=headers)

        assert response.status == 401
        assert (await response.json())["code"] == "signature_invalid"
    await asyncio.sleep(0.2)
    assert widget.pending("transcript") == 0


async def test_a_pushed_message_that_can_never_map_is_a_422_and_recorded(
    client: TestClient[Any, Any], api_keys: dict[str, str], certs_url: tuple[GoogleIdentity, str]
) -> None:
    google, url = certs_url
    path, _ = await store_push_integration(client, api_keys["acme"], url)
    envelope = fixture_json("push_envelope.json")
    envelope["message"]["data"] = base64.b64encode(b"{not json").decode()

    response = await client.post(
        path, json=envelope, headers={"Authorization": f"Bearer {google.token()}"}
    )

    assert response.status == 422
    assert "data: not JSON" in (await response.json())["message"]
    await client.app[TELEMETRY].flush()
    recent = await client.get(
        "/api/v1/events/recent?outcome=rejected", headers=auth(api_keys["acme"])
    )
    assert [item["reason"] for item in (await recent.json())["items"]] == ["payload_invalid"]


async def test_agent_assist_cards_partial_lines_and_alerts_reach_the_widget(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    pubsub: PubsubWorld,
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": CONVERSATION})
    await store_integration(client, api_keys["acme"], pubsub)
    speaking = {"participant_role": "END_USER", "message_id": "m-0001"}

    await pubsub.publish(fixture_bytes("recognition_interim.json"), ordering_key=KEY, **speaking)
    await pubsub.publish(fixture_bytes("recognition_final.json"), ordering_key=KEY, **speaking)
    await pubsub.publish(fixture_bytes("new_message_end_user.json"), ordering_key=KEY)
    await pubsub.publish(fixture_bytes("suggestions_articles_faq.json"), ordering_key=KEY)
    await pubsub.publish(fixture_bytes("human_intervention_needed.json"), ordering_key=KEY)

    partial = await widget.next("transcript.partial", within=30)
    final = await widget.next("transcript", within=30)
    cards = await widget.next("suggestions.external", within=30)
    alert = await widget.next("alert", within=30)

    assert (partial["speaker"], partial["text"]) == ("customer", "my router keeps")
    assert final["line"]["text"] == "my router keeps dropping the connection every evening"
    # The NEW_MESSAGE of the same words is the same line: one transcript line, not two.
    assert widget.pending("transcript") == 0
    assert cards["source"] == "Google Agent Assist"
    assert [item["type"] for item in cards["items"]] == ["article", "faq"]
    assert cards["items"][0]["url"] == "https://help.acme.example/articles/router-evening-drops"
    assert alert == {
        "conversation_id": CONVERSATION,
        "alert": "human_intervention_needed",
        "detail": None,
    }


async def test_test_connection_and_health_say_what_the_subscription_holds(
    client: TestClient[Any, Any], api_keys: dict[str, str], pubsub: PubsubWorld
) -> None:
    created = await store_integration(client, api_keys["acme"], pubsub)
    headers = auth(api_keys["acme"])
    await pubsub.publish(b"\xff not json")

    tested = await client.post(f"/api/v1/integrations/{created['id']}:test", headers=headers)
    result = await tested.json()
    async with asyncio.timeout(30):
        while True:
            health = await (await client.get("/api/v1/health", headers=headers)).json()
            connection = health["connections"][0]
            if connection["last_rejection"]:
                break
            await asyncio.sleep(0.05)

    assert result["ok"] is True
    assert pubsub.topic in result["message"]
    assert "ordering on" in result["message"]
    assert connection["backlog"] == 0
    assert connection["last_rejection"].startswith("message ")
    assert "not UTF-8" in connection["last_rejection"]


async def test_a_missing_subscription_fails_the_connection_test_clearly(
    client: TestClient[Any, Any], api_keys: dict[str, str], pubsub: PubsubWorld
) -> None:
    created = await store_integration(client, api_keys["acme"], pubsub)
    headers = auth(api_keys["acme"])
    patch = {"settings": {"subscriptions": ["no-such-subscription"]}}
    response = await client.patch(
        f"/api/v1/integrations/{created['id']}", json=patch, headers=headers
    )
    assert response.status == 200, await response.text()

    tested = await (
        await client.post(f"/api/v1/integrations/{created['id']}:test", headers=headers)
    ).json()

    assert tested["ok"] is False
    assert tested["code"] == "provider_config_error"
    assert "no-such-subscription does not exist" in tested["message"]
