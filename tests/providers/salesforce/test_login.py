"""Agent sign-in with Salesforce (Authorization Code + PKCE) against the double."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from providers.base import AgentGrant, PlatformOAuth
from providers.errors import AgentTokenRejected, ProviderConfigError, WrongOrganization
from providers.salesforce._errors import GrantRefused
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.login import SalesforceOAuth
from tests.doubles.salesforce.world import SalesforceWorld

from .conftest import AGENT_ID, CALLBACK, FOREIGN_AGENT_ID, fixture, settings_for

VERIFIER = "v3rifier-" + "x" * 50


def challenge(verifier: str = VERIFIER) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def sign_in_at_salesforce(http: aiohttp.ClientSession, url: str) -> dict[str, str]:
    """The browser at My Domain: it approves the signed-in user and redirects back."""
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
        location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def authorize(http: aiohttp.ClientSession, settings: SalesforceSettings) -> dict[str, str]:
    url = SalesforceOAuth(http).authorize_url(
        settings, redirect_uri=CALLBACK, state="st-1", code_challenge=challenge()
    )
    return await sign_in_at_salesforce(http, url)


async def signed_in_grant(
    oauth: SalesforceOAuth, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> AgentGrant:
    """The grant for the signed-in agent: authorize at My Domain, then exchange the code."""
    back = await authorize(http, settings)
    return await oauth.exchange_code(
        settings, code=back["code"], code_verifier=VERIFIER, redirect_uri=CALLBACK
    )


@pytest.fixture
def settings(double: TestServer) -> SalesforceSettings:
    return settings_for(double)


def test_the_sign_in_satisfies_the_contract(http: aiohttp.ClientSession) -> None:
    assert isinstance(SalesforceOAuth(http), PlatformOAuth)


def test_the_authorize_url_asks_my_domain_for_a_pkce_code(
    http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    url = SalesforceOAuth(http).authorize_url(
        settings, redirect_uri=CALLBACK, state="st-1", code_challenge=challenge()
    )
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"{settings.base_url}/services/oauth2/authorize"
    )
    assert query == {
        "response_type": "code",
        "client_id": settings.consumer_key,
        "redirect_uri": CALLBACK,
        "scope": "openid id",
        "state": "st-1",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
    }


async def test_an_agent_of_the_org_signs_in_and_is_identified(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    oauth = SalesforceOAuth(http)
    back = await authorize(http, settings)

    grant = await oauth.exchange_code(
        settings, code=back["code"], code_verifier=VERIFIER, redirect_uri=CALLBACK
    )
    agent = await oauth.identify(settings, grant.access_token)

    assert back["state"] == "st-1"
    assert (agent.agent_id, agent.name) == (AGENT_ID, "Ann Agent")
    assert grant.refresh_token is None
    [form] = world.token_requests
    assert form["code_verifier"] == VERIFIER
    assert "client_secret" not in form


async def test_a_wrong_verifier_is_refused(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    back = await authorize(http, settings)
    with pytest.raises(GrantRefused, match="invalid code verifier"):
        await SalesforceOAuth(http).exchange_code(
            settings, code=back["code"], code_verifier="not-the-verifier" * 3, redirect_uri=CALLBACK
        )


async def test_a_code_is_good_once(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    oauth = SalesforceOAuth(http)
    back = await authorize(http, settings)
    await oauth.exchange_code(
        settings, code=back["code"], code_verifier=VERIFIER, redirect_uri=CALLBACK
    )
    with pytest.raises(GrantRefused, match="expired authorization code"):
        await oauth.exchange_code(
            settings, code=back["code"], code_verifier=VERIFIER, redirect_uri=CALLBACK
        )


async def test_an_agent_of_another_org_is_refused_and_the_org_named(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = FOREIGN_AGENT_ID
    oauth = SalesforceOAuth(http)
    grant = await signed_in_grant(oauth, http, settings)
    with pytest.raises(WrongOrganization) as caught:
        await oauth.identify(settings, grant.access_token)
    assert str(caught.value) == (
        "this Salesforce user belongs to org 00DHo000000OthRMAS, not 00DHo000000CueCMAS: sign "
        f"in with your {settings.base_url} account"
    )


async def test_a_15_character_org_id_matches_the_18_character_userinfo(
    world: SalesforceWorld, http: aiohttp.ClientSession, double: TestServer
) -> None:
    settings = settings_for(double, organization_id="00DHo000000CueC")
    world.signed_in = AGENT_ID
    oauth = SalesforceOAuth(http)
    grant = await signed_in_grant(oauth, http, settings)
    assert (await oauth.identify(settings, grant.access_token)).agent_id == AGENT_ID


async def test_an_expired_agent_session_is_rejected(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    oauth = SalesforceOAuth(http)
    grant = await signed_in_grant(oauth, http, settings)
    world.expire_sessions()
    with pytest.raises(AgentTokenRejected):
        await oauth.identify(settings, grant.access_token)


async def test_a_revoked_refresh_token_is_an_agent_token_rejection(
    http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    with pytest.raises(AgentTokenRejected):
        await SalesforceOAuth(http).refresh(settings, SecretStr("5Aep861-revoked"))


async def test_an_app_that_requires_a_secret_gets_it(
    world: SalesforceWorld, http: aiohttp.ClientSession, double: TestServer
) -> None:
    world.app.require_secret, world.app.consumer_secret = True, "ECA-secret-1234"
    world.signed_in = AGENT_ID
    oauth = SalesforceOAuth(http)

    without = settings_for(double)
    back = await authorize(http, without)
    with pytest.raises(ProviderConfigError, match="whether it requires a secret"):
        await oauth.exchange_code(
            without, code=back["code"], code_verifier=VERIFIER, redirect_uri=CALLBACK
        )

    with_secret = settings_for(double, consumer_secret="ECA-secret-1234")
    grant = await signed_in_grant(oauth, http, with_secret)
    assert (await oauth.identify(with_secret, grant.access_token)).agent_id == AGENT_ID


async def test_my_domain_refuses_an_authorize_request_without_pkce(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    url = SalesforceOAuth(http).authorize_url(
        settings, redirect_uri=CALLBACK, state="st-1", code_challenge=""
    )
    back = await sign_in_at_salesforce(http, url)
    assert back["error"] == "invalid_request"


async def test_the_double_answers_in_the_recorded_shapes(
    world: SalesforceWorld, http: aiohttp.ClientSession, settings: SalesforceSettings
) -> None:
    world.signed_in = AGENT_ID
    back = await authorize(http, settings)
    form = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "code_verifier": VERIFIER,
        "redirect_uri": CALLBACK,
        "client_id": settings.consumer_key,
    }
    async with http.post(settings.base_url + "/services/oauth2/token", data=form) as response:
        token: dict[str, Any] = await response.json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    async with http.get(settings.base_url + "/services/oauth2/userinfo", headers=headers) as r:
        userinfo: dict[str, Any] = await r.json()
    assert fixture("token_jwt_bearer.json").keys() <= token.keys()
    assert fixture("userinfo.json").keys() <= userinfo.keys()
    assert "expires_in" not in token
