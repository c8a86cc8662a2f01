"""The widget's search uses the knowledge base mapped to the conversation's queue."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import event

QUERY = "card payment surcharge"


async def call(client: TestClient[Any, Any], key: str, method: str, path: str, body: Any) -> Any:
    response = await client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def billing_conversation(client: TestClient[Any, Any], key: str) -> None:
    """conv-9 in queue billing, whose knowledge base alone has the surcharge article."""
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


def titles(ack: dict[str, Any]) -> list[str]:
    return [result["title"] for result in ack["results"]]


async def test_search_in_a_conversation_follows_its_queue_mapping(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await billing_conversation(client, api_keys["acme"])
    assigned = event(
        "agent.assigned", "a1", conversation_id="conv-9", agent_id="agent-1", queue="billing"
    )
    await call(client, api_keys["acme"], "POST", "/api/v1/events", assigned)
    widget = await connect_widget()

    in_conversation = await widget.call("search", {"query": QUERY, "conversation_id": "conv-9"})
    outside = await widget.call("search", {"query": QUERY})

    assert titles(in_conversation) == ["Card payment surcharge"]
    assert "Card payment surcharge" not in titles(outside)


async def test_naming_a_conversation_not_assigned_to_the_agent_opens_no_other_queues_kb(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await billing_conversation(client, api_keys["acme"])
    agent = await connect_widget(agent="agent-2")
    supervisor = await connect_widget(agent="lead", supervisor=True)

    named = await agent.call("search", {"query": QUERY, "conversation_id": "conv-9"})
    by_supervisor = await supervisor.call("search", {"query": QUERY, "conversation_id": "conv-9"})

    assert named["ok"] is True
    assert "Card payment surcharge" not in titles(named)
    assert titles(by_supervisor) == ["Card payment surcharge"]
