"""No tenant can see or touch another tenant's data."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import JOURNAL, STATE
from tests.fixtures.app import customer_says, event


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_api_key_cannot_post_another_tenants_events(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    forged = {**customer_says("e1", "launch window please"), "tenant_id": "globex"}

    response = await client.post("/api/v1/events", json=forged, headers=auth(api_keys["acme"]))

    assert response.status == 403
    assert (await response.json())["field"] == "tenant_id"
    assert (await client.app[JOURNAL].snapshot("globex", "conv-1")).transcript == []


async def test_token_cannot_join_another_tenants_conversation(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    globex_says = {**customer_says("g1", "book a launch window"), "tenant_id": "globex"}
    await client.post("/api/v1/events", json=globex_says, headers=auth(api_keys["globex"]))
    # Even a supervisor of acme reads acme's conversation of that id, which is empty.
    intruder = await connect_widget(tenant="acme", supervisor=True)

    await intruder.call("join", {"conversation_id": "conv-1"})
    snapshot = await intruder.next("snapshot")
    more = {**customer_says("g2", "and the backup window"), "tenant_id": "globex"}
    await client.post("/api/v1/events", json=more, headers=auth(api_keys["globex"]))
    owner = await connect_widget(tenant="globex", supervisor=True)
    await owner.call("join", {"conversation_id": "conv-1"})
    owner_snapshot = await owner.next("snapshot")

    assert snapshot["transcript"] == []
    assert snapshot["suggestions"] == []
    assert [line["event_id"] for line in owner_snapshot["transcript"]] == ["g1", "g2"]
    assert intruder.pending("transcript") == 0
    assert intruder.pending("suggestions") == 0


def assigned(agent: str, conversation: str = "conv-1") -> dict[str, Any]:
    return event(
        "agent.assigned", f"a-{agent}-{conversation}", conversation, agent_id=agent, queue="q"
    )


async def test_an_agent_sees_only_the_conversations_assigned_to_them(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await client.post(
        "/api/v1/events",
        json={"events": [assigned("agent-1"), customer_says("e1", "my card number is 4242")]},
        headers=auth(api_keys["acme"]),
    )
    owner = await connect_widget(agent="agent-1")
    colleague = await connect_widget(agent="agent-2")

    mine = await owner.call("join", {"conversation_id": "conv-1"})
    theirs = await colleague.call("join", {"conversation_id": "conv-1"})
    refusal = await colleague.next("error")
    await client.post(
        "/api/v1/events", json=customer_says("e2", "expiry 12/29"), headers=auth(api_keys["acme"])
    )
    await owner.next("snapshot")
    await owner.next("transcript")

    assert mine == {"ok": True}
    assert theirs["ok"] is False
    assert refusal == theirs["error"]
    assert refusal["code"] == "not_assigned"
    assert refusal["field"] == "conversation_id"
    assert colleague.pending("snapshot") == 0
    assert colleague.pending("transcript") == 0
    feedback = {"conversation_id": "conv-1", "suggestion_id": "s-1", "action": "used"}
    assert (await colleague.call("feedback", feedback))["error"]["code"] == "forbidden"


async def test_a_conversation_opens_once_it_is_assigned(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(agent="agent-1")
    early = await widget.call("join", {"conversation_id": "conv-1"})

    await client.post("/api/v1/events", json=assigned("agent-1"), headers=auth(api_keys["acme"]))
    heard = await widget.next("assigned")
    later = await widget.call("join", {"conversation_id": "conv-1"})

    assert early["error"]["code"] == "not_assigned"
    assert heard["conversation_id"] == "conv-1"
    assert later == {"ok": True}
    assert (await widget.next("snapshot"))["agent_id"] == "agent-1"


async def test_the_previous_agent_keeps_the_conversation_after_a_transfer(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    transfer = {"events": [assigned("agent-1"), {**assigned("agent-2"), "provider_event_id": "t"}]}
    await client.post("/api/v1/events", json=transfer, headers=auth(api_keys["acme"]))

    for agent in ("agent-1", "agent-2"):
        widget = await connect_widget(agent=agent)
        assert await widget.call("join", {"conversation_id": "conv-1"}) == {"ok": True}


async def test_a_supervisor_sees_any_conversation_of_the_tenant(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await client.post(
        "/api/v1/events",
        json={"events": [assigned("agent-1"), customer_says("e1", "router broken")]},
        headers=auth(api_keys["acme"]),
    )
    supervisor = await connect_widget(agent="lead-1", supervisor=True)

    joined = await supervisor.call("join", {"conversation_id": "conv-1"})
    snapshot = await supervisor.next("snapshot")

    assert joined == {"ok": True}
    assert [line["event_id"] for line in snapshot["transcript"]] == ["e1"]


async def test_search_only_reaches_the_agents_own_knowledge_base(connect_widget: Any) -> None:
    acme = await connect_widget(tenant="acme")
    globex = await connect_widget(tenant="globex")

    acme_results = (await acme.call("search", {"query": "orbital launch window booking"}))[
        "results"
    ]
    globex_results = (await globex.call("search", {"query": "orbital launch window booking"}))[
        "results"
    ]

    assert acme_results == []
    assert globex_results[0]["title"] == "Booking an orbital launch window"


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"Authorization": "Bearer cc_nothing_here"},
        {"Authorization": "Basic abc"},
        {"X-Api-Key": ""},
    ],
)
async def test_api_requires_a_valid_key(
    client: TestClient[Any, Any], header: dict[str, str]
) -> None:
    response = await client.post("/api/v1/events", json=customer_says("e1", "hi"), headers=header)

    assert response.status == 401
    assert (await response.json())["code"] == "unauthenticated"
    assert (await client.app[JOURNAL].snapshot("acme", "conv-1")).transcript == []


async def test_x_api_key_header_is_accepted(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/events", json=customer_says("e1", "hi"), headers={"X-Api-Key": api_keys["acme"]}
    )
    assert response.status == 200


async def test_an_agent_opens_a_conversation_their_own_desktop_reported(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    # What the desktop bridge records when the agent's desktop reports the conversation.
    await client.app[STATE].bind_reporting_agent("acme", "conv-9", "agent-1")
    reporter = await connect_widget(agent="agent-1")
    colleague = await connect_widget(agent="agent-2")

    assert await reporter.call("join", {"conversation_id": "conv-9"}) == {"ok": True}
    refused = await colleague.call("join", {"conversation_id": "conv-9"})
    assert refused["error"]["code"] == "not_assigned"
