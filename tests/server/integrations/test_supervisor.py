"""The supervisor runs stored integrations: events flow, failures show, changes restart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from server.integrations.models import IntegrationStatus
from server.keys import SUPERVISOR
from tests.fixtures.app import Widget, customer_says
from tests.fixtures.relay import RELAY_TOKEN, RelayPlatform
from tests.server.api.test_knowledge import auth
from tests.server.integrations.test_api import COLLECTION, create

Connect = Callable[..., Awaitable[Widget]]


async def state_of(client: TestClient[Any, Any], tenant: str, want: str) -> IntegrationStatus:
    """The tenant's one integration status, once it reaches ``want`` (fails after 5 s)."""
    async with asyncio.timeout(5):
        while True:
            statuses = client.app[SUPERVISOR].statuses(tenant)
            if statuses and statuses[0].state == want:
                return statuses[0]
            await asyncio.sleep(0.01)


async def test_events_of_a_stored_integration_reach_the_widget(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    relay: RelayPlatform,
    connect_widget: Connect,
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await create(client, api_keys["acme"], url=relay.url, token=RELAY_TOKEN)
    await state_of(client, "acme", "connected")

    said = customer_says("r-1", "My router keeps dropping the wifi", provider="relay")
    relay.pending["acme"] = [said, said]  # delivered twice, shown once

    line = await widget.next("transcript")
    assert line["line"]["text"] == "My router keeps dropping the wifi"
    await asyncio.sleep(0.2)
    assert widget.pending("transcript") == 0


async def test_refused_credentials_stop_and_tell_the_widgets(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    relay: RelayPlatform,
    connect_widget: Connect,
) -> None:
    early = await connect_widget()
    await create(client, api_keys["acme"], url=relay.url, token="wrong-token")

    status = await state_of(client, "acme", "auth_failed")
    late = await connect_widget()

    assert status.last_error == "the relay refused the token (401)"
    for widget in (early, late):
        announced = await widget.next("integration.status")
        assert (announced["provider"], announced["state"]) == ("relay", "auth_failed")
        assert announced["message"] == "the relay refused the token (401)"
    polls = relay.polls
    await asyncio.sleep(0.2)
    assert relay.polls == polls  # stopped: no retry storm against a refusing platform


async def test_other_tenants_widgets_hear_nothing(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    relay: RelayPlatform,
    connect_widget: Connect,
) -> None:
    globex = await connect_widget(tenant="globex")
    await create(client, api_keys["acme"], url=relay.url, token="wrong-token")
    await state_of(client, "acme", "auth_failed")

    await asyncio.sleep(0.2)
    assert globex.pending("integration.status") == 0
    assert client.app[SUPERVISOR].statuses("globex") == []


async def test_unreachable_platform_is_retried(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    await create(client, api_keys["acme"], url="http://127.0.0.1:9/", token="t")

    status = await state_of(client, "acme", "reconnecting")

    assert status.last_error is not None
    assert "relay unreachable" in status.last_error


async def test_fixing_the_token_restarts_and_disabling_stops(
    client: TestClient[Any, Any], api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    key = api_keys["acme"]
    created = await create(client, key, url=relay.url, token="wrong-token")
    item = f"{COLLECTION}/{created['id']}"
    await state_of(client, "acme", "auth_failed")

    await client.patch(item, json={"settings": {"token": RELAY_TOKEN}}, headers=auth(key))
    await state_of(client, "acme", "connected")
    await client.patch(item, json={"enabled": False}, headers=auth(key))

    assert client.app[SUPERVISOR].statuses("acme") == []
    polls = relay.polls
    await asyncio.sleep(0.2)
    assert relay.polls == polls
