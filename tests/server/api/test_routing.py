"""Queue mappings, LLM integrations (write-only keys) and tenant settings over REST."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import ROUTES, SECRETS, STORE
from tests.server.api.test_knowledge import auth, new_kb

MAPPINGS = "/api/v1/queue-mappings"
LLMS = "/api/v1/llm-integrations"
API_KEY = "sk-test-Very-Secret-Value-7f3a"


async def test_mapping_crud_and_resolve(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key, "billing")

    created = await client.put(
        f"{MAPPINGS}/genesys/billing",
        json={"kb_id": kb_id, "system_prompt": "Brief."},
        headers=auth(key),
    )
    replaced = await client.put(
        f"{MAPPINGS}/genesys/billing", json={"kb_id": kb_id}, headers=auth(key)
    )
    resolved = await client.get(
        f"{MAPPINGS}:resolve?provider=genesys&queue=billing", headers=auth(key)
    )
    other = await client.get(f"{MAPPINGS}:resolve?provider=five9&queue=billing", headers=auth(key))

    assert (created.status, replaced.status) == (201, 200)
    assert (await replaced.json())["system_prompt"] is None
    body = await resolved.json()
    assert body["match"] == "exact"
    assert body["route"] == {"kb_id": kb_id, "system_prompt": None, "llm_integration_id": None}
    assert (await other.json())["match"] == "default_kb"
    assert (await client.delete(f"{MAPPINGS}/genesys/billing", headers=auth(key))).status == 204
    assert (await client.get(f"{MAPPINGS}/genesys/billing", headers=auth(key))).status == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [("genesys/bill%00ing", "queue"), ("gen%0Aesys/billing", "provider"), ("g/%7F", "queue")],
)
async def test_a_name_with_a_control_character_is_a_422_and_stores_nothing(
    client: TestClient[Any, Any], api_keys: dict[str, str], path: str, field: str
) -> None:
    # Event queues and providers never hold one, so such a mapping could never match; NUL
    # cannot even be stored in PostgreSQL.
    key = api_keys["acme"]

    response = await client.put(f"{MAPPINGS}/{path}", json={}, headers=auth(key))
    listed = await (await client.get(MAPPINGS, headers=auth(key))).json()

    assert response.status == 422
    assert (await response.json())["field"] == field
    assert listed["items"] == []


async def test_a_mapping_changes_the_route_used_for_the_next_turn(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key, "billing")
    resolve = f"{MAPPINGS}:resolve?provider=test&queue=billing"
    before = await (await client.get(resolve, headers=auth(key))).json()

    await client.put(f"{MAPPINGS}/*/billing", json={"kb_id": kb_id}, headers=auth(key))
    route = await client.app[ROUTES].resolve("acme", "test", "billing")

    assert before["route"]["kb_id"] != kb_id
    assert route.kb_id == kb_id


async def test_the_api_key_is_write_only(
    client: TestClient[Any, Any], api_keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = api_keys["acme"]
    body = {
        "name": "openai",
        "base_url": "https://llm.example/v1",
        "model": "m",
        "api_key": API_KEY,
    }

    created = await client.post(LLMS, json=body, headers=auth(key))
    integration_id = (await created.json())["id"]
    responses = [
        created,
        await client.get(LLMS, headers=auth(key)),
        await client.get(f"{LLMS}/{integration_id}", headers=auth(key)),
        await client.patch(f"{LLMS}/{integration_id}", json={"model": "m2"}, headers=auth(key)),
        await client.post(LLMS, json=body, headers=auth(key)),  # a 409
        await client.post(LLMS, json={**body, "name": "x", "base_url": "nope"}, headers=auth(key)),
    ]

    for response in responses:
        assert API_KEY not in await response.text()
    assert API_KEY not in caplog.text
    shown = await responses[2].json()
    assert (shown["api_key_set"], shown["api_key_last4"]) == (True, "7f3a")
    assert [r.status for r in responses[4:]] == [409, 422]

    cleared = await client.patch(
        f"{LLMS}/{integration_id}", json={"api_key": None}, headers=auth(key)
    )
    assert (await cleared.json())["api_key_set"] is False


async def test_a_new_base_url_needs_the_api_key_again(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    # The key is write-only; sent on to a base_url of the caller's choosing it would be read.
    key = api_keys["acme"]
    body = {"name": "openai", "base_url": "https://llm.example/v1", "model": "m"}
    created = await client.post(LLMS, json={**body, "api_key": API_KEY}, headers=auth(key))
    url = f"{LLMS}/{(await created.json())['id']}"

    moved = await client.patch(url, json={"base_url": "https://evil.example/v1"}, headers=auth(key))
    same = await client.patch(url, json={"base_url": body["base_url"]}, headers=auth(key))
    shown = await (await client.get(url, headers=auth(key))).json()
    rekeyed = await client.patch(
        url, json={"base_url": "https://llm2.example/v1", "api_key": API_KEY}, headers=auth(key)
    )
    keyless = await client.patch(
        url, json={"base_url": "https://llm3.example/v1", "api_key": None}, headers=auth(key)
    )

    assert moved.status == 422
    assert (await moved.json())["field"] == "api_key"
    assert same.status == 200
    assert (shown["base_url"], shown["api_key_set"]) == ("https://llm.example/v1", True)
    assert rekeyed.status == 200
    assert keyless.status == 200
    assert (await keyless.json())["api_key_set"] is False


async def test_the_key_is_sealed_at_rest(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    body = {
        "name": "openai",
        "base_url": "https://llm.example/v1",
        "model": "m",
        "api_key": API_KEY,
    }
    created = await (await client.post(LLMS, json=body, headers=auth(api_keys["acme"]))).json()
    sealed = await client.app[STORE].llm_integrations.sealed_api_key("acme", created["id"])

    assert sealed is not None
    assert API_KEY not in sealed
    assert client.app[SECRETS].open(sealed) == API_KEY


async def test_tenant_settings(client: TestClient[Any, Any], api_keys: dict[str, str]) -> None:
    key = api_keys["acme"]

    patched = await client.patch(
        "/api/v1/tenant",
        json={"dense_retrieval": False, "allowed_origins": ["https://desk.example"]},
        headers=auth(key),
    )
    bad = await client.patch(
        "/api/v1/tenant",
        json={"dense_retrieval": True, "allowed_origins": ["javascript:alert(1)"]},
        headers=auth(key),
    )
    current = await (await client.get("/api/v1/tenant", headers=auth(key))).json()

    assert patched.status == 200
    assert bad.status == 422
    assert (await bad.json())["field"] == "allowed_origins[0]"
    assert (current["dense_retrieval"], current["allowed_origins"]) == (
        False,
        ["https://desk.example"],
    )


@pytest.mark.parametrize("origin", ["https://desk.example:99999", "https://desk.example:0"])
async def test_an_origin_with_a_port_no_browser_has_is_a_422(
    client: TestClient[Any, Any], api_keys: dict[str, str], origin: str
) -> None:
    # frame-ancestors would carry it, and browsers drop it: the desktop could not frame us.
    response = await client.patch(
        "/api/v1/tenant", json={"allowed_origins": [origin]}, headers=auth(api_keys["acme"])
    )

    assert response.status == 422
    assert (await response.json())["field"] == "allowed_origins[0]"
