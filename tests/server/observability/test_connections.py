"""The health view shows each stored integration's connection state and last error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.relay import RELAY, RELAY_TOKEN, RelayPlatform
from tests.server.integrations.test_api import create
from tests.server.integrations.test_supervisor import state_of
from tests.server.observability.test_health import health


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(settings, platforms={"relay": RELAY}))


async def test_connections_show_state_and_last_error_to_their_tenant_only(
    client: TestClient[Any, Any], api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    key = api_keys["acme"]
    await create(client, key, url=relay.url, token="wrong-token")
    await state_of(client, "acme", "auth_failed")

    acme = await health(client, key)
    globex = await health(client, api_keys["globex"])

    (connection,) = acme["connections"]
    assert (connection["provider"], connection["name"]) == ("relay", "Relay")
    assert connection["state"] == "auth_failed"
    assert connection["last_error"] == "the relay refused the token (401)"
    assert globex["connections"] == []


async def test_a_working_connection_shows_connected(
    client: TestClient[Any, Any], api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    await create(client, api_keys["acme"], url=relay.url, token=RELAY_TOKEN)
    await state_of(client, "acme", "connected")

    (connection,) = (await health(client, api_keys["acme"]))["connections"]

    assert (connection["state"], connection["last_error"]) == ("connected", None)
    assert "token" not in connection
    assert RELAY_TOKEN not in str(connection)
