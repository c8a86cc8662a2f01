"""``bridge.event``: a desktop's messages, forwarded by the widget, become a live conversation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import JOURNAL, STATE
from server.state.base import Claim, event_key
from tests.fixtures.app import Widget, event
from tests.fixtures.bridge import bridged, host, opening

ROUTER = "my router keeps dropping, the lights go orange"


async def report(widget: Widget, *messages: dict[str, Any]) -> list[Any]:
    """Forward messages one after the other, as the widget does; their acks."""
    return [await widget.call("bridge.event", bridged(message)) for message in messages]


async def post_events(client: TestClient[Any, Any], key: str, body: Any) -> None:
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()


async def transcript(
    client: TestClient[Any, Any], conversation_id: str, tenant: str = "acme"
) -> list[str]:
    snapshot = await client.app[JOURNAL].snapshot(tenant, conversation_id)
    return [line.text for line in snapshot.transcript]


async def test_a_reported_conversation_reaches_the_widget_with_suggestions(
    connect_widget: Any,
) -> None:
    widget = await connect_widget()
    acks = await report(widget, *opening())
    assert [ack["accepted"] for ack in acks] == [1, 1]

    assert await widget.next("assigned") == {"conversation_id": "desk-1", "queue": "support"}
    assert await widget.call("join", {"conversation_id": "desk-1"}) == {"ok": True}
    await widget.next("snapshot")
    [ack] = await report(widget, host("line", speaker="customer", text=ROUTER, queue="support"))

    assert ack["ok"] is True
    assert ack["accepted"] == 1
    assert ack["results"][0]["status"] == "processed"
    assert ack["results"][0]["provider_event_id"].startswith("desktop:desk-1:")
    line = await widget.next("transcript")
    assert (line["line"]["speaker"], line["line"]["text"]) == ("customer", ROUTER)
    suggestions = await widget.next("suggestions")
    assert suggestions["items"][0]["title"] == "Resetting your home router"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            bridged(host("line", speaker="customer", text="hi") | {"conversation_id": ""}),
            "message.conversation_id",
        ),
        (
            bridged({k: v for k, v in host("line", text="hi").items() if k != "conversation_id"}),
            "message.conversation_id",
        ),
        (bridged(host("line", speaker="robot", text="hi")), "message.speaker"),
        (bridged(host("transfer")), "message.type"),
        (
            bridged(host("line", speaker="customer", text="hi", tenant_id="globex")),
            "message.tenant_id",
        ),
        (bridged("line: hi"), "message"),
        ({"message": host("line", speaker="customer", text="hi")}, "platform"),
        ({"platform": "simulator"}, "message"),
        (bridged(host("line", speaker="customer", text="hi")) | {"agent_id": "x"}, "agent_id"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    client: TestClient[Any, Any], connect_widget: Any, payload: Any, field: str
) -> None:
    widget = await connect_widget()
    ack = await widget.call("bridge.event", payload)

    assert ack["ok"] is False
    assert (ack["error"]["code"], ack["error"]["field"]) == ("invalid_input", field)
    assert await widget.next("error") == ack["error"]
    assert await transcript(client, "desk-1") == []
    assert await client.app[STATE].reporting_agent("acme", "desk-1") is None


@pytest.mark.parametrize("platform", ["genesys", "nonexistent"])
async def test_a_platform_without_a_desktop_bridge_is_refused(
    connect_widget: Any, platform: str
) -> None:
    widget = await connect_widget()
    ack = await widget.call("bridge.event", bridged(opening()[0], platform=platform))
    assert ack["ok"] is False
    assert (ack["error"]["code"], ack["error"]["field"]) == ("invalid_input", "platform")
    assert "no desktop bridge" in ack["error"]["message"]


@pytest.mark.parametrize("desktop_tenants", [("globex",)])
async def test_a_tenant_without_the_platform_enabled_is_refused(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget(tenant="acme")
    ack = await widget.call("bridge.event", bridged(opening()[0]))

    assert ack["ok"] is False
    assert (ack["error"]["code"], ack["error"]["field"]) == ("forbidden", "platform")
    assert "not enabled" in ack["error"]["message"]
    assert (await client.app[STATE].meta("acme", "desk-1")).status == "open"
    assert await client.app[STATE].reporting_agent("acme", "desk-1") is None


async def test_another_agents_desktop_cannot_write_into_a_reported_conversation(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    ada = await connect_widget(agent="ada")
    await report(ada, *opening(), host("line", speaker="customer", text=ROUTER))
    assert await transcript(client, "desk-1") == [ROUTER]

    mallory = await connect_widget(agent="mallory")
    refusals = await report(
        mallory,
        host("line", speaker="customer", text="ignore the router, send a refund"),
        host("conversation.accepted", queue="support"),
        host("conversation.ended"),
    )

    for ack in refusals:
        assert ack["ok"] is False
        assert (ack["error"]["code"], ack["error"]["field"]) == (
            "forbidden",
            "message.conversation_id",
        )
    meta = await client.app[STATE].meta("acme", "desk-1")
    assert (meta.agent_id, meta.status) == ("ada", "open")
    assert await transcript(client, "desk-1") == [ROUTER]
    assert await client.app[STATE].reporting_agent("acme", "desk-1") == "ada"
    assert mallory.pending("assigned") == 0


async def test_a_conversation_another_source_reported_cannot_be_written_by_a_desktop(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post_events(client, api_keys["acme"], event("conversation.started", "s1", "api-1"))
    await post_events(
        client,
        api_keys["acme"],
        event("agent.assigned", "a1", "api-2", agent_id="ada", queue="support"),
    )
    widget = await connect_widget(agent="mallory")

    for conversation_id in ("api-1", "api-2"):
        line = host("line", conversation_id, speaker="customer", text="refund me")
        [ack] = await report(widget, line)
        assert ack["error"]["code"] == "forbidden", conversation_id
        assert await transcript(client, conversation_id) == []


async def test_tenants_never_write_into_each_others_conversations(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    globex = await connect_widget(tenant="globex", agent="gil")
    await report(globex, *opening(), host("line", speaker="customer", text="launch window?"))
    acme = await connect_widget(tenant="acme", agent="ada")

    # The same conversation id in acme is acme's own: gil's binding does not reach it.
    acks = await report(acme, *opening(), host("line", speaker="customer", text=ROUTER))

    assert all(ack["ok"] for ack in acks)
    assert await transcript(client, "desk-1", "acme") == [ROUTER]
    assert await transcript(client, "desk-1", "globex") == ["launch window?"]
    assert await client.app[STATE].reporting_agent("acme", "desk-1") == "ada"
    assert await client.app[STATE].reporting_agent("globex", "desk-1") == "gil"
    assert (await client.app[STATE].meta("globex", "desk-1")).agent_id == "gil"
    assert await globex.next("assigned") == {"conversation_id": "desk-1", "queue": "support"}
    assert globex.pending("assigned") == 0
    assert (await acme.next("assigned"))["conversation_id"] == "desk-1"


async def test_a_message_delivered_twice_is_shown_once(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget()
    await report(widget, *opening())
    await widget.call("join", {"conversation_id": "desk-1"})
    await widget.next("snapshot")
    line = host("line", speaker="customer", text=ROUTER)

    first, again = await report(widget, line, line)
    second_tab = await connect_widget()
    [third] = await report(second_tab, line)

    assert (first["accepted"], first["duplicates"]) == (1, 0)
    assert [ack["results"][0]["status"] for ack in (again, third)] == ["duplicate", "duplicate"]
    assert (await widget.next("transcript"))["line"]["text"] == ROUTER
    await widget.next("suggestions")
    # One round trip more: any second transcript event would have arrived before its ack.
    await widget.call("join", {"conversation_id": "desk-1"})
    snapshot = await widget.next("snapshot")
    assert widget.pending("transcript") == 0
    assert [line["text"] for line in snapshot["transcript"]] == [ROUTER]


async def test_a_flooding_connection_is_refused_with_the_limit_named(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget()
    lines = [host("line", speaker="agent", text=f"line {n}") for n in range(101)]

    acks = await asyncio.gather(*(report(widget, line) for line in lines[:100]))
    [refused] = await report(widget, lines[100])

    assert all(ack["ok"] for [ack] in acks)
    assert refused["ok"] is False
    assert refused["error"]["code"] == "rate_limited"
    assert "100 bridge events per 10 seconds" in refused["error"]["message"]
    assert "line 100" not in await transcript(client, "desk-1")
    assert len(await transcript(client, "desk-1")) == 100
    other_tab = await connect_widget()
    [ack] = await report(other_tab, lines[100])
    assert ack["accepted"] == 1


async def test_a_message_another_delivery_is_processing_is_not_acknowledged_as_done(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget()
    await report(widget, *opening())
    await widget.call("join", {"conversation_id": "desk-1"})
    await widget.next("snapshot")
    line = host("line", speaker="customer", text=ROUTER, id="m-busy")
    state = client.app[STATE]
    # Another tab of the agent forwarded the same message and is processing it right now.
    key = event_key("acme", "simulator", "desktop:desk-1:m-busy")
    assert await state.claim_event(key) is Claim.TAKEN

    [busy] = await report(widget, line)
    assert busy["ok"] is False
    assert busy["error"]["code"] == "in_progress"
    assert busy["error"]["field"] == "message"
    # That delivery failed and gave the event back: the widget's retry now processes it.
    await state.release_event(key)
    [retried] = await report(widget, line)

    assert retried["results"] == [
        {"provider_event_id": "desktop:desk-1:m-busy", "status": "processed"}
    ]
    assert (await widget.next("transcript"))["line"]["text"] == ROUTER
    assert await transcript(client, "desk-1") == [ROUTER]
