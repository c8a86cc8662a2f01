"""API keys over REST: a revoked key can change nothing, even while the ingest path's cache
still remembers it."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

KEYS = "/api/v1/api-keys"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_revoked_key_cannot_mint_a_successor_or_change_anything(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    owner = api_keys["acme"]
    issued = await (await client.post(KEYS, headers=auth(owner))).json()
    leaked = issued["key"]
    assert (await client.get(KEYS, headers=auth(leaked))).status == 200  # remembered now
    revoked = await client.post(f"{KEYS}/{issued['id']}:revoke", headers=auth(owner))
    assert revoked.status == 200

    minted = await client.post(KEYS, headers=auth(leaked))
    changed = await client.patch(
        "/api/v1/tenant", json={"dense_retrieval": False}, headers=auth(leaked)
    )
    listed = await (await client.get(KEYS, headers=auth(owner))).json()
    tenant = await (await client.get("/api/v1/tenant", headers=auth(owner))).json()

    assert (minted.status, changed.status) == (401, 401)
    assert [key["id"] for key in listed["items"]] == [listed["items"][0]["id"], issued["id"]]
    assert tenant["dense_retrieval"] is True
