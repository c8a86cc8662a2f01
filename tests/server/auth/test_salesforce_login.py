"""Agent sign-in with Salesforce through cuecard's popup routes and the Salesforce double:
the session cuecard issues, the org check as the popup shows it, and where the agent's
Salesforce token may (custody, sealed) and may not (pages, URLs, logs) be found."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from providers.registry import PLATFORMS
from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import AGENT_TOKENS, STATE
from tests.doubles.salesforce.world import OTHER_ORG_ID, SalesforceWorld
from tests.fixtures.genesys import NONCE, LoginPage
from tests.fixtures.salesforce import (
    AGENT_ID,
    CALLBACK,
    FOREIGN_AGENT_ID,
    fast_manifest,
    integration_body,
)

PAGES = "/auth/salesforce/"


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
    salesforce_double: TestServer,
) -> TestClient[Any, Any]:
    """The seeded server; acme has a Salesforce integration against the double."""
    client = await aiohttp_client(
        create_app(settings, platforms={**PLATFORMS, "salesforce": fast_manifest()})
    )
    created = await client.post(
        "/api/v1/integrations",
        json=integration_body(salesforce_double),
        headers={"Authorization": f"Bearer {api_keys['acme']}"},
    )
    assert created.status == 201, await created.text()
    return client


async def start_login(client: TestClient[Any, Any]) -> str:
    """The popup's first URL; returns where cuecard sends it (the org's authorize page)."""
    response = await client.get(
        PAGES + "login", params={"tenant": "acme", "nonce": NONCE}, allow_redirects=False
    )
    assert response.status == 302, await response.text()
    return response.headers["Location"]


async def at_my_domain(authorize_url: str) -> dict[str, str]:
    """The browser at My Domain, where the user is signed in: it redirects back to cuecard."""
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(authorize_url, allow_redirects=False) as response,
    ):
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def callback(client: TestClient[Any, Any], query: dict[str, str]) -> LoginPage:
    response = await client.get(PAGES + "callback", params=query, allow_redirects=False)
    return LoginPage(response.status, await response.text(), dict(response.headers))


async def popup(client: TestClient[Any, Any], world: SalesforceWorld, user: str) -> LoginPage:
    """The whole popup flow for ``user``, signed in at the org's My Domain."""
    world.signed_in = user
    return await callback(client, await at_my_domain(await start_login(client)))


async def test_an_agent_of_the_org_gets_a_cuecard_session_for_the_tenant(
    client: TestClient[Any, Any], salesforce_world: SalesforceWorld, tokens: TokenService
) -> None:
    page = await popup(client, salesforce_world, AGENT_ID)
    assert page.status == 200, page.html
    session = page.message["session"]
    identity = tokens.verify(session["token"])
    assert (identity.tenant_id, identity.agent_id) == ("acme", AGENT_ID)
    assert session["agent"] == {"id": AGENT_ID, "name": "Ann Agent"}
    assert page.message["nonce"] == NONCE


async def test_the_authorize_request_is_pkce_s256_at_the_orgs_my_domain(
    client: TestClient[Any, Any], salesforce_double: TestServer
) -> None:
    authorize = await start_login(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(str(salesforce_double.make_url("/services/oauth2/authorize")))
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [CALLBACK]


async def test_an_agent_of_another_org_is_refused_and_both_orgs_named(
    client: TestClient[Any, Any], salesforce_world: SalesforceWorld
) -> None:
    page = await popup(client, salesforce_world, FOREIGN_AGENT_ID)
    assert page.status == 403
    error = page.message["error"]
    assert error["code"] == "wrong_organization"
    assert OTHER_ORG_ID in error["message"]
    assert "00DHo000000CueCMAS" in error["message"]
    assert "session" not in page.message


async def test_the_salesforce_token_is_sealed_in_custody_for_the_agent_and_tenant(
    client: TestClient[Any, Any], salesforce_world: SalesforceWorld
) -> None:
    assert (await popup(client, salesforce_world, AGENT_ID)).status == 200
    [issued] = [v for v, t in salesforce_world.tokens.items() if t.user_id == AGENT_ID]
    sealed = await client.app[STATE].get_ephemeral(f"salesforce-token:acme:{AGENT_ID}")
    assert sealed is not None
    assert issued not in sealed
    custody = client.app[AGENT_TOKENS]
    assert await custody.signed_in("salesforce", "acme", AGENT_ID)
    assert not await custody.signed_in("salesforce", "globex", AGENT_ID)


async def test_the_salesforce_token_never_reaches_logs_pages_or_urls(
    client: TestClient[Any, Any],
    salesforce_world: SalesforceWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    salesforce_world.signed_in = AGENT_ID
    authorize = await start_login(client)
    back = await at_my_domain(authorize)
    page = await callback(client, back)
    refreshed = await client.post(
        "/auth/session/refresh", json={"refresh_token": page.message["session"]["refresh_token"]}
    )
    seen = [authorize, str(back), page.html, str(page.headers), await refreshed.text()]
    granted = {**salesforce_world.tokens, **salesforce_world.refresh_tokens}
    issued = [value for value, token in granted.items() if token.user_id == AGENT_ID]
    assert issued, "the sign-in issued no Salesforce token"
    for value in issued:
        assert all(value not in text for text in [*seen, caplog.text])
