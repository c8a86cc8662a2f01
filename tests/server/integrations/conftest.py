"""A server whose admins may store integrations of the relay provider (tests/fixtures/relay.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.relay import RELAY


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """The real app; relay is the one provider integrations can be stored for."""
    return await aiohttp_client(create_app(settings, platforms={"relay": RELAY}))
