"""The event inspector: every event's outcome, newest first, customer text withheld."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import STATE
from tests.fixtures.app import customer_says, event, fail_once, make_settings, seed_tenants

RECENT = "/api/v1/events/recent"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def post(client: TestClient[Any, Any], key: str, body: Any) -> int:
    response = await client.post("/api/v1/events", json=body, headers=auth(key))
    return response.status


async def recent(client: TestClient[Any, Any], key: str, **query: str) -> list[dict[str, Any]]:
    response = await client.get(RECENT, params=query, headers=auth(key))
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_delivered_then_duplicate_newest_first(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    message = customer_says("m-1", "my router keeps dropping")
    await post(client, key, message)
    await post(client, key, message)

    duplicate, delivered = await recent(client, key)

    assert delivered["outcome"] == "delivered"
    assert duplicate["outcome"] == "duplicate"
    for record in (delivered, duplicate):
        assert record["kind"] == "message"
        assert record["conversation_id"] == "conv-1"
        assert record["provider"] == "test"
        assert record["provider_event_id"] == "m-1"
        assert record["latency_ms"] >= 0
        assert record["has_text"] is True
        assert "text" not in record
    assert delivered["received_at"] <= duplicate["received_at"]


async def test_bad_body_is_recorded_as_rejected_naming_the_field(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    bad = {**customer_says("m-2", "hello"), "speaker": "robot"}

    assert await post(client, api_keys["acme"], bad) == 422
    (record,) = await recent(client, api_keys["acme"])

    assert record["outcome"] == "rejected"
    assert record["reason"] == "invalid_input"
    assert record["field"] == "speaker"
    assert record["provider_event_id"] == "m-2"
    assert record["has_text"] is False


async def test_rejected_batch_names_the_offending_event(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    batch = {"events": [customer_says("ok-1", "fine"), {**customer_says("bad-1", "x"), "text": 5}]}

    assert await post(client, api_keys["acme"], batch) == 422
    (record,) = await recent(client, api_keys["acme"])

    assert record["field"] == "events[1].text"
    assert record["provider_event_id"] == "bad-1"


async def test_event_for_another_tenant_is_rejected_for_the_sender_only(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    forged = {**customer_says("f-1", "let me in"), "tenant_id": "globex"}

    assert await post(client, api_keys["acme"], forged) == 403
    (record,) = await recent(client, api_keys["acme"])

    assert record["outcome"] == "rejected"
    assert record["reason"] == "forbidden"
    assert record["field"] == "tenant_id"
    assert await recent(client, api_keys["globex"]) == []


async def test_unparseable_body_is_rejected_without_identity(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/events", data=b"{not json", headers=auth(api_keys["acme"])
    )

    assert response.status == 400
    (record,) = await recent(client, api_keys["acme"])
    assert record["reason"] == "malformed_body"
    assert record["provider_event_id"] is None


async def test_failed_processing_is_recorded_and_the_retry_delivered(
    client: TestClient[Any, Any], api_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, client.app[STATE], "append_line")
    message = customer_says("m-3", "hello?")

    assert await post(client, api_keys["acme"], message) == 503
    assert await post(client, api_keys["acme"], message) == 200
    delivered, failed = await recent(client, api_keys["acme"])

    assert (failed["outcome"], failed["reason"]) == ("failed", "unavailable")
    assert delivered["outcome"] == "delivered"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "conversation.started"}, ["s-1"]),
        ({"conversation_id": "conv-2"}, ["m-2"]),
        ({"outcome": "duplicate"}, ["m-1"]),
        ({"provider": "genesys"}, ["g-1"]),
        ({"kind": "message", "outcome": "delivered"}, ["g-1", "m-2", "m-1"]),
        ({"limit": "2"}, ["m-1", "g-1"]),
        ({"kind": "", "provider": ""}, ["m-1", "g-1", "m-2", "m-1", "s-1"]),
    ],
)
async def test_filters(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    query: dict[str, str],
    expected: list[str],
) -> None:
    key = api_keys["acme"]
    await post(client, key, event("conversation.started", "s-1"))
    await post(client, key, customer_says("m-1", "first"))
    await post(client, key, customer_says("m-2", "elsewhere", conversation_id="conv-2"))
    await post(client, key, {**customer_says("g-1", "from genesys"), "provider": "genesys"})
    await post(client, key, customer_says("m-1", "first"))

    records = await recent(client, key, **query)

    assert [record["provider_event_id"] for record in records] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "telepathy"}, "kind"),
        ({"outcome": "lost"}, "outcome"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"conversation_id": "x" * 201}, "conversation_id"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_query_is_refused_naming_the_field(
    client: TestClient[Any, Any], api_keys: dict[str, str], query: dict[str, str], field: str
) -> None:
    response = await client.get(RECENT, params=query, headers=auth(api_keys["acme"]))

    assert response.status == 422
    body = await response.json()
    assert (body["code"], body["field"]) == ("invalid_input", field)


async def test_ring_keeps_only_the_newest_events(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, inspector_events=10)
    keys = await seed_tenants(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    batch = {"events": [event("participant.held", f"h-{n}", media="voice") for n in range(25)]}
    assert await post(client, keys["acme"], batch) == 200

    records = await recent(client, keys["acme"], limit="1000")

    assert [record["provider_event_id"] for record in records] == [
        f"h-{n}" for n in range(24, 14, -1)
    ]


async def test_inspector_needs_an_api_key(client: TestClient[Any, Any]) -> None:
    response = await client.get(RECENT)

    assert response.status == 401


async def test_a_record_keeps_its_id_from_one_read_to_the_next(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    # The memory store builds a record when it is first read; later reads must find that one.
    key = api_keys["acme"]
    await post(client, key, customer_says("m-1", "my card ends 4242"))

    first = await recent(client, key)
    await post(client, key, customer_says("m-2", "still dropping"))
    second = await recent(client, key)
    revealed = await client.post(f"{RECENT}/{first[0]['id']}:reveal", headers=auth(key))

    assert [record["id"] for record in second][1:] == [record["id"] for record in first]
    assert revealed.status == 200, await revealed.text()
    assert (await revealed.json())["text"] == "my card ends 4242"


@pytest.mark.redis
async def test_a_refused_body_that_is_not_text_leaves_every_tenants_records_readable(
    aiohttp_client: Any, tmp_path: Path, redis_url: str
) -> None:
    # \udfff parses (json allows the escape) but no UTF-8 record can hold it: written as it
    # was, it failed the whole batch of records, every tenant's, and the reading request.
    settings = make_settings(tmp_path, redis_url=redis_url)
    keys = await seed_tenants(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    theirs = customer_says("g-1", "hello", tenant_id="globex")
    assert await post(client, keys["globex"], theirs) == 200
    refused = {**customer_says("m-1", "x"), "conversation_id": "c\udfff", "kind": "k\udfff"}
    response = await client.post(
        "/api/v1/events", data=json.dumps([refused]).encode(), headers=auth(keys["acme"])
    )
    assert response.status == 422

    (record,) = await recent(client, keys["acme"])
    (delivered,) = await recent(client, keys["globex"])

    assert (record["outcome"], record["provider_event_id"]) == ("rejected", "m-1")
    assert record["conversation_id"] == "c\ufffd"
    assert (delivered["outcome"], delivered["provider_event_id"]) == ("delivered", "g-1")
