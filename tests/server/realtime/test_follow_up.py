"""Over Socket.IO: listening, kept cards on verification turns, details, and step ticks."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import ASSISTANT, STORE
from server.store.models import DocumentIn
from tests.fixtures.app import customer_says, event

PROCEDURE = DocumentIn(
    external_id="hub-reset",
    title="Factory resetting the home hub",
    body=(
        "## Resetting the hub\n\n"
        "1. Keep the hub switched on and plugged into the wall socket.\n"
        "2. Find the small recessed reset button on the back of the hub.\n"
        "3. Press and hold the reset button with a paperclip for twenty seconds.\n"
    ),
)


async def post(client: TestClient[Any, Any], key: str, *bodies: Any) -> None:
    response = await client.post(
        "/api/v1/events", json={"events": list(bodies)}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()


async def test_a_greeting_listens_and_a_verification_turn_keeps_the_cards(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    await post(client, api_keys["acme"], customer_says("e1", "hi there"))
    listening = await widget.next("suggestions")
    await post(
        client,
        api_keys["acme"],
        customer_says("e2", "my router keeps dropping, the lights go orange"),
        event("message", "e3", speaker="agent", text="Can I take your email address?"),
        customer_says("e4", "ann.lee@example.com"),
    )
    cards = await widget.next("suggestions")
    details = await widget.next("entities")
    await widget.call("leave", {"conversation_id": "elsewhere"})  # every push so far has arrived

    assert (listening["items"], listening["reason"]) == ([], "listening")
    assert cards["items"][0]["source"]["document_id"] == "router-reset"
    assert cards["reason"] is None
    assert details["items"] == [
        {"type": "email", "value": "ann.lee@example.com", "confidence": 0.99}
    ]
    # The identifier turn sent no new set: the router card still stands.
    assert widget.pending("suggestions") == 0


async def test_a_step_card_follows_the_agent_and_ticks_and_replays_to_a_late_widget(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    store = client.server.app[STORE]
    [kb] = await store.knowledge_bases.list("acme")
    await store.documents.upsert_many(kb, [PROCEDURE])
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    await reindex(client)

    await post(client, api_keys["acme"], customer_says("e1", "how do i factory reset the home hub"))
    started = await widget.next("steps")
    await post(
        client,
        api_keys["acme"],
        event("message", "e2", speaker="agent", text="Keep the hub switched on at the wall."),
    )
    advanced = await widget.next("steps")
    ticked = await widget.call(
        "steps.tick", {"conversation_id": "conv-1", "document_id": "hub-reset", "step": 2}
    )
    after_tick = await widget.next("steps")
    wrong = await widget.call(
        "steps.tick", {"conversation_id": "conv-1", "document_id": "other", "step": 0}
    )
    late = await connect_widget(supervisor=True)
    await late.call("join", {"conversation_id": "conv-1"})
    await late.next("snapshot")
    replayed = await late.next("steps")

    assert (started["document_id"], started["next"]) == ("hub-reset", 0)
    assert advanced["next"] == 1
    assert [step["done"] for step in advanced["steps"]] == [True, False, False]
    assert ticked == {"ok": True, "next": 1}
    assert [step["done"] for step in after_tick["steps"]] == [True, False, True]
    assert wrong["ok"] is False
    assert wrong["error"]["field"] == "document_id"
    assert replayed["steps"] == after_tick["steps"]


async def test_ticking_needs_the_conversation_joined(connect_widget: Any) -> None:
    widget = await connect_widget(supervisor=True)
    reply = await widget.call(
        "steps.tick", {"conversation_id": "conv-9", "document_id": "hub-reset", "step": 0}
    )

    assert reply["ok"] is False
    assert reply["error"]["code"] == "forbidden"


async def reindex(client: TestClient[Any, Any]) -> None:
    """Load acme's knowledge base again so the new article is searchable."""
    store = client.server.app[STORE]
    [kb] = await store.knowledge_bases.list("acme")
    await client.server.app[ASSISTANT].load(kb, await store.documents.list("acme", kb.id))
