"""Two nodes on one database and one Redis show the same inspector, widgets and minutes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.auth.tokens import TokenService
from tests.fixtures.app import SECRET, customer_says, make_settings, open_widget, seed_tenants
from tests.server.api.test_multi_node import eventually

pytestmark = pytest.mark.redis


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_events_and_widgets_on_one_node_are_seen_from_the_other(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    keys = await seed_tenants(settings.database_url)
    node_a = await aiohttp_client(create_app(settings))
    node_b = await aiohttp_client(create_app(settings))
    key = keys["acme"]
    # The widget connects first: python-socketio's Redis manager replaces (and leaks) its
    # publishing client when a node emits before any widget has connected to it.
    widget = await open_widget(
        str(node_a.make_url("")).rstrip("/"),
        TokenService(SECRET, settings.token_ttl_seconds).mint("acme", "agent-1"),
    )
    await node_a.post(
        "/api/v1/events", json=customer_says("m-1", "router keeps dropping"), headers=auth(key)
    )
    records: list[dict[str, Any]] = []

    async def b_lists_the_event() -> bool:
        response = await node_b.get("/api/v1/events/recent", headers=auth(key))
        records[:] = (await response.json())["items"]
        return bool(records)

    async def b_counts_no_widget() -> bool:
        return (await b_health())["connected_widgets"] == 0

    async def b_health() -> dict[str, Any]:
        body: dict[str, Any] = await (await node_b.get("/api/v1/health", headers=auth(key))).json()
        return body

    await eventually(b_lists_the_event)
    health = await b_health()
    revealed = await node_b.post(
        f"/api/v1/events/recent/{records[0]['id']}:reveal", headers=auth(key)
    )
    reveals = await (await node_a.get("/api/v1/events/reveals", headers=auth(key))).json()
    globex = await (await node_b.get("/api/v1/events/recent", headers=auth(keys["globex"]))).json()
    await widget.client.disconnect()

    assert [(r["provider_event_id"], r["outcome"]) for r in records] == [("m-1", "delivered")]
    assert health["connected_widgets"] == 1
    assert sum(point["delivered"] for point in health["minutes"]) == 1
    assert (await revealed.json())["text"] == "router keeps dropping"
    assert [item["record_id"] for item in reveals["items"]] == [records[0]["id"]]
    assert globex["items"] == []
    await eventually(b_counts_no_widget)
