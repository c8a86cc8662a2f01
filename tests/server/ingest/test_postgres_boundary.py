"""On PostgreSQL, values the database cannot store are refused at the door, never retried."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.errors import InvalidInput
from server.keys import STORE
from tests.fixtures.app import event, make_settings, seed_tenants
from tests.fixtures.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    name = f"nul_{secrets.token_hex(4)}"
    yield postgres_cluster.create_database(name)
    postgres_cluster.drop_database(name)


@pytest.fixture
async def pg_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, pg_url: str
) -> tuple[TestClient[Any, Any], str]:
    keys = await seed_tenants(pg_url)
    client = await aiohttp_client(create_app(make_settings(tmp_path, database_url=pg_url)))
    return client, keys["acme"]


async def test_a_nul_event_is_refused_and_the_rest_goes_through_on_retry(
    pg_client: tuple[TestClient[Any, Any], str],
) -> None:
    client, key = pg_client
    headers = {"Authorization": f"Bearer {key}"}
    good = event("conversation.started", "s1", conversation_id="conv-2", queue="billing")
    bad = event("agent.assigned", "a1", agent_id="agent-7", queue="bill\x00ing")

    refused = await client.post("/api/v1/events", json={"events": [good, bad]}, headers=headers)
    retried = await client.post("/api/v1/events", json={"events": [good]}, headers=headers)

    assert refused.status == 422
    assert (await refused.json())["field"] == "events[1].queue"
    assert retried.status == 200
    assert (await retried.json())["accepted"] == 1
    stored = await client.app[STORE].conversations.get("acme", "conv-2")
    assert stored is not None
    assert stored.queue == "billing"


async def test_nul_in_any_json_body_is_a_422_naming_the_field(
    pg_client: tuple[TestClient[Any, Any], str],
) -> None:
    client, key = pg_client
    headers = {"Authorization": f"Bearer {key}"}
    kb = await (await client.get("/api/v1/knowledge-bases", headers=headers)).json()
    kb_id = kb["items"][0]["id"]

    response = await client.put(
        f"/api/v1/knowledge-bases/{kb_id}/documents/doc-1",
        json={"title": "Refunds", "body": "Refunds take \x00 five days"},
        headers=headers,
    )

    assert response.status == 422
    assert (await response.json())["field"] == "body"


async def test_a_value_the_database_refuses_is_invalid_input_not_a_crash(
    pg_client: tuple[TestClient[Any, Any], str],
) -> None:
    client, _ = pg_client
    store = client.app[STORE]

    with pytest.raises(InvalidInput):
        await store.tenants.create("nul-tenant", "Bad \x00 name", [])

    assert await store.tenants.get("nul-tenant") is None
