"""Handoff context: kept in live state, shown as a context card, searched before anyone speaks."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says, event

ROUTER = {
    "intent": "router keeps dropping the connection",
    "summary": "Caller says the wifi drops every half hour; the hub light flashes orange.",
    "items": [{"label": "Account number", "value": "ACC-88120"}],
}


def handoff(event_id: str = "ctx-1", conversation_id: str = "conv-1", **fields: Any) -> Any:
    return event("context.handoff", event_id, conversation_id, **{**ROUTER, **fields})


async def post(client: TestClient[Any, Any], key: str, *events: Any) -> Any:
    response = await client.post(
        "/api/v1/events", json={"events": list(events)}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_context_and_its_suggestions_arrive_before_anyone_speaks(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    await post(client, api_keys["acme"], handoff())

    card = await widget.next("handoff")
    suggestions = await widget.next("suggestions")
    assert card["conversation_id"] == "conv-1"
    assert (card["intent"], card["summary"]) == (ROUTER["intent"], ROUTER["summary"])
    assert card["items"] == [{"label": "Account number", "value": "ACC-88120"}]
    assert suggestions["trigger_event_id"] == "ctx-1"
    assert suggestions["items"][0]["title"] == "Resetting your home router"
    # The context is not something anyone said: the transcript stays empty.
    assert widget.pending("transcript") == 0


async def test_a_widget_that_joins_later_gets_the_context_and_its_suggestions(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post(client, api_keys["acme"], handoff())

    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    snapshot = await widget.next("snapshot")

    assert snapshot["handoff"]["intent"] == ROUTER["intent"]
    assert snapshot["handoff"]["items"] == [{"label": "Account number", "value": "ACC-88120"}]
    assert snapshot["suggestions"][0]["title"] == "Resetting your home router"
    assert snapshot["transcript"] == []


async def test_the_customers_words_later_still_drive_suggestions(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post(client, api_keys["acme"], handoff())
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    before = await widget.next("snapshot")

    await post(
        client, api_keys["acme"], customer_says("e1", "actually I returned my order, no refund")
    )

    line = await widget.next("transcript")
    suggestions = await widget.next("suggestions")
    # The first line of the transcript, after the context's card set in the record.
    assert before["transcript"] == []
    assert line["line"]["seq"] > before["position"]
    assert suggestions["trigger_event_id"] == "e1"
    assert suggestions["items"][0]["title"] == "Refunds for returned orders"


async def test_a_context_delivered_twice_is_shown_once(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    first = await post(client, api_keys["acme"], handoff())
    second = await post(client, api_keys["acme"], handoff())
    await post(client, api_keys["acme"], handoff("ctx-2", intent="refund for a returned order"))

    assert first["results"][0]["status"] == "processed"
    assert second["results"][0]["status"] == "duplicate"
    assert (await widget.next("handoff"))["event_id"] == "ctx-1"
    assert (await widget.next("handoff"))["event_id"] == "ctx-2"
    assert widget.pending("handoff") == 0


async def test_items_alone_show_a_card_and_search_nothing(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    await post(
        client,
        api_keys["acme"],
        event("context.handoff", "ctx-1", items=[{"label": "Account number", "value": "ACC-1"}]),
        customer_says("e1", "hello"),
    )

    card = await widget.next("handoff")
    await widget.next("transcript")
    # The greeting only makes the server listen; the items were never searched.
    listening = await widget.next("suggestions")
    assert (card["intent"], card["summary"]) == (None, None)
    assert (listening["trigger_event_id"], listening["items"]) == ("e1", [])
    assert listening["reason"] == "listening"
    assert widget.pending("suggestions") == 0


async def test_another_tenants_widget_never_sees_the_context(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post(client, api_keys["acme"], handoff())

    widget = await connect_widget(tenant="globex", supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    snapshot = await widget.next("snapshot")

    assert snapshot["handoff"] is None
    assert snapshot["suggestions"] == []
