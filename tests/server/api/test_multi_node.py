"""Two nodes on one database and one Redis: a change made through A is used by B."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.assist.base import SearchRequest
from server.keys import ASSISTANT, ROUTES
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.waiting import eventually
from tests.server.api.test_knowledge import DOC, auth

pytestmark = pytest.mark.redis


async def test_changes_through_one_node_reach_the_other(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    keys = await seed_tenants(settings.database_url)
    node_a = await aiohttp_client(create_app(settings))
    node_b = await aiohttp_client(create_app(settings))
    key = keys["acme"]
    kb = await (
        await node_a.post("/api/v1/knowledge-bases", json={"name": "vip"}, headers=auth(key))
    ).json()
    assert (await node_b.app[ROUTES].resolve("acme", "genesys", "vip")).kb_id != kb["id"]

    await node_a.put(
        "/api/v1/queue-mappings/genesys/vip", json={"kb_id": kb["id"]}, headers=auth(key)
    )
    await node_a.put(
        f"/api/v1/knowledge-bases/{kb['id']}/documents/zorblax", json=DOC, headers=auth(key)
    )

    async def b_routes_to_the_new_kb() -> bool:
        route = await node_b.app[ROUTES].resolve("acme", "genesys", "vip")
        return route.kb_id == kb["id"]

    async def b_finds_the_new_document() -> bool:
        route = await node_b.app[ROUTES].resolve("acme", "genesys", "vip")
        request = SearchRequest(tenant_id="acme", query="zorblax pairing", route=route)
        return bool(await node_b.app[ASSISTANT].search(request))

    await eventually(b_routes_to_the_new_kb)
    await eventually(b_finds_the_new_document)
