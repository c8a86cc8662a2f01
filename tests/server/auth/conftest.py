"""A server whose acme tenant has a Genesys integration pointing at the Genesys double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.genesys import WATCHING_SPEC, add_integration


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
    genesys_url: str,
) -> TestClient[Any, Any]:
    """The real app, acme connected to the double; globex has no Genesys integration."""
    client = await aiohttp_client(create_app(settings, providers={"genesys": WATCHING_SPEC}))
    await add_integration(client, api_keys["acme"], genesys_url)
    return client
