"""A widget connected over Socket.IO sees the conversation and its suggestions live."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says, event


async def post(client: TestClient[Any, Any], key: str, body: Any) -> Any:
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def assign(
    client: TestClient[Any, Any], key: str, agent: str = "agent-1", conversation: str = "conv-1"
) -> None:
    """The platform connects ``agent`` to the conversation: from now on it is theirs to see."""
    assigned = event(
        "agent.assigned", f"assign-{agent}", conversation, agent_id=agent, queue="support"
    )
    await post(client, key, assigned)


async def test_customer_message_reaches_the_widget_with_suggestions(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await assign(client, api_keys["acme"])
    widget = await connect_widget()
    assert await widget.call("join", {"conversation_id": "conv-1"}) == {"ok": True}
    snapshot = await widget.next("snapshot")
    assert snapshot["transcript"] == []

    await post(
        client, api_keys["acme"], customer_says("e1", "my router keeps dropping, lights orange")
    )

    line = await widget.next("transcript")
    assert line["conversation_id"] == "conv-1"
    # The assignment's status is the conversation's first entry, the line the next one.
    assert line["position"] == line["line"]["seq"] == snapshot["position"] + 1 == 2
    assert line["line"]["speaker"] == "customer"
    suggestions = await widget.next("suggestions")
    assert suggestions["trigger_event_id"] == "e1"
    top = suggestions["items"][0]
    assert top["title"] == "Resetting your home router"
    assert top["source"] == {
        "document_id": "router-reset",
        "url": "https://acme.example/kb/router-reset",
    }
    assert top["kind"] == "article"
    assert top["snippet"]


async def test_late_widget_gets_transcript_and_latest_suggestions(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post(
        client,
        api_keys["acme"],
        {
            "events": [
                customer_says("e1", "hi there"),
                event("message", "e2", speaker="agent", text="Hello, how can I help?"),
                customer_says("e3", "I returned my order and still no refund"),
            ]
        },
    )
    await assign(client, api_keys["acme"])

    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "conv-1"})
    snapshot = await widget.next("snapshot")

    seqs = [line["seq"] for line in snapshot["transcript"]]
    # Positions in the record: increasing, with gaps where the turns' card sets were recorded.
    assert len(seqs) == 3
    assert seqs == sorted(set(seqs))
    assert [line["speaker"] for line in snapshot["transcript"]] == ["customer", "agent", "customer"]
    assert snapshot["suggestions"][0]["title"] == "Refunds for returned orders"


async def test_agent_assignment_reaches_widgets_opened_before_and_after(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    early = await connect_widget(agent="agent-7")
    await post(
        client, api_keys["acme"], event("agent.assigned", "a1", agent_id="agent-7", queue="billing")
    )

    assert await early.next("assigned") == {"conversation_id": "conv-1", "queue": "billing"}
    late = await connect_widget(agent="agent-7")
    assert await late.next("assigned") == {"conversation_id": "conv-1", "queue": "billing"}
    other_agent = await connect_widget(agent="agent-8")
    # An acknowledged request proves the connect-time messages have all arrived.
    await other_agent.call("search", {"query": "router"})
    assert other_agent.pending("assigned") == 0


async def test_duplicate_delivery_reaches_the_widget_once(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await assign(client, api_keys["acme"])
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    message = customer_says("e1", "my router keeps dropping")

    first = await post(client, api_keys["acme"], message)
    second = await post(client, api_keys["acme"], message)
    await post(client, api_keys["acme"], customer_says("e2", "still dropping"))

    assert first["results"] == [{"provider_event_id": "e1", "status": "processed"}]
    assert second["results"] == [{"provider_event_id": "e1", "status": "duplicate"}]
    assert (await widget.next("transcript"))["line"]["event_id"] == "e1"
    assert (await widget.next("transcript"))["line"]["event_id"] == "e2"


async def test_status_changes_are_pushed(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await assign(client, api_keys["acme"])
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    await post(
        client,
        api_keys["acme"],
        {
            "events": [
                event("conversation.started", "s1", media="voice", queue="support"),
                event("participant.held", "h1", media="voice"),
                event("participant.resumed", "r1", media="voice"),
                event("conversation.ended", "x1"),
            ]
        },
    )

    statuses = [(await widget.next("status"))["status"] for _ in range(4)]
    assert statuses == ["open", "held", "open", "ended"]


async def test_search_returns_ranked_articles(
    connect_widget: Any, client: TestClient[Any, Any]
) -> None:
    widget = await connect_widget()

    ack = await widget.call("search", {"query": "data not working abroad"})

    assert ack["ok"] is True
    assert ack["results"][0]["title"] == "Using mobile data abroad"


async def test_feedback_is_recorded_for_a_joined_conversation(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await assign(client, api_keys["acme"])
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "conv-1"})

    ack = await widget.call(
        "feedback", {"conversation_id": "conv-1", "suggestion_id": "s-1", "action": "used"}
    )

    assert ack == {"ok": True}
    from server.keys import STORE

    recorded = await client.app[STORE].feedback.list("acme", "conv-1")
    assert [(f.suggestion_id, f.action, f.agent_id) for f in recorded] == [
        ("s-1", "used", "agent-1")
    ]
