"""A widget cannot flood search, feedback or joins, and repeating a verdict stores it once."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import STORE
from server.realtime.namespace import FEEDBACK_LIMIT, JOIN_LIMIT, SEARCH_LIMIT


def feedback(suggestion_id: str, action: str = "used") -> dict[str, str]:
    return {"conversation_id": "conv-1", "suggestion_id": suggestion_id, "action": action}


async def test_searches_beyond_the_limit_are_refused_naming_it(connect_widget: Any) -> None:
    widget = await connect_widget()
    other_agent = await connect_widget(agent="agent-2")

    acks = [await widget.call("search", {"query": "router"}) for _ in range(SEARCH_LIMIT.limit)]
    refused = await widget.call("search", {"query": "router"})
    error = await widget.next("error")
    elsewhere = await other_agent.call("search", {"query": "router"})

    assert all(ack["ok"] for ack in acks)
    assert refused["ok"] is False
    assert error == refused["error"]
    assert error["code"] == "rate_limited"
    assert error["field"] == "search"
    limit = f"{SEARCH_LIMIT.limit} searches per {SEARCH_LIMIT.seconds:.0f} seconds"
    assert limit in error["message"]
    assert elsewhere["ok"] is True


async def test_a_second_socket_of_the_same_agent_shares_the_budget(connect_widget: Any) -> None:
    first = await connect_widget()
    second = await connect_widget()

    for _ in range(SEARCH_LIMIT.limit):
        await first.call("search", {"query": "router"})
    refused = await second.call("search", {"query": "router"})

    assert refused["error"]["code"] == "rate_limited"


async def test_feedback_beyond_the_limit_is_refused_and_not_stored(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})

    acks = [await widget.call("feedback", feedback(f"s-{i}")) for i in range(FEEDBACK_LIMIT.limit)]
    refused = await widget.call("feedback", feedback("one-too-many"))

    assert all(ack["ok"] for ack in acks)
    assert refused["error"]["code"] == "rate_limited"
    assert refused["error"]["field"] == "feedback"
    stored = await client.app[STORE].feedback.list("acme", "conv-1")
    assert len(stored) == FEEDBACK_LIMIT.limit
    assert "one-too-many" not in {f.suggestion_id for f in stored}


async def test_the_same_verdict_is_stored_once(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})

    repeats = [await widget.call("feedback", feedback("s-1")) for _ in range(5)]
    changed_mind = await widget.call("feedback", feedback("s-1", "dismissed"))

    assert all(ack == {"ok": True} for ack in [*repeats, changed_mind])
    stored = await client.app[STORE].feedback.list("acme", "conv-1")
    assert [(f.suggestion_id, f.action) for f in stored] == [("s-1", "used"), ("s-1", "dismissed")]


async def test_joins_beyond_the_limit_are_refused_and_answered_with_nothing(
    connect_widget: Any,
) -> None:
    widget = await connect_widget(supervisor=True)
    join = {"conversation_id": "conv-1"}

    for _ in range(JOIN_LIMIT.limit):
        assert (await widget.call("join", join))["ok"]
        await widget.next("snapshot")
    refused = await widget.call("join", join)
    error = await widget.next("error")

    assert refused["ok"] is False
    assert (error["code"], error["field"]) == ("rate_limited", "join")
    assert widget.pending("snapshot") == 0
