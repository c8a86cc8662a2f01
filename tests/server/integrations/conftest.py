"""A server whose admins may store integrations of the relay provider, and the relay itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Settings
from tests.server.integrations.relay import SPEC, RelayPlatform

RELAY_TOKEN = "relay-token-Very-Secret-9c1d"


@pytest.fixture
async def relay() -> AsyncIterator[RelayPlatform]:
    platform = RelayPlatform(token=RELAY_TOKEN)
    server = TestServer(platform.app())
    await server.start_server()
    platform.url = str(server.make_url("/"))
    yield platform
    await server.close()


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """The real app; relay is the one provider integrations can be stored for."""
    return await aiohttp_client(create_app(settings, providers={"relay": SPEC}))
