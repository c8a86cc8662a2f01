"""A widget that missed events catches up from its last position, and Redis losing everything
loses nothing the agent was shown: positions go on, redeliveries are recognised, access holds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from server.app import create_app
from server.auth.tokens import TokenService
from server.keys import JOURNAL, SOCKETS, STATE
from server.realtime.listener import ResyncingRedisManager
from tests.fixtures.app import (
    SECRET,
    Widget,
    customer_says,
    event,
    make_settings,
    open_widget,
    seed_tenants,
)

AGENT_SAYS = {"speaker": "agent", "text": "Let me check that for you"}


async def post(client: TestClient[Any, Any], key: str, body: Any) -> list[str]:
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()
    return [result["status"] for result in (await response.json())["results"]]


async def joined(widget: Widget, conversation_id: str = "conv-1") -> dict[str, Any]:
    assert (await widget.call("join", {"conversation_id": conversation_id}))["ok"]
    snapshot: dict[str, Any] = await widget.next("snapshot")
    return snapshot


async def test_a_widget_rejoining_with_its_position_is_replayed_what_it_missed(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    key = api_keys["acme"]
    first = await connect_widget(supervisor=True)
    await joined(first)
    await post(client, key, event("message", "a1", **AGENT_SAYS))
    held = (await first.next("transcript"))["position"]
    await first.client.disconnect()
    missed = [
        customer_says("c1", "my router keeps dropping and the light is orange"),
        event("participant.held", "h1", media="chat"),
        event("message", "a2", **AGENT_SAYS),
    ]
    await post(client, key, {"events": missed})

    again = await connect_widget(supervisor=True)
    ack = await again.call("join", {"conversation_id": "conv-1", "after": held})
    replay = await again.next("replay")

    assert ack == {"ok": True, "replayed": 4}
    events = [(item["event"], item["data"]["position"]) for item in replay["events"]]
    assert events == [("transcript", 2), ("suggestions", 3), ("status", 4), ("transcript", 5)]
    assert (replay["after"], replay["position"]) == (held, 5)
    assert replay["events"][0]["data"]["line"]["event_id"] == "c1"
    assert replay["events"][1]["data"]["trigger_event_id"] == "c1"
    assert replay["events"][2]["data"]["status"] == "held"
    assert again.pending("snapshot") == 0


async def test_a_card_set_is_replayed_and_shown_to_late_widgets_as_it_was_heard_live(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    live = await connect_widget(supervisor=True)
    await joined(live)
    turn = customer_says("c1", "my router keeps dropping and the light is orange")
    await post(client, api_keys["acme"], turn)
    heard = await live.next("suggestions")

    behind = await connect_widget(supervisor=True)
    assert (await behind.call("join", {"conversation_id": "conv-1", "after": 0}))["ok"]
    replayed = (await behind.next("replay"))["events"]
    late = await connect_widget(supervisor=True)
    snapshot = await joined(late)

    assert heard["items"]
    assert heard["reason"] is None
    assert {"event": "suggestions", "data": heard} in replayed
    assert snapshot["suggestions"] == heard["items"]


async def test_a_widget_ahead_of_the_record_gets_a_snapshot(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    await post(client, api_keys["acme"], customer_says("c1", "hello"))
    widget = await connect_widget(supervisor=True)

    ack = await widget.call("join", {"conversation_id": "conv-1", "after": 40})

    assert ack == {"ok": True}
    snapshot = await widget.next("snapshot")
    record = await client.app[JOURNAL].snapshot("acme", "conv-1")
    # Everything the record holds (the line, and the turn's card set), nothing made up.
    assert 0 < snapshot["position"] == record.position < 40
    assert [line["event_id"] for line in snapshot["transcript"]] == ["c1"]


@pytest.mark.parametrize("after", [-1, "5", True, 5.0, 2**63])
async def test_a_bad_position_is_refused_naming_the_field(
    connect_widget: Any, after: object
) -> None:
    widget = await connect_widget(supervisor=True)

    ack = await widget.call("join", {"conversation_id": "conv-1", "after": after})

    assert ack["ok"] is False
    assert ack["error"]["field"] == "after"


@dataclass
class RedisNode:
    """A server with Redis, and the acme API key."""

    client: TestClient[Any, Any]
    key: str

    @property
    def base_url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")


@pytest.fixture
async def redis_node(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, redis_url: str
) -> RedisNode:
    settings = make_settings(tmp_path, redis_url=redis_url)
    keys = await seed_tenants(settings.database_url)
    return RedisNode(await aiohttp_client(create_app(settings)), keys["acme"])


def agent_token(agent: str = "ada") -> str:
    return TokenService(SECRET, 3600).mint("acme", agent)


@pytest.mark.redis
async def test_redis_losing_everything_loses_nothing_the_agent_was_shown(
    redis_node: RedisNode, redis_url: str
) -> None:
    client, keys, base_url = redis_node.client, redis_node.key, redis_node.base_url
    assigned = event("agent.assigned", "as1", agent_id="ada", queue="billing")
    before = [assigned] + [
        event("message", f"m{i}", speaker="customer" if i % 2 else "agent", text=f"line {i}")
        for i in range(6)
    ]
    await post(client, keys, {"events": before})
    watching = await open_widget(base_url, agent_token())
    shown = await joined(watching)
    redis = Redis.from_url(redis_url)
    await redis.flushall()
    await redis.aclose()

    redelivered = await post(client, keys, {"events": before})
    after = await post(client, keys, customer_says("m6", "my refund never arrived"))
    heard = [(await watching.next("transcript"))["line"] for _ in range(7)]

    assert redelivered == ["duplicate"] * len(before)
    assert after == ["processed"]
    # Redeliveries come again at their first positions, which the widget holds already; the
    # new line comes after everything it holds.
    first_seen = {line["event_id"]: line["seq"] for line in shown["transcript"]}
    assert {line["event_id"]: line["seq"] for line in heard[:6]} == first_seen
    assert heard[6]["event_id"] == "m6"
    assert heard[6]["seq"] > shown["position"]
    # The agent may still open the conversation; a fresh widget sees every line once.
    fresh = await open_widget(base_url, agent_token())
    snapshot = await joined(fresh)
    assert [line["event_id"] for line in snapshot["transcript"]] == [f"m{i}" for i in range(7)]
    assert (snapshot["agent_id"], snapshot["queue"]) == ("ada", "billing")
    # Live state was restored from the journal for the assist step.
    recent = await client.app[STATE].recent_lines("acme", "conv-1", 20)
    assert [line.event_id for line in recent] == [f"m{i}" for i in range(7)]
    assert (await client.app[STATE].meta("acme", "conv-1")).queue == "billing"
    for widget in (watching, fresh):
        await widget.client.disconnect()


@pytest.mark.redis
async def test_a_node_whose_listener_was_away_tells_its_widgets_where_the_record_is(
    redis_node: RedisNode, redis_url: str
) -> None:
    client = redis_node.client
    await post(client, redis_node.key, customer_says("m1", "hello"))
    supervisor = TokenService(SECRET, 3600).mint("acme", "sup", supervisor=True)
    widget = await open_widget(redis_node.base_url, supervisor)
    await joined(widget)
    manager = client.app[SOCKETS].manager
    assert isinstance(manager, ResyncingRedisManager)
    before = manager.resubscriptions

    redis = Redis.from_url(redis_url)
    await redis.client_kill_filter(_type="pubsub")
    await redis.aclose()
    resync = await widget.next("resync", within=10)

    assert manager.resubscriptions > before
    position = (await client.app[JOURNAL].snapshot("acme", "conv-1")).position
    assert resync == {"conversation_id": "conv-1", "position": position}
    await widget.client.disconnect()
