"""The double's PKCE login follows RFC 7636 / protocols.md 2.1 and refuses what Genesys refuses."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.world import GenesysWorld, OAuthClient, User

REDIRECT = "https://cuecard.example/auth/genesys/callback"
VERIFIER = "v" * 43 + "-._~"
PKCE = frozenset({"authorization_code", "refresh_token"})


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": "agent-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        "state": "st-1",
    }
    params.update(overrides)
    return params


@pytest.fixture
def world() -> GenesysWorld:
    return GenesysWorld(
        clients={"agent-app": OAuthClient("agent-app", redirect_uris=(REDIRECT,), grants=PKCE)},
        users={"u-1": User("u-1", "Ada Agent", "ada@acme.example", password="pw-ada")},
    )


@pytest.fixture
async def double(aiohttp_client: Any, world: GenesysWorld) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = await aiohttp_client(create_double(world))
    return client


async def log_in(double: TestClient[Any, Any]) -> dict[str, list[str]]:
    form = {**authorize_params(), "email": "ada@acme.example", "password": "pw-ada"}
    response = await double.post("/oauth/authorize", data=form, allow_redirects=False)
    assert response.status == 302, await response.text()
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


async def redeem(double: TestClient[Any, Any], code: str, **overrides: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": VERIFIER,
        "client_id": "agent-app",
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return await double.post("/oauth/token", data=form)


async def test_login_page_renders_for_a_valid_request(double: TestClient[Any, Any]) -> None:
    response = await double.get("/oauth/authorize", params=authorize_params())
    assert response.status == 200
    assert 'name="password"' in await response.text()


@pytest.mark.parametrize(
    "override",
    [
        {"client_id": "nobody"},
        {"redirect_uri": REDIRECT + "?tenant=acme"},
        {"response_type": "token"},
        {"code_challenge_method": "plain"},
    ],
)
async def test_malformed_authorize_requests_are_refused(
    double: TestClient[Any, Any], override: dict[str, str]
) -> None:
    response = await double.get("/oauth/authorize", params=authorize_params(**override))
    assert response.status == 400


async def test_code_and_verifier_give_a_user_token_with_a_refresh_token(
    double: TestClient[Any, Any], world: GenesysWorld
) -> None:
    query = await log_in(double)
    assert query["state"] == ["st-1"]
    response = await redeem(double, query["code"][0])
    body = await response.json()
    assert response.status == 200
    assert world.tokens[body["access_token"]].user_id == "u-1"
    me = await double.get(
        "/api/v2/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert (await me.json())["name"] == "Ada Agent"
    refreshed = await double.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": "agent-app",
        },
    )
    assert world.tokens[(await refreshed.json())["access_token"]].user_id == "u-1"


async def test_wrong_password_shows_the_form_again(double: TestClient[Any, Any]) -> None:
    form = {**authorize_params(), "email": "ada@acme.example", "password": "nope"}
    response = await double.post("/oauth/authorize", data=form, allow_redirects=False)
    assert response.status == 200
    assert "Wrong e-mail or password" in await response.text()


async def test_cancel_redirects_with_access_denied(double: TestClient[Any, Any]) -> None:
    form = {**authorize_params(), "action": "cancel"}
    response = await double.post("/oauth/authorize", data=form, allow_redirects=False)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["st-1"]}


async def test_pkce_mismatch_is_refused(double: TestClient[Any, Any]) -> None:
    code = (await log_in(double))["code"][0]
    response = await redeem(double, code, code_verifier="w" * 43)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_grant"


async def test_a_code_is_redeemed_once(double: TestClient[Any, Any]) -> None:
    code = (await log_in(double))["code"][0]
    assert (await redeem(double, code)).status == 200
    replay = await redeem(double, code)
    assert replay.status == 400
    assert (await replay.json())["error"] == "invalid_grant"


async def test_redirect_uri_must_match_the_authorize_request(double: TestClient[Any, Any]) -> None:
    code = (await log_in(double))["code"][0]
    response = await redeem(double, code, redirect_uri="https://evil.example/cb")
    assert response.status == 400


async def test_token_info_names_the_organization(
    double: TestClient[Any, Any], world: GenesysWorld
) -> None:
    token = world.issue_token("agent-app", "u-1")
    response = await double.get(
        "/api/v2/tokens/me", headers={"Authorization": f"Bearer {token.value}"}
    )
    body = await response.json()
    assert body["organization"] == {"id": world.org_id, "name": world.org_name}
    assert "OAuthClient" in body
    world.expire(token.value)
    expired = await double.get(
        "/api/v2/tokens/me", headers={"Authorization": f"Bearer {token.value}"}
    )
    assert expired.status == 401
