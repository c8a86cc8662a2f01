"""Revealing a record's customer text: only on request, only the tenant's own, always recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says, event


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def newest_record(client: TestClient[Any, Any], key: str) -> dict[str, Any]:
    response = await client.get("/api/v1/events/recent", headers=auth(key))
    record: dict[str, Any] = (await response.json())["items"][0]
    return record


async def reveal(client: TestClient[Any, Any], key: str, record_id: str) -> Any:
    return await client.post(f"/api/v1/events/recent/{record_id}:reveal", headers=auth(key))


async def reveals(client: TestClient[Any, Any], key: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/events/reveals", headers=auth(key))
    assert response.status == 200
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_text_is_withheld_until_revealed_and_the_reveal_is_recorded(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    await client.post(
        "/api/v1/events", json=customer_says("m-1", "my card ends 4242"), headers=auth(key)
    )
    listing = await client.get("/api/v1/events/recent", headers=auth(key))
    record = (await listing.json())["items"][0]
    assert "4242" not in await listing.text()
    assert await reveals(client, key) == []

    before = datetime.now(UTC) - timedelta(seconds=1)
    response = await reveal(client, key, record["id"])

    assert response.status == 200
    body = await response.json()
    assert body["text"] == "my card ends 4242"
    (logged,) = await reveals(client, key)
    assert logged == body["reveal"]
    assert logged["record_id"] == record["id"]
    assert logged["revealed_by"] == f"api_key:{key.split('_')[1]}"
    assert before <= datetime.fromisoformat(logged["revealed_at"]) <= datetime.now(UTC)
    assert (logged["kind"], logged["conversation_id"], logged["provider_event_id"]) == (
        "message",
        "conv-1",
        "m-1",
    )


async def test_each_reveal_is_recorded_newest_first(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    for n in range(2):
        await client.post(
            "/api/v1/events", json=customer_says(f"m-{n}", f"line {n}"), headers=auth(key)
        )
    listing = await client.get("/api/v1/events/recent", headers=auth(key))
    newer, older = (await listing.json())["items"]

    await reveal(client, key, older["id"])
    await reveal(client, key, newer["id"])
    await reveal(client, key, older["id"])

    assert [item["record_id"] for item in await reveals(client, key)] == [
        older["id"],
        newer["id"],
        older["id"],
    ]


async def test_another_tenants_record_cannot_be_revealed(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    globex_says = {**customer_says("g-1", "globex secret"), "tenant_id": "globex"}
    await client.post("/api/v1/events", json=globex_says, headers=auth(api_keys["globex"]))
    record = await newest_record(client, api_keys["globex"])

    response = await reveal(client, api_keys["acme"], record["id"])

    assert response.status == 404
    assert "globex secret" not in await response.text()
    assert await reveals(client, api_keys["acme"]) == []
    assert await reveals(client, api_keys["globex"]) == []


async def test_unknown_record_is_not_found(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await reveal(client, api_keys["acme"], "0123456789abcdef")

    assert response.status == 404
    assert (await response.json())["code"] == "not_found"


async def test_record_without_text_has_nothing_to_reveal(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    await client.post(
        "/api/v1/events", json=event("conversation.started", "s-1"), headers=auth(key)
    )
    record = await newest_record(client, key)

    response = await reveal(client, key, record["id"])

    assert response.status == 422
    assert (await response.json())["field"] == "record_id"
    assert await reveals(client, key) == []


async def test_reveals_of_one_tenant_are_not_listed_for_another(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    await client.post("/api/v1/events", json=customer_says("m-1", "hello"), headers=auth(key))
    await reveal(client, key, (await newest_record(client, key))["id"])

    assert len(await reveals(client, key)) == 1
    assert await reveals(client, api_keys["globex"]) == []
