"""GET /api/v1/health: the tenant's last hour, per minute, and its connected widgets."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says, event
from tests.fixtures.waiting import eventually


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def health(client: TestClient[Any, Any], key: str) -> dict[str, Any]:
    response = await client.get("/api/v1/health", headers=auth(key))
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def total(body: dict[str, Any], field: str) -> int:
    return sum(point[field] for point in body["minutes"])


async def test_quiet_tenant_has_an_hour_of_empty_minutes(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    body = await health(client, api_keys["acme"])

    assert len(body["minutes"]) == 60
    minutes = [point["minute"] for point in body["minutes"]]
    assert minutes == sorted(minutes)
    assert total(body, "delivered") == 0
    assert body["connected_widgets"] == 0
    assert body["connections"] == []


async def test_traffic_is_counted_for_its_tenant_only(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    for n in range(3):
        message = customer_says(f"m-{n}", "my router keeps dropping the wifi")
        await client.post("/api/v1/events", json=message, headers=auth(key))
    await client.post("/api/v1/events", json=customer_says("m-0", "again"), headers=auth(key))
    await client.post("/api/v1/events", json=event("message", "bad"), headers=auth(key))

    acme, globex = await health(client, key), await health(client, api_keys["globex"])

    assert (total(acme, "delivered"), total(acme, "duplicate"), total(acme, "rejected")) == (
        3,
        1,
        1,
    )
    assert total(acme, "suggestions") == 3
    busy = [point for point in acme["minutes"] if point["suggestions"]]
    assert all(point["suggestion_p50_ms"] > 0 for point in busy)
    assert all(point["suggestion_p95_ms"] >= point["suggestion_p50_ms"] for point in busy)
    assert total(globex, "delivered") + total(globex, "rejected") == 0


async def test_connected_widgets_are_counted_per_tenant(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    first = await connect_widget(tenant="acme", agent="agent-1")
    await connect_widget(tenant="acme", agent="agent-2")
    await connect_widget(tenant="globex", agent="agent-9")

    assert (await health(client, api_keys["acme"]))["connected_widgets"] == 2
    assert (await health(client, api_keys["globex"]))["connected_widgets"] == 1

    await first.client.disconnect()

    async def one_left() -> bool:
        return (await health(client, api_keys["acme"]))["connected_widgets"] == 1

    await eventually(one_left)


async def test_health_needs_an_api_key(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v1/health")

    assert response.status == 401
