"""The OpenID provider double refuses what a real provider refuses (it is not a yes-machine)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.doubles.oidc.app import create_oidc_double
from tests.doubles.oidc.world import OidcWorld, Person
from tests.fixtures.oidc import SSO_CLIENT_ID, SSO_CLIENT_SECRET, SSO_REDIRECT_URI, make_oidc_world

VERIFIER = "v" * 64
BASIC = aiohttp.encode_basic_auth(SSO_CLIENT_ID, SSO_CLIENT_SECRET)

Provider = tuple[TestClient[Any, Any], OidcWorld]


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
async def provider(aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Provider:
    world = make_oidc_world()
    world.add(Person("sub-1", "ann@acme.example"))
    world.signed_in = "sub-1"
    client = await aiohttp_client(create_oidc_double(world))
    world.issuer = str(client.make_url("")).rstrip("/")
    return client, world


async def authorize(client: TestClient[Any, Any], **overrides: str) -> dict[str, str]:
    query = {
        "client_id": SSO_CLIENT_ID,
        "redirect_uri": SSO_REDIRECT_URI,
        "response_type": "code",
        "scope": "openid email",
        "state": "s-1",
        "nonce": "n-1",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }
    response = await client.get(f"/authorize?{urlencode(query)}", allow_redirects=False)
    assert response.status == 302, await response.text()
    location = response.headers["Location"]
    assert location.startswith(SSO_REDIRECT_URI + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def exchange(client: TestClient[Any, Any], code: str, **overrides: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SSO_REDIRECT_URI,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return await client.post("/token", data=form, headers={"Authorization": BASIC})


async def test_a_code_buys_one_id_token_signed_with_the_published_key(provider: Provider) -> None:
    client, world = provider
    back = await authorize(client)

    first = await exchange(client, back["code"])
    again = await exchange(client, back["code"])
    keys = KeySet.import_key_set(await (await client.get("/jwks")).json())
    token = jwt.decode((await first.json())["id_token"], keys, algorithms=["RS256"])

    assert back["state"] == "s-1"
    assert first.status == 200
    assert token.claims["nonce"] == "n-1"
    assert token.claims["aud"] == SSO_CLIENT_ID
    assert token.claims["iss"] == world.issuer
    assert again.status == 400
    assert (await again.json())["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [{"code_verifier": "w" * 64}, {"redirect_uri": "http://127.0.0.1:8080/elsewhere"}],
)
async def test_a_wrong_verifier_or_redirect_uri_gets_no_token(
    provider: Provider, overrides: dict[str, str]
) -> None:
    client, _ = provider
    back = await authorize(client)

    refused = await exchange(client, back["code"], **overrides)

    assert refused.status == 400
    assert (await refused.json())["error"] == "invalid_grant"


async def test_a_wrong_client_secret_is_refused(provider: Provider) -> None:
    client, _ = provider
    back = await authorize(client)
    wrong = aiohttp.encode_basic_auth(SSO_CLIENT_ID, "not-the-secret")

    refused = await client.post(
        "/token",
        data={"grant_type": "authorization_code", "code": back["code"]},
        headers={"Authorization": wrong},
    )

    assert refused.status == 401
    assert (await refused.json())["error"] == "invalid_client"


async def test_an_unregistered_redirect_uri_is_never_redirected_to(provider: Provider) -> None:
    client, _ = provider
    query = urlencode({"client_id": SSO_CLIENT_ID, "redirect_uri": "https://evil.example/cb"})

    response = await client.get(f"/authorize?{query}", allow_redirects=False)

    assert response.status == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_requests_without_pkce_s256_or_openid_come_back_with_an_error(
    provider: Provider, overrides: dict[str, str], error: str
) -> None:
    client, _ = provider

    back = await authorize(client, **overrides)

    assert back == {"error": error, "state": "s-1"}
