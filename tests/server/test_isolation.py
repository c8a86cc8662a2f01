"""No tenant can see or touch another tenant's data."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import STATE
from tests.fixtures.app import customer_says


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_api_key_cannot_post_another_tenants_events(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    forged = {**customer_says("e1", "launch window please"), "tenant_id": "globex"}

    response = await client.post("/api/v1/events", json=forged, headers=auth(api_keys["acme"]))

    assert response.status == 403
    assert (await response.json())["field"] == "tenant_id"
    assert (await client.app[STATE].snapshot("globex", "conv-1")).transcript == []


async def test_token_cannot_join_another_tenants_conversation(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    globex_says = {**customer_says("g1", "book a launch window"), "tenant_id": "globex"}
    await client.post("/api/v1/events", json=globex_says, headers=auth(api_keys["globex"]))
    intruder = await connect_widget(tenant="acme")

    await intruder.call("join", {"conversation_id": "conv-1"})
    snapshot = await intruder.next("snapshot")
    more = {**customer_says("g2", "and the backup window"), "tenant_id": "globex"}
    await client.post("/api/v1/events", json=more, headers=auth(api_keys["globex"]))
    owner = await connect_widget(tenant="globex")
    await owner.call("join", {"conversation_id": "conv-1"})
    owner_snapshot = await owner.next("snapshot")

    assert snapshot["transcript"] == []
    assert snapshot["suggestions"] == []
    assert [line["event_id"] for line in owner_snapshot["transcript"]] == ["g1", "g2"]
    assert intruder.pending("transcript") == 0
    assert intruder.pending("suggestions") == 0


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
    assert (await client.app[STATE].snapshot("acme", "conv-1")).transcript == []


async def test_x_api_key_header_is_accepted(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/events", json=customer_says("e1", "hi"), headers={"X-Api-Key": api_keys["acme"]}
    )
    assert response.status == 200
