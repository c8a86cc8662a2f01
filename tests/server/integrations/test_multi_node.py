"""Two nodes on one database and one Redis: an integration changed through A runs on B too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import SUPERVISOR
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.relay import RELAY, RELAY_TOKEN, RelayPlatform
from tests.server.api.test_knowledge import auth
from tests.server.api.test_multi_node import eventually
from tests.server.integrations.test_api import COLLECTION

pytestmark = pytest.mark.redis


async def test_integration_changes_reach_the_other_node(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    redis_url: str,
    relay: RelayPlatform,
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    key = (await seed_tenants(settings.database_url))["acme"]
    node_a = await aiohttp_client(create_app(settings, platforms={"relay": RELAY}))
    node_b = await aiohttp_client(create_app(settings, platforms={"relay": RELAY}))
    body = {"provider": "relay", "name": "R", "settings": {"url": relay.url, "token": "wrong"}}

    created = await (await node_a.post(COLLECTION, json=body, headers=auth(key))).json()

    async def b_state_is(state: str) -> bool:
        statuses = node_b.app[SUPERVISOR].statuses("acme")
        return bool(statuses) and statuses[0].state == state

    await eventually(lambda: b_state_is("auth_failed"))
    fixed = {"settings": {"token": RELAY_TOKEN}}
    await node_a.patch(f"{COLLECTION}/{created['id']}", json=fixed, headers=auth(key))
    await eventually(lambda: b_state_is("connected"))
    await node_a.delete(f"{COLLECTION}/{created['id']}", headers=auth(key))

    async def b_runs_nothing() -> bool:
        return node_b.app[SUPERVISOR].statuses("acme") == []

    await eventually(b_runs_nothing)
