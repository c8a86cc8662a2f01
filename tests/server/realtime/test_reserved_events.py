"""Clients cannot fake the server's own connect and disconnect events."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says, event
from tests.fixtures.waiting import eventually


async def connected_widgets(client: TestClient[Any, Any]) -> float:
    text = await (await client.get("/metrics")).text()
    line = next(line for line in text.splitlines() if line.startswith("cuecard_connected_widgets "))
    return float(line.split()[1])


async def test_client_sent_disconnect_events_are_ignored(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    for _ in range(10):
        await widget.client.emit("disconnect", "io client disconnect", namespace="/agent")
    # The join's acknowledgement comes after every fake event above was handled.
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    assert await connected_widgets(client) == 1.0
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    await client.post("/api/v1/events", json=customer_says("e1", "still here?"), headers=headers)
    assert (await widget.next("transcript"))["line"]["event_id"] == "e1"


async def test_client_sent_connect_events_are_ignored(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any, tokens: Any
) -> None:
    widget = await connect_widget(agent="agent-1")
    other_agent = tokens.mint("acme", "agent-2")

    for _ in range(3):
        # Shaped like the server's own call: (environ, auth).
        await widget.client.emit("connect", ({}, {"token": other_agent}), namespace="/agent")
    await widget.call("search", {"query": "router"})
    assigned = event("agent.assigned", "a1", agent_id="agent-2", queue="billing")
    await client.post(
        "/api/v1/events", json=assigned, headers={"Authorization": f"Bearer {api_keys['acme']}"}
    )
    await widget.call("search", {"query": "router"})

    assert await connected_widgets(client) == 1.0
    assert widget.pending("assigned") == 0  # still agent-1: agent-2's assignment not heard


async def test_real_disconnects_still_count(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    first = await connect_widget()
    await connect_widget()
    assert await connected_widgets(client) == 2.0

    await first.client.disconnect()

    async def one_left() -> bool:
        return await connected_widgets(client) == 1.0

    await eventually(one_left, what="one connected widget")
