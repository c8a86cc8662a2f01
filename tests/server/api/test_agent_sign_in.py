"""/api/v1/agent-sign-in: a tenant's own identity provider, its secret write-only and sealed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.keys import STORE
from tests.fixtures.oidc import (
    AGENT_CLIENT_SECRET,
    agent_idp_body,
    agent_idp_world,
    running_provider,
)

PATH = "/api/v1/agent-sign-in"


@pytest.fixture
async def issuer() -> AsyncIterator[str]:
    async with running_provider(agent_idp_world()) as url:
        yield url


def auth(api_keys: dict[str, str], tenant: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_keys[tenant]}"}


async def put(client: TestClient[Any, Any], headers: dict[str, str], body: Any) -> Any:
    return await client.put(PATH, json=body, headers=headers)


async def test_put_then_get_shows_everything_but_the_secret(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    body = agent_idp_body(issuer, allowed_email_domains=["Acme.example", "acme.example"])

    created = await put(client, auth(api_keys), body)
    shown = await client.get(PATH, headers=auth(api_keys))
    text = await shown.text()
    view = await shown.json()

    assert created.status == 200
    assert shown.status == 200
    assert AGENT_CLIENT_SECRET not in text + await created.text()
    assert view["client_secret_last4"] == AGENT_CLIENT_SECRET[-4:]
    assert view["allowed_email_domains"] == ["acme.example"]
    assert view["redirect_uri"] == "http://127.0.0.1:8080/auth/idp/callback"
    assert view["agent_id_claim"] == "desk_agent_id"
    assert view["enabled"] is True


async def test_the_secret_is_stored_sealed_and_kept_when_left_out(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    await put(client, auth(api_keys), agent_idp_body(issuer))
    without_secret = {k: v for k, v in agent_idp_body(issuer).items() if k != "client_secret"}

    changed = await put(client, auth(api_keys), {**without_secret, "display_name": "Okta EU"})
    stored = await client.app[STORE].agent_idps.sealed_secret("acme")

    assert changed.status == 200
    assert (await changed.json())["client_secret_last4"] == AGENT_CLIENT_SECRET[-4:]
    assert (await changed.json())["display_name"] == "Okta EU"
    assert AGENT_CLIENT_SECRET not in str(stored)
    assert str(stored).startswith("gAAAA")  # a Fernet token


async def test_a_new_issuer_needs_the_client_secret_again(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    # The secret is write-only; sent on to an issuer of the caller's choosing it would be read.
    await put(client, auth(api_keys), agent_idp_body(issuer))
    without_secret = {k: v for k, v in agent_idp_body(issuer).items() if k != "client_secret"}

    moved = await put(client, auth(api_keys), {**without_secret, "issuer": "https://evil.example"})
    shown = await (await client.get(PATH, headers=auth(api_keys))).json()

    assert moved.status == 422
    assert (await moved.json())["field"] == "client_secret"
    assert shown["issuer"] == issuer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_secret": None}, "client_secret"),
        ({"issuer": "http://idp.example.com"}, "issuer"),
        ({"issuer": "https://idp.example.com/?tenant=1"}, "issuer"),
        ({"agent_id_claim": "nonce"}, "agent_id_claim"),
        ({"agent_id_claim": "has space"}, "agent_id_claim"),
        ({"allowed_email_domains": ["not a domain"]}, "allowed_email_domains"),
        ({"display_name": ""}, "display_name"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_settings_are_refused_naming_the_field_and_change_nothing(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    issuer: str,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {**agent_idp_body(issuer), **change}
    body = {k: v for k, v in body.items() if v is not None}

    refused = await put(client, auth(api_keys), body)
    after = await client.get(PATH, headers=auth(api_keys))

    assert refused.status == 422
    assert (await refused.json())["field"].startswith(field)
    assert after.status == 404


async def test_a_tenant_sees_and_changes_only_its_own(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    await put(client, auth(api_keys), agent_idp_body(issuer))

    globex_sees = await client.get(PATH, headers=auth(api_keys, "globex"))
    globex_deletes = await client.delete(PATH, headers=auth(api_keys, "globex"))
    naming_acme = await client.get(
        PATH, headers={**auth(api_keys, "globex"), "X-Cuecard-Tenant": "acme"}
    )
    acme_still = await client.get(PATH, headers=auth(api_keys))

    assert globex_sees.status == globex_deletes.status == naming_acme.status == 404
    assert acme_still.status == 200


async def test_delete_removes_it(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    await put(client, auth(api_keys), agent_idp_body(issuer))

    deleted = await client.delete(PATH, headers=auth(api_keys))
    again = await client.delete(PATH, headers=auth(api_keys))
    shown = await client.get(PATH, headers=auth(api_keys))

    assert deleted.status == 204
    assert again.status == shown.status == 404


async def test_the_test_reaches_discovery_and_keys(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str
) -> None:
    await put(client, auth(api_keys), agent_idp_body(issuer))

    result = await (await client.post(PATH + ":test", headers=auth(api_keys))).json()

    assert result["ok"] is True
    assert f"{issuer}/jwks" in result["message"]
    assert "1 signing key(s)" in result["message"]


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("http://127.0.0.1:9", "cannot reach the identity provider for its discovery document"),
        ("{issuer}/elsewhere", "answered HTTP 404 without JSON for its discovery document"),
    ],
)
async def test_the_test_shows_the_real_error(
    client: TestClient[Any, Any], api_keys: dict[str, str], issuer: str, where: str, says: str
) -> None:
    await put(client, auth(api_keys), agent_idp_body(where.format(issuer=issuer)))

    response = await client.post(PATH + ":test", headers=auth(api_keys))
    result = await response.json()

    assert response.status == 200
    assert result["ok"] is False
    assert result["code"] == "idp_unavailable"
    assert says in result["message"]


async def test_a_provider_naming_another_issuer_fails_the_test(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    world = agent_idp_world()
    async with running_provider(world) as issuer:
        await put(client, auth(api_keys), agent_idp_body(issuer))
        world.issuer = issuer + "/another"  # what its discovery document now says

        result = await (await client.post(PATH + ":test", headers=auth(api_keys))).json()

    assert result["ok"] is False
    assert "they must be identical" in result["message"]
    assert "the issuer set on the Agent sign-in page" in result["message"]
