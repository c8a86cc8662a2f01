"""Five9 through a whole cuecard server: the widget's forwarded SDK callbacks become the
agent's conversation, its context and its suggestions, routed by the skill like a queue."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import event
from tests.server.api.test_knowledge import KBS, auth, new_kb

from .conftest import fixture, forwarded, metadata

SCENARIO = fixture("call_with_cavs.json")
CALL_ID = "45E471D607A94072A553A1406CC0BF03"
AGENT = "138"
# Only this knowledge base knows the answer: suggestions come from it or not at all.
HUB_LIGHTS = {
    "title": "Orange hub light after a storm",
    "body": "If the hub light flashes orange and the router keeps dropping the connection "
    "after a storm, replace the hub's power supply unit; the line itself is fine.",
}


async def set_up_five9(client: TestClient[Any, Any], key: str) -> None:
    body = {
        "provider": "five9",
        "name": "Five9",
        "settings": {"five9_tenant_id": "131", "handoff_items": ["account_number"]},
    }
    created = await client.post("/api/v1/integrations", json=body, headers=auth(key))
    assert created.status == 201, await created.text()


async def test_an_offered_call_routed_by_its_skill_brings_its_context_and_suggestions(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    key = api_keys["acme"]
    await set_up_five9(client, key)
    kb_id = await new_kb(client, key, "broadband")
    put = await client.put(
        f"{KBS}/{kb_id}/documents/hub-lights", json=HUB_LIGHTS, headers=auth(key)
    )
    assert put.status == 201
    mapped = await client.put(
        "/api/v1/queue-mappings/five9/Broadband Support", json={"kb_id": kb_id}, headers=auth(key)
    )
    assert mapped.status in (200, 201), await mapped.text()
    widget = await connect_widget(agent=AGENT)

    checked = await widget.call(
        "bridge.event",
        {"platform": "five9", "message": {"type": "metadata", "metadata": metadata(SCENARIO)}},
    )
    offered = await widget.call(
        "bridge.event", {"platform": "five9", "message": forwarded(SCENARIO, SCENARIO["events"][0])}
    )

    assert checked == {"ok": True, "accepted": 0, "duplicates": 0, "results": []}
    assert offered["ok"] is True
    assert offered["accepted"] == 3  # started, context, assigned to this agent
    assert await widget.next("assigned") == {
        "conversation_id": CALL_ID,
        "queue": "Broadband Support",
    }
    await widget.call("join", {"conversation_id": CALL_ID})
    snapshot = await widget.next("snapshot")
    assert snapshot["handoff"]["intent"] == "router keeps dropping the connection"
    assert snapshot["handoff"]["items"] == [{"label": "Account number", "value": "ACC-88120"}]
    assert [s["title"] for s in snapshot["suggestions"]] == ["Orange hub light after a storm"]
    assert snapshot["transcript"] == []


async def test_a_desktop_of_another_agent_is_refused_and_nothing_is_stored(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await set_up_five9(client, api_keys["acme"])
    widget = await connect_widget(agent="139")

    reply = await widget.call(
        "bridge.event", {"platform": "five9", "message": forwarded(SCENARIO, SCENARIO["events"][0])}
    )
    other = await connect_widget(agent="lead", supervisor=True)
    await other.call("join", {"conversation_id": CALL_ID})
    snapshot = await other.next("snapshot")

    assert reply["ok"] is False
    assert reply["error"]["code"] == "bridge_refused"
    assert "signed in as agent 138" in reply["error"]["message"]
    assert snapshot["handoff"] is None
    assert snapshot["agent_id"] is None


async def test_a_transcript_posted_for_the_interaction_joins_its_conversation(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    # Five9's events carry no words: a transcriber posts them for the same interaction id.
    await set_up_five9(client, api_keys["acme"])
    widget = await connect_widget(agent=AGENT)
    for message in (
        {"type": "metadata", "metadata": metadata(SCENARIO)},
        forwarded(SCENARIO, SCENARIO["events"][0]),
    ):
        assert (await widget.call("bridge.event", {"platform": "five9", "message": message}))["ok"]
    await widget.call("join", {"conversation_id": CALL_ID})
    await widget.next("snapshot")

    spoken = event(
        "transcript",
        "stt-1",
        CALL_ID,
        provider="transcriber",
        speaker="customer",
        text="I returned my order weeks ago and still no refund",
    )
    posted = await client.post("/api/v1/events", json=spoken, headers=auth(api_keys["acme"]))

    assert posted.status == 200, await posted.text()
    line = await widget.next("transcript")
    suggestions = await widget.next("suggestions")
    assert line["line"]["text"] == "I returned my order weeks ago and still no refund"
    assert suggestions["trigger_event_id"] == "stt-1"
    assert suggestions["items"][0]["title"] == "Refunds for returned orders"
