"""The widget's search uses the knowledge base mapped to the conversation's queue."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import event


async def call(client: TestClient[Any, Any], key: str, method: str, path: str, body: Any) -> Any:
    response = await client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def test_search_in_a_conversation_follows_its_queue_mapping(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    key = api_keys["acme"]
    kb = await call(client, key, "POST", "/api/v1/knowledge-bases", {"name": "billing"})
    await call(
        client,
        key,
        "PUT",
        f"/api/v1/knowledge-bases/{kb['id']}/documents/surcharge",
        {
            "title": "Card payment surcharge",
            "body": "Paying a bill by card adds a surcharge of one pound fifty per payment.",
        },
    )
    await call(client, key, "PUT", "/api/v1/queue-mappings/test/billing", {"kb_id": kb["id"]})
    await call(
        client,
        key,
        "POST",
        "/api/v1/events",
        event("conversation.started", "s1", conversation_id="conv-9", queue="billing"),
    )
    widget = await connect_widget()
    query = "card payment surcharge"

    in_conversation = await widget.call("search", {"query": query, "conversation_id": "conv-9"})
    outside = await widget.call("search", {"query": query})

    assert [r["title"] for r in in_conversation["results"]] == ["Card payment surcharge"]
    assert "Card payment surcharge" not in [r["title"] for r in outside["results"]]
