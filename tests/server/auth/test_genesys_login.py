"""Agent sign-in with Genesys Cloud through the double: PKCE, browser binding, org check."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.auth.pkce import STARTS_PER_ADDRESS
from server.auth.tokens import TokenService
from server.keys import SUPERVISOR
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.app import make_settings
from tests.fixtures.genesys import (
    NONCE,
    REDIRECT_URI,
    WATCHING_GENESYS,
    add_integration,
    callback,
    log_in_at_genesys,
    sign_in,
    start_login,
)


async def test_an_agent_signs_in_and_gets_a_session_for_its_tenant(
    client: TestClient[Any, Any], tokens: TokenService
) -> None:
    session = await sign_in(client)
    identity = tokens.verify(session["token"])
    assert (identity.tenant_id, identity.agent_id) == ("acme", "u-ada")
    assert session["agent"] == {"id": "u-ada", "name": "Ada Agent"}
    assert session["refresh_token"]


async def test_the_popup_page_posts_to_cuecards_own_origin_with_the_widget_nonce(
    client: TestClient[Any, Any],
) -> None:
    code, state = await log_in_at_genesys(await start_login(client))
    page = await callback(client, code=code, state=state)
    assert page.message["nonce"] == NONCE
    assert '"origin":"http://127.0.0.1:8080"' in page.html
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


async def test_the_authorize_request_uses_pkce_and_the_one_redirect_uri(
    client: TestClient[Any, Any],
) -> None:
    query = parse_qs(urlsplit(await start_login(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [REDIRECT_URI]


async def test_the_login_cookie_is_http_only_and_scoped_to_the_login_paths(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get(
        "/auth/genesys/login", params={"tenant": "acme", "nonce": NONCE}, allow_redirects=False
    )
    [cookie] = response.cookies.values()
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/auth/genesys/"


async def test_signing_in_makes_the_running_adapter_watch_the_agent(
    client: TestClient[Any, Any],
) -> None:
    await sign_in(client)
    [adapter] = client.app[SUPERVISOR].adapters("acme", "genesys")
    assert adapter.watched == ["u-ada"]  # type: ignore[attr-defined]


async def test_an_unknown_state_is_refused(client: TestClient[Any, Any]) -> None:
    page = await callback(client, code="whatever", state="s" * 43)
    assert page.status == 401
    assert page.message["error"]["code"] == "login_state_invalid"


async def test_a_callback_from_another_browser_is_refused(
    client: TestClient[Any, Any], aiohttp_client: Any
) -> None:
    code, state = await log_in_at_genesys(await start_login(client))
    other_browser: TestClient[Any, Any] = await aiohttp_client(client.server)
    page = await callback(other_browser, code=code, state=state)
    assert page.status == 401
    assert page.message["error"]["code"] == "login_state_invalid"
    assert "another browser" in page.message["error"]["message"]


async def test_a_replayed_callback_is_refused(client: TestClient[Any, Any]) -> None:
    code, state = await log_in_at_genesys(await start_login(client))
    assert (await callback(client, code=code, state=state)).status == 200
    replay = await callback(client, code=code, state=state)
    assert replay.status == 401
    assert replay.message["error"]["code"] == "login_state_invalid"


async def test_a_used_code_is_refused_by_genesys_under_a_new_state(
    client: TestClient[Any, Any],
) -> None:
    code, state = await log_in_at_genesys(await start_login(client))
    assert (await callback(client, code=code, state=state)).status == 200
    _, fresh_state = await log_in_at_genesys(await start_login(client))
    page = await callback(client, code=code, state=fresh_state)
    assert page.status == 502
    assert page.message["error"]["code"] == "platform_login_failed"


async def test_a_code_redeemed_with_another_logins_verifier_fails_pkce(
    client: TestClient[Any, Any],
) -> None:
    first_code, _ = await log_in_at_genesys(await start_login(client))
    _, second_state = await log_in_at_genesys(await start_login(client))
    page = await callback(client, code=first_code, state=second_state)
    assert page.status == 502
    assert "PKCE" in page.message["error"]["message"]


async def test_cancelling_at_genesys_tells_the_widget(client: TestClient[Any, Any]) -> None:
    _, state = await log_in_at_genesys(await start_login(client))
    page = await callback(client, error="access_denied", state=state)
    assert page.status == 401
    assert page.message["nonce"] == NONCE
    assert page.message["error"]["code"] == "login_cancelled"


async def test_a_token_from_another_organization_is_refused(
    client: TestClient[Any, Any], api_keys: dict[str, str], genesys_url: str
) -> None:
    await add_integration(client, api_keys["globex"], genesys_url, organization_id="globex-org")
    code, state = await log_in_at_genesys(await start_login(client, tenant="globex"))
    page = await callback(client, code=code, state=state)
    assert page.status == 403
    error = page.message["error"]
    assert error["code"] == "wrong_organization"
    assert "Acme Contact Center" in error["message"]
    assert "session" not in page.message


async def test_a_tenant_without_genesys_gets_a_clear_page(client: TestClient[Any, Any]) -> None:
    response = await client.get(
        "/auth/genesys/login", params={"tenant": "globex", "nonce": NONCE}, allow_redirects=False
    )
    assert response.status == 404
    assert "not set up for this tenant" in await response.text()


@pytest.mark.parametrize("query", [{"tenant": "acme"}, {"tenant": "ACME!", "nonce": NONCE}])
async def test_a_malformed_login_request_is_refused(
    client: TestClient[Any, Any], query: dict[str, str]
) -> None:
    response = await client.get("/auth/genesys/login", params=query, allow_redirects=False)
    assert response.status == 422


async def test_one_address_starts_only_so_many_sign_ins(client: TestClient[Any, Any]) -> None:
    """Anyone may start a sign-in and each start is kept for ten minutes in the state store
    every tenant shares: a flood from one address is refused before anything is kept."""
    for _ in range(STARTS_PER_ADDRESS.limit):
        await start_login(client)

    refused = await client.get(
        "/auth/genesys/login", params={"tenant": "acme", "nonce": NONCE}, allow_redirects=False
    )

    assert refused.status == 429
    assert "sign-ins started from one address" in await refused.text()
    assert "Set-Cookie" not in refused.headers


async def test_the_genesys_token_never_reaches_logs_pages_or_urls(
    client: TestClient[Any, Any],
    genesys_world: GenesysWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    authorize = await start_login(client)
    code, state = await log_in_at_genesys(authorize)
    page = await callback(client, code=code, state=state)
    refreshed = await client.post(
        "/auth/session/refresh", json={"refresh_token": page.message["session"]["refresh_token"]}
    )
    seen += [authorize, page.html, await refreshed.text(), caplog.text]
    user_tokens = [value for value, token in genesys_world.tokens.items() if token.user_id]
    assert user_tokens, "the sign-in issued no Genesys token"
    for value in user_tokens:
        assert all(value not in text for text in seen)


async def test_behind_https_the_login_cookie_is_secure(
    aiohttp_client: Any, tmp_path: Path, api_keys: dict[str, str], genesys_url: str
) -> None:
    settings = make_settings(tmp_path, public_url="https://cuecard.example")
    client = await aiohttp_client(create_app(settings, platforms={"genesys": WATCHING_GENESYS}))
    await add_integration(client, api_keys["acme"], genesys_url)
    response = await client.get(
        "/auth/genesys/login", params={"tenant": "acme", "nonce": NONCE}, allow_redirects=False
    )
    [cookie] = response.cookies.values()
    assert cookie["secure"] is True
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["redirect_uri"] == ["https://cuecard.example/auth/genesys/callback"]
