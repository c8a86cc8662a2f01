"""Stored integrations over REST: validated by the provider's model, secrets sealed and masked."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from server.keys import INTEGRATIONS, STORE
from server.store.schema import integrations
from tests.fixtures.relay import RELAY_TOKEN, RelayPlatform
from tests.server.api.test_knowledge import auth

COLLECTION = "/api/v1/integrations"


async def create(client: TestClient[Any, Any], key: str, **settings: Any) -> Any:
    body = {"provider": "relay", "name": "Relay", "settings": settings}
    response = await client.post(COLLECTION, json=body, headers=auth(key))
    assert response.status == 201, await response.text()
    return await response.json()


async def test_secret_settings_are_masked_and_sealed(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    created = await create(client, api_keys["acme"], url="http://127.0.0.1:9/", token=RELAY_TOKEN)
    listed = await (await client.get(COLLECTION, headers=auth(api_keys["acme"]))).json()

    assert created["settings"]["token"] == "••••" + RELAY_TOKEN[-4:]
    assert listed["items"][0]["settings"] == created["settings"]
    async with client.app[STORE]._db.reading() as conn:  # the raw row, as a thief would see it
        row = (await conn.execute(select(integrations))).one()
    assert RELAY_TOKEN not in repr(tuple(row))
    opened = await client.app[INTEGRATIONS].settings("acme", created["id"])
    assert opened.token.get_secret_value() == RELAY_TOKEN  # type: ignore[attr-defined]


async def test_patch_without_or_with_masked_secret_keeps_it(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    created = await create(client, key, url="http://127.0.0.1:9/", token=RELAY_TOKEN)
    item = f"{COLLECTION}/{created['id']}"

    renamed = await client.patch(item, json={"settings": {"region": "eu"}}, headers=auth(key))
    round_trip = await client.patch(
        item, json={"settings": (await renamed.json())["settings"]}, headers=auth(key)
    )

    assert renamed.status == round_trip.status == 200
    opened = await client.app[INTEGRATIONS].settings("acme", created["id"])
    assert opened.region == "eu"  # type: ignore[attr-defined]
    assert opened.token.get_secret_value() == RELAY_TOKEN  # type: ignore[attr-defined]


async def test_a_new_destination_for_the_secrets_needs_them_again(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    # The token is write-only; sent on to a url of the caller's choosing it would be read.
    key = api_keys["acme"]
    created = await create(client, key, url="http://127.0.0.1:9/", token=RELAY_TOKEN)
    item = f"{COLLECTION}/{created['id']}"

    moved = await client.patch(
        item, json={"settings": {"url": "https://evil.example/"}}, headers=auth(key)
    )
    masked = await client.patch(
        item,
        json={"settings": {**created["settings"], "url": "https://evil.example/"}},
        headers=auth(key),
    )
    opened = await client.app[INTEGRATIONS].settings("acme", created["id"])
    rekeyed = await client.patch(
        item,
        json={"settings": {"url": "http://127.0.0.1:10/", "token": RELAY_TOKEN}},
        headers=auth(key),
    )

    for refused in (moved, masked):
        assert refused.status == 422
        assert (await refused.json())["field"] == "settings.token"
    assert str(opened.url) == "http://127.0.0.1:9/"  # type: ignore[attr-defined]
    assert rekeyed.status == 200


async def test_bad_settings_name_the_field_and_store_nothing(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    bad_url = {"provider": "relay", "name": "R", "settings": {"url": "nope", "token": "t"}}
    unknown = {"provider": "avaya", "name": "R", "settings": {}}
    tenant = {"provider": "relay", "name": "R", "settings": {"tenant_id": "globex"}}

    responses = [
        await client.post(COLLECTION, json=b, headers=auth(key)) for b in (bad_url, unknown, tenant)
    ]

    assert [r.status for r in responses] == [422, 422, 422]
    assert [(await r.json())["field"] for r in responses] == [
        "settings.url",
        "provider",
        "settings.tenant_id",
    ]
    assert await client.app[STORE].integrations.list("acme") == []


async def test_connection_test_reports_the_platforms_answer(
    client: TestClient[Any, Any], api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    key = api_keys["acme"]
    good = await create(client, key, url=relay.url, token=RELAY_TOKEN)
    body = {
        "provider": "relay",
        "name": "Wrong token",
        "settings": {"url": relay.url, "token": "x"},
    }
    wrong = await (await client.post(COLLECTION, json=body, headers=auth(key))).json()

    ok = await client.post(f"{COLLECTION}/{good['id']}:test", headers=auth(key))
    refused = await client.post(f"{COLLECTION}/{wrong['id']}:test", headers=auth(key))

    assert await ok.json() == {"ok": True, "code": None, "message": None}
    assert await refused.json() == {
        "ok": False,
        "code": "provider_auth_failed",
        "message": "the relay refused the token (401)",
    }


async def test_unreachable_platform_explains_itself(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    created = await create(client, api_keys["acme"], url="http://127.0.0.1:9/", token="t")

    result = await client.post(f"{COLLECTION}/{created['id']}:test", headers=auth(api_keys["acme"]))

    body = await result.json()
    assert (body["ok"], body["code"]) == (False, "provider_not_ready")
    assert "relay unreachable at http://127.0.0.1:9/events/acme" in body["message"]


async def test_another_tenant_cannot_see_change_test_or_delete(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    created = await create(client, api_keys["acme"], url="http://127.0.0.1:9/", token="t")
    item, globex = f"{COLLECTION}/{created['id']}", auth(api_keys["globex"])

    statuses = [
        (await client.get(item, headers=globex)).status,
        (await client.patch(item, json={"enabled": False}, headers=globex)).status,
        (await client.post(item + ":test", headers=globex)).status,
        (await client.delete(item, headers=globex)).status,
    ]
    listed = await (await client.get(COLLECTION, headers=globex)).json()

    assert statuses == [404, 404, 404, 404]
    assert listed == {"items": []}
    assert (await client.app[INTEGRATIONS].get("acme", created["id"])).enabled


async def test_providers_describe_their_settings(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    response = await client.get("/api/v1/providers", headers=auth(api_keys["acme"]))

    (relay,) = (await response.json())["items"]
    schema = relay["settings_schema"]
    assert (relay["name"], relay["kind"]) == ("relay", "pull")
    assert "tenant_id" not in schema["properties"]
    assert schema["required"] == ["url", "token"]
    assert schema["properties"]["token"]["writeOnly"] is True


async def test_anonymous_gets_nothing(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    assert (await client.get(COLLECTION)).status == 401
    assert (await client.get("/api/v1/providers")).status == 401
