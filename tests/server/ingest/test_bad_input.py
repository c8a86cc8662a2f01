"""Bad ingest input gets a clear 4xx naming the field, and changes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import JOURNAL, METRICS
from tests.fixtures.app import customer_says, event


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def assert_nothing_stored(client: TestClient[Any, Any]) -> None:
    snapshot = await client.app[JOURNAL].snapshot("acme", "conv-1")
    assert snapshot.transcript == []
    assert snapshot.suggestions == []


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({**customer_says("e1", "hi"), "speaker": "robot"}, "speaker", 422),
        ({**customer_says("e1", "hi"), "occurred_at": "2026-11-21T10:00:00"}, "occurred_at", 422),
        ({**customer_says("e1", "")}, "text", 422),
        ({**customer_says("e1", "hi"), "kind": "telepathy"}, "kind", 422),
        ({**customer_says("e1", "hi"), "surprise": 1}, "surprise", 422),
        (
            {"events": [customer_says("e1", "fine"), {**customer_says("e2", "x"), "text": 5}]},
            "events[1].text",
            422,
        ),
        ({"events": []}, "events", 422),
        ({"events": "nope"}, "events", 422),
        ("just a string", "body", 422),
    ],
)
async def test_invalid_events_name_the_field_and_store_nothing(
    client: TestClient[Any, Any], api_keys: dict[str, str], body: Any, field: str, status: int
) -> None:
    response = await client.post("/api/v1/events", json=body, headers=auth(api_keys["acme"]))

    assert response.status == status
    error = await response.json()
    assert error["code"] == "invalid_input"
    assert error["field"].endswith(field)
    await assert_nothing_stored(client)


async def test_a_bad_event_in_a_batch_rejects_the_whole_batch(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    batch = {
        "events": [customer_says("e1", "router broken"), event("agent.assigned", "e2", queue="q")]
    }

    response = await client.post("/api/v1/events", json=batch, headers=auth(api_keys["acme"]))
    assert response.status == 422
    assert (await response.json())["field"] == "events[1].agent_id"
    await assert_nothing_stored(client)

    # The valid event was not swallowed by de-duplication: resending it alone works.
    retry = await client.post(
        "/api/v1/events", json=batch["events"][0], headers=auth(api_keys["acme"])
    )
    assert (await retry.json())["accepted"] == 1


async def test_malformed_json_is_a_400(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/events", data=b'{"kind": "message",', headers=auth(api_keys["acme"])
    )
    assert response.status == 400
    assert (await response.json())["code"] == "malformed_body"


async def test_oversized_body_is_a_413(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    huge = customer_says("e1", "x" * 19_000)
    body = {"events": [{**huge, "provider_event_id": f"e{i}"} for i in range(60)]}

    response = await client.post(
        "/api/v1/events", data=io.BytesIO(json.dumps(body).encode()), headers=auth(api_keys["acme"])
    )

    assert response.status == 413
    assert (await response.json())["code"] == "body_too_large"
    await assert_nothing_stored(client)


async def test_too_many_events_is_a_413(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    body = {"events": [customer_says(f"e{i}", "hi") for i in range(501)]}

    response = await client.post("/api/v1/events", json=body, headers=auth(api_keys["acme"]))

    assert response.status == 413
    assert (await response.json())["field"] == "events"


async def test_rejections_are_counted(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    await client.post("/api/v1/events", data=b"nope", headers=auth(api_keys["acme"]))

    rejected = client.app[METRICS].events_rejected.labels("malformed_body")._value.get()
    assert rejected == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        json.dumps(customer_says("e1", "hi"))[:-1].encode() + b', "n": 1' + b"7" * 5_000 + b"}",
    ],
    ids=["nested-10000-deep", "nested-100000-deep", "5000-digit-integer"],
)
async def test_pathological_json_is_a_400_not_a_500(
    client: TestClient[Any, Any], api_keys: dict[str, str], raw: bytes
) -> None:
    response = await client.post("/api/v1/events", data=raw, headers=auth(api_keys["acme"]))

    assert response.status == 400
    assert (await response.json())["code"] == "malformed_body"
    await assert_nothing_stored(client)


async def test_a_body_that_is_not_the_gzip_it_claims_is_a_400(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    headers = {**auth(api_keys["acme"]), "Content-Encoding": "gzip"}
    body = json.dumps(customer_says("e1", "hi")).encode()

    response = await client.post("/api/v1/events", data=body, headers=headers)

    assert response.status == 400
    assert (await response.json())["code"] == "malformed_body"
    await assert_nothing_stored(client)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"conversation_id": "conv\x00-1"}, "events[1].conversation_id"),
        ({"queue": "billing\x00"}, "events[1].queue"),
        ({"provider_event_id": "\x00e2"}, "events[1].provider_event_id"),
        ({"text": "my card \x00 ends"}, "events[1].text"),
        # C1 controls and Unicode line separators break log lines as \n does.
        ({"conversation_id": "conv-1\x85forged log line"}, "events[1].conversation_id"),
        ({"provider_event_id": "e2\x9b[31m"}, "events[1].provider_event_id"),
        ({"queue": "billing\u2028forged"}, "events[1].queue"),
        ({"provider": "te\u2029st"}, "events[1].provider"),
    ],
)
async def test_nul_characters_are_refused_at_the_door(
    client: TestClient[Any, Any], api_keys: dict[str, str], fields: dict[str, str], field: str
) -> None:
    second = {**customer_says("e2", "hi"), **fields}
    batch = {"events": [customer_says("e1", "router broken"), second]}

    response = await client.post("/api/v1/events", json=batch, headers=auth(api_keys["acme"]))

    assert response.status == 422
    assert (await response.json())["field"] == field
    await assert_nothing_stored(client)


async def test_nul_in_an_agent_id_is_refused(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    assigned = event("agent.assigned", "a1", agent_id="agent\x00-7", queue="billing")

    response = await client.post("/api/v1/events", json=assigned, headers=auth(api_keys["acme"]))

    assert response.status == 422
    assert (await response.json())["field"] == "agent_id"


@pytest.mark.parametrize(
    "bad",
    [
        {"text": "my card \x00 ends"},
        {"speaker": "robot"},
        {"occurred_at": "yesterday"},
        {"tenant_id": "globex"},
        {"surprise": {"deep": [[[1]]]}},
        {"text": "\ud800 lone surrogate"},
    ],
    ids=["nul", "enum", "datetime", "other-tenant", "extra-field", "lone-surrogate"],
)
async def test_a_lone_event_is_refused_as_the_same_event_in_a_batch_is(
    client: TestClient[Any, Any], api_keys: dict[str, str], bad: dict[str, Any]
) -> None:
    # A lone event is parsed and validated in one pass; a batch item field by field.
    item = {**customer_says("e1", "hi"), **bad}

    lone = await client.post("/api/v1/events", json=item, headers=auth(api_keys["acme"]))
    batch = await client.post(
        "/api/v1/events", json={"events": [item]}, headers=auth(api_keys["acme"])
    )

    assert lone.status == batch.status
    assert lone.status in (403, 422)
    lone_error, batch_error = await lone.json(), await batch.json()
    assert lone_error["code"] == batch_error["code"]
    assert f"events[0].{lone_error['field']}" == batch_error["field"]
    assert lone_error["message"] == batch_error["message"]
    await assert_nothing_stored(client)


@pytest.mark.parametrize(
    "occurred_at",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"],
    ids=["utc-year-10000", "utc-year-0"],
)
@pytest.mark.parametrize("kind", ["conversation.started", "conversation.ended"])
async def test_a_time_without_a_utc_date_is_a_422_not_a_500(
    client: TestClient[Any, Any], api_keys: dict[str, str], kind: str, occurred_at: str
) -> None:
    # Valid ISO 8601 with an offset, but out of Python's years once converted to UTC.
    batch = {"events": [customer_says("e1", "router broken"), event(kind, "e2")]}
    batch["events"][1]["occurred_at"] = occurred_at

    response = await client.post("/api/v1/events", json=batch, headers=auth(api_keys["acme"]))

    assert response.status == 422
    error = await response.json()
    assert error["code"] == "invalid_input"
    assert error["field"] == "events[1].occurred_at"
    await assert_nothing_stored(client)
