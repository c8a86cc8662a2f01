"""Genesys through the real server: a widget sees each message or spoken line, and its
suggestions, once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from providers.genesys import GenesysAdapter
from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import JOURNAL, STATE, SUPERVISOR
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.voice import VoiceCall, utterance
from tests.doubles.genesys.world import ORG_ID, GenesysWorld
from tests.fixtures.app import Widget, fail_once, open_widget
from tests.server.integrations.test_supervisor import state_of

from .conftest import FAST, QUEUE, settings_for

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]
ROUTER = "my router keeps dropping, the lights go orange"
REFUND = "I returned my order and still no refund"
ROAMING = "mobile data is not working while roaming abroad"
REPLY = "let me reset the line from here"


async def subscribed(world: GenesysWorld, known: int = 0) -> str:
    """The id of a connected channel created after the first ``known``, once it has topics."""
    async with asyncio.timeout(10):
        while True:
            fresh = [c for c in world.channels.live() if c.id in world.channels.created[known:]]
            if fresh and fresh[0].topics:
                return fresh[0].id
            await asyncio.sleep(0.01)


async def joined_widget(client: TestClient[Any, Any], tokens: TokenService) -> Widget:
    """Agent user-1's widget, joined to the Genesys conversation conv-1."""
    base_url = str(client.make_url("")).rstrip("/")
    # A supervisor's widget opened before the first event: these tests are about delivery.
    widget = await open_widget(base_url, tokens.mint("acme", "user-1", supervisor=True))
    assert await widget.call("join", {"conversation_id": "conv-1"}) == {"ok": True}
    await widget.next("snapshot")
    return widget


async def widget_fed_by_adapter(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    tokens: TokenService,
) -> Widget:
    """A server whose listener is an adapter on the double, and a widget joined to conv-1,
    once the adapter's channel is subscribed."""
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    client = await aiohttp_client(create_app(settings, listeners=[adapter]))
    widget = await joined_widget(client, tokens)
    await subscribed(world)
    return widget


async def play_with_faults(world: GenesysWorld, widget: Widget) -> list[Any]:
    """A conversation with a dropped socket and a socket_closing in it; what the widget got."""
    chat = WebMessaging(world, "conv-1", queue_id=QUEUE)
    chat.arrive()
    chat.assign("user-1")
    assert await widget.next("assigned") == {"conversation_id": "conv-1", "queue": QUEUE}
    chat.customer_says(ROUTER)
    got = [await widget.next("transcript"), await widget.next("suggestions")]

    known = len(world.channels.created)
    world.channels.drop(world.channels.only_live().id)
    chat.customer_says(REFUND)  # nobody is connected: only the backfill can deliver it
    await subscribed(world, known)
    got += [await widget.next("transcript", within=10), await widget.next("suggestions")]

    known = len(world.channels.created)
    world.channels.warn_closing(world.channels.only_live().id, close_after=0.3)
    chat.customer_says(ROAMING)
    await subscribed(world, known)
    got += [await widget.next("transcript"), await widget.next("suggestions")]
    await asyncio.sleep(0.4)  # the old socket is closed by now

    chat.agent_says("Let me look into all three for you")
    got.append(await widget.next("transcript"))
    chat.end()
    while (await widget.next("status"))["status"] != "ended":
        pass
    return got


def assert_each_line_and_suggestion_once(got: list[Any], widget: Widget) -> None:
    lines = [item["line"] for item in got if "line" in item]
    suggestions = [item for item in got if "items" in item]
    assert [(line["speaker"], line["text"]) for line in lines] == [
        ("customer", ROUTER),
        ("customer", REFUND),
        ("customer", ROAMING),
        ("agent", "Let me look into all three for you"),
    ]
    # Every line and card set at its own position in the record, in the order they came.
    positions = [item["position"] for item in got]
    assert positions == sorted(set(positions))
    # Suggestions read the recent lines, so earlier topics may still rank: look for each one.
    expected = [
        "Resetting your home router",
        "Refunds for returned orders",
        "Using mobile data abroad",
    ]
    for suggestion, title in zip(suggestions, expected, strict=True):
        assert title in [item["title"] for item in suggestion["items"]]
    assert [s["trigger_event_id"] for s in suggestions] == [
        line["event_id"] for line in lines if line["speaker"] == "customer"
    ]
    assert widget.pending("transcript") == 0
    assert widget.pending("suggestions") == 0


async def test_adapter_passed_as_listener_feeds_the_widget_once_despite_faults(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    api_keys: dict[str, str],
    tokens: TokenService,
) -> None:
    widget = await widget_fed_by_adapter(world, double, aiohttp_client, settings, tokens)

    got = await play_with_faults(world, widget)
    await widget.client.disconnect()

    assert_each_line_and_suggestion_once(got, widget)


async def test_stored_integration_feeds_the_widget_once_despite_faults(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    api_keys: dict[str, str],
    tokens: TokenService,
) -> None:
    client = await aiohttp_client(create_app(settings))
    base = str(double.make_url("")).rstrip("/")
    body = {
        "provider": "genesys",
        "name": "Genesys EU",
        "settings": {
            "organization_id": ORG_ID,
            "client_id": "svc",
            "client_secret": "s3cret",
            "queue_ids": [QUEUE],
            "api_base_url": base,
            "login_base_url": base,
        },
    }
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    created = await client.post("/api/v1/integrations", json=body, headers=headers)
    assert created.status == 201, await created.text()
    widget = await joined_widget(client, tokens)
    await subscribed(world)

    got = await play_with_faults(world, widget)
    statuses = client.app[SUPERVISOR].statuses("acme")
    await widget.client.disconnect()

    assert_each_line_and_suggestion_once(got, widget)
    assert [(s.provider, s.state.value) for s in statuses] == [("genesys", "connected")]


async def test_stored_integration_with_a_wrong_secret_shows_auth_failed(
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    api_keys: dict[str, str],
) -> None:
    client = await aiohttp_client(create_app(settings))
    base = str(double.make_url("")).rstrip("/")
    body = {
        "provider": "genesys",
        "name": "Genesys EU",
        "settings": {
            "organization_id": ORG_ID,
            "client_id": "svc",
            "client_secret": "not-the-secret",
            "api_base_url": base,
            "login_base_url": base,
        },
    }
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    assert (await client.post("/api/v1/integrations", json=body, headers=headers)).status == 201
    await state_of(client, "acme", "auth_failed")
    await asyncio.sleep(0.2)  # nothing that happens while the adapter closes may hide it

    [status] = client.app[SUPERVISOR].statuses("acme")
    assert status.state.value == "auth_failed"
    assert status.last_error == (
        "Genesys refused the client credentials (invalid_client) — check client id and secret"
    )


async def test_a_customers_spoken_line_reaches_the_widget_once_with_suggestions(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    api_keys: dict[str, str],
    tokens: TokenService,
) -> None:
    widget = await widget_fed_by_adapter(world, double, aiohttp_client, settings, tokens)

    call = VoiceCall(world, "conv-1", queue_id=QUEUE)
    call.arrive()
    call.assign("user-1")
    assert await widget.next("assigned") == {"conversation_id": "conv-1", "queue": QUEUE}
    call.hear([utterance("customer-u-1", "EXTERNAL", "my router keeps", final=False)])
    partial = await widget.next("transcript.partial")
    spoken = call.customer_says(ROUTER)
    shown = await widget.next("transcript")
    suggestions = await widget.next("suggestions")
    # Genesys delivers the same notification again: the agent must not see the line twice.
    assert call.publish_speech(spoken) == 1
    call.hear([utterance("agent-u-1", "INTERNAL", REPLY)])
    replied = await widget.next("transcript")
    call.end()
    while (await widget.next("status"))["status"] != "ended":
        pass
    await widget.client.disconnect()

    line, reply = shown["line"], replied["line"]
    assert (partial["speaker"], partial["text"]) == ("customer", "my router keeps")
    assert (line["speaker"], line["text"]) == ("customer", ROUTER)
    assert "Resetting your home router" in [item["title"] for item in suggestions["items"]]
    assert suggestions["trigger_event_id"] == line["event_id"]
    assert (reply["speaker"], reply["text"]) == ("agent", REPLY)
    # The redelivered line took no place in the record: the reply follows the first cards.
    first = shown["position"]
    assert [suggestions["position"], replied["position"]] == [first + 1, first + 2]
    assert widget.pending("transcript") == 0
    assert widget.pending("suggestions") == 0


async def test_a_failure_on_our_side_is_retried_not_lost(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    tokens: TokenService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    client = await aiohttp_client(create_app(settings, listeners=[adapter]))
    widget = await joined_widget(client, tokens)
    await subscribed(world)
    chat = WebMessaging(world, "conv-1", queue_id=QUEUE)
    chat.arrive()
    chat.assign("user-1")
    assert await widget.next("assigned") == {"conversation_id": "conv-1", "queue": QUEUE}
    # Redis is away for the customer's first line: the pipeline fails on it once.
    failures = fail_once(monkeypatch, client.app[STATE], "append_line")
    chat.customer_says(ROUTER)

    line = (await widget.next("transcript", within=10))["line"]
    assert (line["speaker"], line["text"]) == ("customer", ROUTER)
    assert not failures
    chat.customer_says(REFUND)  # and the stream goes on behind it, in order
    assert (await widget.next("transcript", within=10))["line"]["text"] == REFUND
    snapshot = await client.app[JOURNAL].snapshot("acme", "conv-1")
    assert [entry.text for entry in snapshot.transcript] == [ROUTER, REFUND]
