"""A server whose tenants run the simulator's desktop, as ``cuecard demo`` does for its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.bridge import desktop_settings


@pytest.fixture
def desktop_tenants() -> tuple[str, ...]:
    """Tenants whose desktop is the simulator; override to change."""
    return ("acme", "globex")


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
    desktop_tenants: tuple[str, ...],
) -> TestClient[Any, Any]:
    """The seeded server, with the simulator's desktop enabled for ``desktop_tenants``."""
    local = {"simulator": [desktop_settings(tenant) for tenant in desktop_tenants]}
    return await aiohttp_client(create_app(settings, local_integrations=local))
