"""Tenant A's key can neither read nor change tenant B's configuration: always a 404."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.server.api.test_knowledge import DOC, auth

KBS = "/api/v1/knowledge-bases"


@pytest.fixture
async def globex_config(client: TestClient[Any, Any], api_keys: dict[str, str]) -> dict[str, str]:
    key = api_keys["globex"]
    kb = await (await client.post(KBS, json={"name": "secret"}, headers=auth(key))).json()
    await client.put(f"{KBS}/{kb['id']}/documents/doc-1", json=DOC, headers=auth(key))
    llm = await client.post(
        "/api/v1/llm-integrations",
        json={"name": "llm", "base_url": "https://llm.example/v1", "model": "m"},
        headers=auth(key),
    )
    await client.put(
        "/api/v1/queue-mappings/genesys/vip", json={"kb_id": kb["id"]}, headers=auth(key)
    )
    return {"kb": kb["id"], "llm": (await llm.json())["id"]}


async def test_another_tenants_records_are_not_found(
    client: TestClient[Any, Any], api_keys: dict[str, str], globex_config: dict[str, str]
) -> None:
    kb, llm = globex_config["kb"], globex_config["llm"]
    requests = [
        ("GET", f"{KBS}/{kb}", None),
        ("PATCH", f"{KBS}/{kb}", {"name": "mine"}),
        ("DELETE", f"{KBS}/{kb}", None),
        ("GET", f"{KBS}/{kb}/documents", None),
        ("GET", f"{KBS}/{kb}/documents/doc-1", None),
        ("PUT", f"{KBS}/{kb}/documents/doc-1", DOC),
        ("DELETE", f"{KBS}/{kb}/documents/doc-1", None),
        ("POST", f"{KBS}/{kb}/documents:batch", [{"external_id": "x", **DOC}]),
        ("GET", "/api/v1/queue-mappings/genesys/vip", None),
        ("DELETE", "/api/v1/queue-mappings/genesys/vip", None),
        ("GET", f"/api/v1/llm-integrations/{llm}", None),
        ("PATCH", f"/api/v1/llm-integrations/{llm}", {"model": "x"}),
        ("DELETE", f"/api/v1/llm-integrations/{llm}", None),
    ]
    for method, path, body in requests:
        response = await client.request(method, path, json=body, headers=auth(api_keys["acme"]))
        assert response.status == 404, (method, path)
        assert "secret" not in await response.text()

    listings = ["/api/v1/queue-mappings", "/api/v1/llm-integrations", KBS]
    for path in listings:
        assert (
            globex_config["kb"]
            not in await (await client.get(path, headers=auth(api_keys["acme"]))).text()
        )
    theirs = await client.get(f"{KBS}/{kb}/documents/doc-1", headers=auth(api_keys["globex"]))
    assert theirs.status == 200


async def test_a_mapping_cannot_point_at_another_tenants_kb_or_llm(
    client: TestClient[Any, Any], api_keys: dict[str, str], globex_config: dict[str, str]
) -> None:
    for field, value in (
        ("kb_id", globex_config["kb"]),
        ("llm_integration_id", globex_config["llm"]),
    ):
        response = await client.put(
            "/api/v1/queue-mappings/genesys/vip",
            json={field: value},
            headers=auth(api_keys["acme"]),
        )
        assert response.status == 422
        assert (await response.json())["field"] == field
    mine = await client.get("/api/v1/queue-mappings", headers=auth(api_keys["acme"]))
    assert (await mine.json())["items"] == []


async def test_no_key_no_access(client: TestClient[Any, Any]) -> None:
    for path in (KBS, "/api/v1/queue-mappings", "/api/v1/llm-integrations", "/api/v1/tenant"):
        assert (await client.get(path)).status == 401
