"""Two server processes sharing Redis and PostgreSQL behave as one service."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from server.auth.tokens import TokenService
from tests.fixtures.app import SECRET, customer_says, open_widget, seed_tenants
from tests.fixtures.nodes import Node, running_node
from tests.fixtures.postgres import PostgresCluster

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def cluster_env(postgres_cluster: PostgresCluster, redis_url: str) -> Iterator[dict[str, str]]:
    name = f"nodes_{secrets.token_hex(4)}"
    database_url = postgres_cluster.create_database(name)
    yield {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    postgres_cluster.drop_database(name)


@pytest.fixture
async def api_key(cluster_env: dict[str, str]) -> str:
    keys = await seed_tenants(cluster_env["DATABASE_URL"])
    return keys["acme"]


@pytest.fixture
def nodes(cluster_env: dict[str, str], api_key: str, tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    with (
        running_node(cluster_env, tmp_path / "a.log") as a,
        running_node(cluster_env, tmp_path / "b.log") as b,
    ):
        yield a, b


async def post(session: aiohttp.ClientSession, node: Node, key: str, body: object) -> str:
    """POST like a platform: while the event is in progress elsewhere, retry as told."""
    while True:
        async with session.post(
            f"{node.base_url}/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
        ) as response:
            result = await response.json()
            if response.status == 503 and result["code"] == "in_progress":
                await asyncio.sleep(float(response.headers["Retry-After"]))
                continue
            assert response.status == 200, result
            return str(result["results"][0]["status"])


async def test_widget_on_node_b_gets_node_a_events_exactly_once(
    nodes: tuple[Node, Node], api_key: str
) -> None:
    node_a, node_b = nodes
    widget = await open_widget(
        node_b.base_url, TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)
    )
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    message = customer_says("e1", "my router keeps dropping and the lights are orange")

    async with aiohttp.ClientSession() as session:
        on_a = await post(session, node_a, api_key, message)
        on_b = await post(session, node_b, api_key, message)
        suggestions = await widget.next("suggestions", within=10)
        # A later event proves the pipeline is still flowing, so silence above is meaningful.
        await post(session, node_a, api_key, customer_says("e2", "still dropping"))
        await widget.next("suggestions", within=10)

    assert (on_a, on_b) == ("processed", "duplicate")
    assert suggestions["trigger_event_id"] == "e1"
    assert suggestions["items"][0]["title"] == "Resetting your home router"
    lines = [(await widget.next("transcript"))["line"]["event_id"] for _ in range(2)]
    assert lines == ["e1", "e2"]
    assert widget.pending("transcript") == 0
    assert widget.pending("suggestions") == 0
    await widget.client.disconnect()


async def test_simultaneous_deliveries_to_both_nodes_process_once(
    nodes: tuple[Node, Node], api_key: str
) -> None:
    node_a, node_b = nodes
    widget = await open_widget(
        node_a.base_url, TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)
    )
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(
            *(
                post(session, node, api_key, customer_says(f"e{i}", f"refund question {i}"))
                for i in range(10)
                for node in (node_a, node_b)
            )
        )
        await post(session, node_b, api_key, customer_says("last", "thanks"))
        seen = [(await widget.next("transcript", within=10))["line"] for _ in range(11)]

    assert statuses.count("processed") == 10
    assert statuses.count("duplicate") == 10
    assert sorted(line["event_id"] for line in seen) == sorted(
        [f"e{i}" for i in range(10)] + ["last"]
    )
    # Each line once, at its own position in the record (both nodes number from it).
    assert len({line["seq"] for line in seen}) == 11
    await widget.client.disconnect()


async def test_late_widget_on_either_node_sees_the_same_snapshot(
    nodes: tuple[Node, Node], api_key: str
) -> None:
    node_a, node_b = nodes
    async with aiohttp.ClientSession() as session:
        await post(session, node_a, api_key, customer_says("e1", "data not working abroad"))
        await post(session, node_b, api_key, customer_says("e2", "in Spain on holiday"))
    token = TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)

    snapshots = []
    for node in (node_a, node_b):
        widget = await open_widget(node.base_url, token)
        await widget.call("join", {"conversation_id": "conv-1"})
        snapshots.append(await widget.next("snapshot"))
        await widget.client.disconnect()

    assert snapshots[0] == snapshots[1]
    assert [line["event_id"] for line in snapshots[0]["transcript"]] == ["e1", "e2"]
    assert snapshots[0]["suggestions"][0]["title"] == "Using mobile data abroad"
