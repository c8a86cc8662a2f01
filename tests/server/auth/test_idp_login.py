"""Agent sign-in at the tenant's own identity provider, against local OpenID provider doubles.

acme's agents sign in at one provider, globex's at another. The ID token is checked for real
(RS256 signature against the double's JWKS, iss, aud, exp, nonce), the sign-in is bound to the
browser that started it, the agent id is the configured claim's value, and a tenant's
provider is never used for another tenant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from providers.registry import PLATFORMS
from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import SUPERVISOR
from tests.doubles.oidc.world import OidcWorld, Person, signing_key
from tests.fixtures import idpdesk
from tests.fixtures.app import open_widget
from tests.fixtures.genesys import LoginPage
from tests.fixtures.idpdesk.config import IdpdeskSettings
from tests.fixtures.idpdesk.manifest import MANIFEST as IDPDESK
from tests.fixtures.oidc import (
    AGENT_CLIENT_ID,
    AGENT_CLIENT_SECRET,
    WIDGET_NONCE,
    SsoAttempt,
    agent_idp_body,
    agent_idp_world,
    come_back,
    running_provider,
    start_agent_login,
    visit_provider,
)
from tests.providers.contract import (
    field_problems,
    folder_problems,
    placement_problems,
    protocol_problems,
    settings_problems,
)

ANN = Person(
    "sub-ann", "ann@acme.example", True, "Ann Agent", claims={"desk_agent_id": "agent-138"}
)
GIL = Person(
    "sub-gil", "gil@globex.example", True, "Gil Agent", claims={"desk_agent_id": "agent-7"}
)


@dataclass
class Site:
    """cuecard with idpdesk registered, and the two tenants' identity providers."""

    client: TestClient[Any, Any]
    acme: OidcWorld
    globex: OidcWorld
    keys: dict[str, str]

    async def configure(self, tenant: str, **overrides: Any) -> Any:
        """Set the tenant's identity provider through the REST API."""
        world = self.acme if tenant == "acme" else self.globex
        body = agent_idp_body(world.issuer) | overrides
        response = await self.client.put(
            "/api/v1/agent-sign-in",
            json=body,
            headers={"Authorization": f"Bearer {self.keys[tenant]}"},
        )
        assert response.status == 200, await response.text()
        return await response.json()


@pytest.fixture
async def site(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> AsyncIterator[Site]:
    acme, globex = agent_idp_world(), agent_idp_world()
    acme.add(ANN)
    globex.add(GIL)
    acme.signed_in, globex.signed_in = ANN.subject, GIL.subject
    async with running_provider(acme), running_provider(globex):
        app = create_app(settings, platforms={**PLATFORMS, "idpdesk": IDPDESK})
        found = Site(await aiohttp_client(app), acme, globex, api_keys)
        await found.configure("acme")
        yield found


async def at_provider(client: TestClient[Any, Any], tenant: str = "acme") -> SsoAttempt:
    """Open the popup and let the provider answer; where it sends the browser back to."""
    started = await start_agent_login(client, tenant)
    assert started.status == 302, await started.text()
    return await visit_provider(started.headers["Location"])


async def back_at_cuecard(client: TestClient[Any, Any], attempt: SsoAttempt) -> LoginPage:
    response = await come_back(client, attempt)
    return LoginPage(response.status, await response.text(), dict(response.headers))


async def sign_in(client: TestClient[Any, Any], tenant: str = "acme") -> LoginPage:
    """The popup's whole journey in one browser."""
    return await back_at_cuecard(client, await at_provider(client, tenant))


def refused(page: LoginPage) -> dict[str, Any]:
    """The error the popup hands the widget, after checking no session went with it."""
    message = page.message
    assert message["ok"] is False
    assert message["nonce"] == WIDGET_NONCE
    assert "session" not in message
    error: dict[str, Any] = message["error"]
    return error


async def test_the_widget_learns_to_offer_the_tenants_identity_provider(site: Site) -> None:
    asked = await site.client.get("/auth/sign-in?tenant=acme&platform=idpdesk")
    genesys = await site.client.get("/auth/sign-in?tenant=acme&platform=genesys")
    unknown = await site.client.get("/auth/sign-in?tenant=acme&platform=nowhere")

    assert asked.status == 200
    assert await asked.json() == {
        "flow": "tenant_idp",
        "provider_name": "Acme Okta",
        "login_path": "/auth/idp/login",
    }
    assert asked.headers["Cache-Control"] == "no-store"
    assert (await genesys.json())["login_path"] == "/auth/genesys/login"
    assert unknown.status == 404


async def test_an_agent_signs_in_and_the_session_carries_the_claims_value(
    site: Site, tokens: TokenService
) -> None:
    started = await start_agent_login(site.client)
    authorize = urlsplit(started.headers["Location"])
    asked = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    page = await back_at_cuecard(site.client, await visit_provider(started.headers["Location"]))
    session = page.message["session"]
    identity = tokens.verify(session["token"])
    widget = await open_widget(str(site.client.make_url("")), session["token"])
    await widget.client.disconnect()

    assert f"{authorize.scheme}://{authorize.netloc}" == site.acme.issuer
    assert asked["client_id"] == AGENT_CLIENT_ID
    assert asked["redirect_uri"] == "http://127.0.0.1:8080/auth/idp/callback"
    assert asked["code_challenge_method"] == "S256"
    assert "openid" in asked["scope"].split()
    assert page.status == 200
    assert page.message["nonce"] == WIDGET_NONCE
    assert (identity.tenant_id, identity.agent_id) == ("acme", "agent-138")
    assert session["agent"] == {"id": "agent-138", "name": "Ann Agent"}
    assert page.headers["Cache-Control"] == "no-store"
    [exchange] = site.acme.token_requests
    assert len(exchange["code_verifier"]) >= 43  # PKCE: the verifier goes only to the provider


@pytest.mark.parametrize(
    ("claim", "value", "agent_id"),
    [
        ("desk_agent_id", 138, "138"),
        ("preferred_username", "ann@acme.example", "ann@acme.example"),
        ("https://acme.example/claims/agent", " A-1 ", " A-1 "),
    ],
)
async def test_the_agent_id_is_the_configured_claims_value_exactly(
    site: Site, tokens: TokenService, claim: str, value: Any, agent_id: str
) -> None:
    claims = {**ANN.claims, claim: value}
    site.acme.people[ANN.subject] = Person(ANN.subject, ANN.email, True, ANN.name, claims)
    await site.configure("acme", agent_id_claim=claim)

    page = await sign_in(site.client)

    assert tokens.verify(page.message["session"]["token"]).agent_id == agent_id


@pytest.mark.parametrize("value", [None, ["a", "b"], "", "   ", True, "x" * 201])
async def test_a_missing_or_unusable_claim_is_refused_with_a_clear_message(
    site: Site, value: Any
) -> None:
    site.acme.bend_claims = {"desk_agent_id": value}

    page = await sign_in(site.client)
    error = refused(page)

    assert page.status == 403
    assert error["code"] == "idp_claim_missing"
    assert "'desk_agent_id'" in error["message"]
    assert "Acme Okta" in error["message"]


@pytest.mark.parametrize(
    ("bent", "says"),
    [
        ({"nonce": "a-nonce-from-another-sign-in"}, "does not belong to this sign-in"),
        ({"nonce": None}, "does not belong to this sign-in"),
        ({"aud": "another-client"}, "was issued to another client"),
        ({"iss": "https://evil.example"}, "was issued by another identity provider"),
        ({"exp": int(time.time()) - 3600}, "has expired"),
    ],
)
async def test_an_id_token_with_a_wrong_claim_is_refused(
    site: Site, bent: dict[str, Any], says: str
) -> None:
    site.acme.bend_claims = bent

    page = await sign_in(site.client)
    error = refused(page)

    assert page.status == 401
    assert error["code"] == "idp_token_invalid"
    assert says in error["message"]


async def test_an_id_token_signed_with_a_key_the_provider_did_not_publish_is_refused(
    site: Site,
) -> None:
    site.acme.forge_with = signing_key()  # same key id, another key

    page = await sign_in(site.client)

    assert page.status == 401
    assert "signature does not verify" in refused(page)["message"]


async def test_a_rotated_signing_key_is_fetched_again(site: Site) -> None:
    assert (await sign_in(site.client)).status == 200  # the first key set is now cached
    site.acme.key = signing_key("double-key-2")

    assert (await sign_in(site.client)).status == 200


async def test_a_made_up_state_is_refused(site: Site) -> None:
    attempt = await at_provider(site.client)
    forged = SsoAttempt(attempt.path, attempt.query.replace("state=", "state=x", 1))

    page = await back_at_cuecard(site.client, forged)

    assert page.status == 401
    assert page.message["error"]["code"] == "login_state_invalid"
    assert "session" not in page.message


async def test_a_callback_in_another_browser_is_refused_and_the_state_is_spent(
    site: Site,
) -> None:
    victim = TestClient(site.client.server)  # its own cookie jar
    await victim.start_server()
    attempt = await at_provider(site.client)

    elsewhere = await back_at_cuecard(victim, attempt)
    replayed = await back_at_cuecard(site.client, attempt)
    await victim.session.close()

    assert elsewhere.status == 401
    assert "started in another browser" in elsewhere.message["error"]["message"]
    assert replayed.status == 401
    assert "expired or was already used" in replayed.message["error"]["message"]


async def test_cancelling_at_the_provider_says_so(site: Site) -> None:
    site.acme.signed_in = None

    page = await sign_in(site.client)

    assert page.status == 401
    assert refused(page)["code"] == "login_cancelled"


async def test_only_verified_addresses_in_the_tenants_domains_sign_in(site: Site) -> None:
    await site.configure("acme", allowed_email_domains=["Acme.example", "acme-support.example"])
    admitted = await sign_in(site.client)
    site.acme.bend_claims = {"email": "ann@elsewhere.example"}
    outside = await sign_in(site.client)
    site.acme.bend_claims = {"email_verified": False}
    unverified = await sign_in(site.client)
    site.acme.bend_claims = {"email": None}
    no_email = await sign_in(site.client)

    assert admitted.status == 200
    for page in (outside, unverified, no_email):
        assert page.status == 403
        assert refused(page)["code"] == "idp_domain_refused"
    assert "acme-support.example, acme.example" in outside.message["error"]["message"]


async def test_a_tenant_signs_in_only_at_its_own_provider(site: Site, tokens: TokenService) -> None:
    await site.configure("globex", display_name="Globex Entra")
    acme_attempt = await at_provider(site.client, "acme")
    globex_started = await start_agent_login(site.client, "globex")
    globex_state = parse_qs(urlsplit(globex_started.headers["Location"]).query)["state"][0]
    # acme's provider's code, carried back under globex's state: redeemed at globex's only.
    crossed = acme_attempt.query.replace(parse_qs(acme_attempt.query)["state"][0], globex_state)

    page = await back_at_cuecard(site.client, SsoAttempt(acme_attempt.path, crossed))
    globex_page = await sign_in(site.client, "globex")

    assert globex_started.headers["Location"].startswith(site.globex.issuer + "/authorize?")
    assert page.status == 401
    assert page.message["error"]["code"] == "idp_token_invalid"
    assert len(site.globex.token_requests) == 2
    assert tokens.verify(globex_page.message["session"]["token"]).tenant_id == "globex"
    assert site.acme.token_requests == []


async def test_a_tenant_without_its_own_provider_never_uses_anothers(site: Site) -> None:
    option = await site.client.get("/auth/sign-in?tenant=globex&platform=idpdesk")
    page = await start_agent_login(site.client, "globex")
    outcome = LoginPage(page.status, await page.text(), dict(page.headers))

    assert option.status == 404
    assert (await option.json())["code"] == "sign_in_not_configured"
    assert outcome.status == 404
    assert outcome.message["error"]["code"] == "sign_in_not_configured"
    assert "Location" not in page.headers
    assert site.acme.token_requests == []


async def test_a_disabled_provider_signs_no_one_in(site: Site) -> None:
    await site.configure("acme", enabled=False)

    page = await start_agent_login(site.client)

    assert page.status == 404
    assert "Location" not in page.headers


async def test_an_unreachable_provider_is_explained_in_the_popup(site: Site) -> None:
    await site.configure("acme", issuer="http://127.0.0.1:9/nowhere")

    page = await start_agent_login(site.client)
    outcome = LoginPage(page.status, await page.text(), dict(page.headers))

    assert outcome.status == 502
    assert outcome.message["error"]["code"] == "idp_unavailable"
    assert "cannot reach the identity provider" in outcome.message["error"]["message"]


async def refresh(client: TestClient[Any, Any], refresh_token: str) -> tuple[int, Any]:
    response = await client.post("/auth/session/refresh", json={"refresh_token": refresh_token})
    return response.status, await response.json()


async def test_an_idp_session_renews_without_any_platform_token(
    site: Site, tokens: TokenService
) -> None:
    session = (await sign_in(site.client)).message["session"]

    status, renewed = await refresh(site.client, session["refresh_token"])
    again, _ = await refresh(site.client, renewed["refresh_token"])

    assert status == 200, renewed
    assert tokens.verify(renewed["token"]).agent_id == "agent-138"
    assert renewed["agent"]["name"] == "Ann Agent"
    assert again == 200


@pytest.mark.parametrize("change", ["issuer", "disabled", "removed"])
async def test_a_session_stops_renewing_once_the_tenants_provider_changes(
    site: Site, change: str
) -> None:
    session = (await sign_in(site.client)).message["session"]
    headers = {"Authorization": f"Bearer {site.keys['acme']}"}
    if change == "issuer":
        await site.configure("acme", issuer=site.globex.issuer)
    elif change == "disabled":
        await site.configure("acme", enabled=False)
    else:
        await site.client.delete("/api/v1/agent-sign-in", headers=headers)

    status, body = await refresh(site.client, session["refresh_token"])

    assert status == 401
    assert body["code"] == "refresh_refused"
    assert "sign in again" in body["message"]


async def test_no_code_state_secret_or_agent_email_reaches_the_logs(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await site.configure("acme", agent_id_claim="email")

    attempt = await at_provider(site.client)
    page = await back_at_cuecard(site.client, attempt)

    assert page.status == 200
    ours = [r for r in caplog.records if r.name.startswith(("server.", "providers."))]
    logged = "\n".join(record.getMessage() for record in ours)
    query = dict(part.split("=", 1) for part in attempt.query.split("&"))
    for secret in (query["code"], query["state"], AGENT_CLIENT_SECRET, ANN.email or ""):
        assert secret not in logged
    assert "signed in to tenant acme at its identity provider (claim email)" in logged
    assert AGENT_CLIENT_SECRET not in page.html


async def test_idpdesk_follows_the_platform_contract() -> None:
    settings = IdpdeskSettings(tenant_id="acme", desktop_origin="https://desk.acme.example")

    assert folder_problems(IDPDESK, Path(idpdesk.__file__).parent) == []
    assert placement_problems(IDPDESK, "tests.fixtures.idpdesk") == []
    assert field_problems(IDPDESK) == []
    assert settings_problems(IDPDESK) == []
    assert await protocol_problems(IDPDESK, settings) == []


def desk_message(agent_id: str, message_id: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "id": message_id,
        "agent_id": agent_id,
        "conversation_id": "desk-c-1",
        "text": "my router keeps dropping",
    }
    return {"platform": "idpdesk", "message": message}


async def test_the_desktop_must_report_the_agent_the_claim_named(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.keys['acme']}"}
    integration = {
        "provider": "idpdesk",
        "name": "Desk",
        "settings": {"desktop_origin": "https://desk.acme.example"},
    }
    created = await site.client.post("/api/v1/integrations", json=integration, headers=headers)
    assert created.status == 201, await created.text()
    session = (await sign_in(site.client)).message["session"]
    widget = await open_widget(str(site.client.make_url("")), session["token"])

    same = await widget.call("bridge.event", desk_message("agent-138", "m-1"))
    other = await widget.call("bridge.event", desk_message("agent-7", "m-2"))
    await widget.client.disconnect()

    assert site.client.app[SUPERVISOR].statuses("acme") == []  # no event source to run
    assert same["ok"] is True
    assert same["accepted"] == 1
    assert other["ok"] is False
    assert other["error"]["code"] == "bridge_refused"
    assert "signed in as agent agent-7, not as agent-138" in other["error"]["message"]
