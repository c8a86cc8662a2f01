"""Admin single sign-on against a local OpenID provider double: the browser's whole journey.

The ID token is checked for real (RS256 signature against the double's JWKS, iss, aud, exp,
nonce), the sign-in is bound to the browser that started it, and only existing admin accounts
open: by verified email the first time, by (issuer, subject) after that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from server.keys import STORE
from tests.doubles.oidc.world import OidcWorld, Person, signing_key
from tests.fixtures.app import make_settings
from tests.fixtures.network import free_port
from tests.fixtures.oidc import (
    SSO_CLIENT_SECRET,
    come_back,
    sso_settings,
    sso_sign_in,
    start_sso,
    visit_provider,
)
from tests.server.admin.conftest import ACME_ADMIN, PLATFORM


@pytest.fixture
def settings(tmp_path: Path, oidc_issuer: str) -> Settings:
    """This module's server has single sign-on turned on against the double."""
    return make_settings(tmp_path, **sso_settings(oidc_issuer))


def at_provider(world: OidcWorld, email: str | None, verified: Any = True) -> Person:
    """Someone signed in at the provider, about to come to cuecard."""
    person = world.add(Person(f"sub-{len(world.people) + 1}", email, verified, "Some One"))
    world.signed_in = person.subject
    return person


def session_cookie(browser: Any) -> str | None:
    cookies = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/"))
    return cookies["cuecard_admin"].value if "cuecard_admin" in cookies else None


async def admin_row(browser: Any, email: str) -> Any:
    return await browser.client.server.app[STORE].admins.by_email(email)


async def test_the_sign_in_page_offers_sso_and_an_admin_signs_in_and_is_linked(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    browser = await open_browser()
    person = at_provider(oidc_world, "Root@Example.com")

    page = await (await browser.get("/admin/sign-in")).text()
    answer = await sso_sign_in(browser.client, next_path="/admin/tenants/globex")
    landed = await browser.get(answer.headers["Location"])

    assert "Sign in with SSO" in page
    assert answer.status == 303
    assert answer.headers["Location"] == "/admin/tenants/globex"
    assert landed.status == 200
    assert "Globex" in await landed.text()
    admin = await admin_row(browser, PLATFORM)
    assert (admin.oidc_issuer, admin.oidc_subject) == (oidc_world.issuer, person.subject)
    assert admin.last_login_at is not None
    [exchange] = oidc_world.token_requests
    assert len(exchange["code_verifier"]) >= 43  # PKCE: the verifier goes only to the provider
    assert SSO_CLIENT_SECRET not in page + await landed.text()


async def test_once_linked_the_admin_is_found_by_issuer_and_subject_not_by_email(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    first, second = await open_browser(), await open_browser()
    person = at_provider(oidc_world, ACME_ADMIN)
    assert (await sso_sign_in(first.client)).status == 303

    person.email = "ann.renamed@acme.example"  # the address changes at the provider
    answer = await sso_sign_in(second.client)
    page = await (await second.get("/admin/tenants")).text()

    assert answer.status == 303
    assert f"{ACME_ADMIN} (tenant admin)" in page


async def test_a_tenant_admin_signed_in_with_sso_sees_no_other_tenant(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, ACME_ADMIN)
    await sso_sign_in(browser.client)
    page = await (await browser.get("/admin/tenants")).text()
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    listing = await (await browser.get("/admin/tenants")).text()
    other_page = await browser.get("/admin/tenants/globex/integrations")
    other_api = await browser.client.get(
        "/api/v1/knowledge-bases", headers={"X-Cuecard-Tenant": "globex", "X-CSRF-Token": csrf}
    )

    assert "Acme" in listing
    assert "Globex" not in listing
    assert other_page.status == 404
    assert "Globex" not in await other_page.text()
    assert other_api.status == 404


@pytest.mark.parametrize("verified", [False, "false", None])
async def test_an_email_the_provider_has_not_verified_opens_no_account(
    open_browser: Any, oidc_world: OidcWorld, verified: Any
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, ACME_ADMIN, verified=verified)

    answer = await sso_sign_in(browser.client)
    page = await answer.text()

    assert answer.status == 403
    assert "No admin account for this sign-in" in page
    assert f"has not verified the email address {ACME_ADMIN}" in page
    assert session_cookie(browser) is None
    assert (await admin_row(browser, ACME_ADMIN)).oidc_subject is None


async def test_an_unknown_email_is_refused_with_a_clear_page_and_nothing_is_created(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, "stranger@example.com")
    store = browser.client.server.app[STORE]
    before = await store.admins.count()

    answer = await sso_sign_in(browser.client)
    page = await answer.text()

    assert answer.status == 403
    assert "There is no cuecard admin account for stranger@example.com".lower() in page.lower()
    assert '<a href="/admin/sign-in">Back to sign in</a>' in page
    assert await store.admins.count() == before
    assert session_cookie(browser) is None


async def test_an_account_linked_to_another_identity_is_not_taken_over(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    first, second = await open_browser(), await open_browser()
    at_provider(oidc_world, ACME_ADMIN)
    await sso_sign_in(first.client)

    at_provider(oidc_world, ACME_ADMIN)  # another account at the provider, same address
    answer = await sso_sign_in(second.client)

    assert answer.status == 403
    assert "already linked to another single-sign-on identity" in await answer.text()
    assert session_cookie(second) is None


@pytest.mark.parametrize(
    ("bent", "says"),
    [
        ({"nonce": "a-nonce-from-another-sign-in"}, "does not belong to this sign-in"),
        ({"aud": "another-client"}, "was issued to another client"),
        ({"iss": "https://evil.example"}, "was issued by another identity provider"),
        ({"exp": int(time.time()) - 3600}, "has expired"),
        ({"nonce": None}, "does not belong to this sign-in"),
    ],
)
async def test_an_id_token_with_a_wrong_claim_is_refused(
    open_browser: Any, oidc_world: OidcWorld, bent: dict[str, Any], says: str
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, ACME_ADMIN)
    oidc_world.bend_claims = bent

    answer = await sso_sign_in(browser.client)

    assert answer.status == 401
    assert says in await answer.text()
    assert session_cookie(browser) is None
    assert (await admin_row(browser, ACME_ADMIN)).oidc_subject is None


async def test_an_id_token_signed_with_a_key_the_provider_did_not_publish_is_refused(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, ACME_ADMIN)
    oidc_world.forge_with = signing_key()  # same key id, different key

    answer = await sso_sign_in(browser.client)

    assert answer.status == 401
    assert "signature does not verify" in await answer.text()
    assert session_cookie(browser) is None


async def test_a_rotated_signing_key_is_fetched_again(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    first, second = await open_browser(), await open_browser()
    at_provider(oidc_world, ACME_ADMIN)
    assert (await sso_sign_in(first.client)).status == 303  # the first key set is now cached

    oidc_world.key = signing_key("double-key-2")
    answer = await sso_sign_in(second.client)

    assert answer.status == 303


async def test_a_callback_in_another_browser_is_refused_and_the_state_is_spent(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    victim, attacker = await open_browser(), await open_browser()
    at_provider(oidc_world, PLATFORM)
    attempt = await visit_provider(await start_sso(attacker.client))

    elsewhere = await come_back(victim.client, attempt)
    replayed = await come_back(attacker.client, attempt)

    assert elsewhere.status == 401
    assert "started in another browser" in await elsewhere.text()
    assert replayed.status == 401  # the state was taken by the first use
    assert "expired or was already used" in await replayed.text()
    assert session_cookie(victim) is None
    assert session_cookie(attacker) is None


async def test_a_made_up_state_is_refused(open_browser: Any, oidc_world: OidcWorld) -> None:
    browser = await open_browser()
    at_provider(oidc_world, PLATFORM)
    attempt = await visit_provider(await start_sso(browser.client))
    forged = attempt.query.replace("state=", "state=x", 1)

    answer = await browser.client.get(f"{attempt.path}?{forged}", allow_redirects=False)

    assert answer.status == 401
    assert "expired or was already used" in await answer.text()
    assert session_cookie(browser) is None


async def test_cancelling_at_the_provider_says_so(open_browser: Any, oidc_world: OidcWorld) -> None:
    browser = await open_browser()
    oidc_world.signed_in = None

    answer = await sso_sign_in(browser.client)

    assert answer.status == 401
    assert "the identity provider did not sign you in (access_denied)" in await answer.text()


async def test_starting_sso_without_the_sign_in_forms_token_is_refused(
    open_browser: Any, oidc_world: OidcWorld
) -> None:
    browser = await open_browser()

    answer = await browser.client.post("/admin/sso", data={"next": ""}, allow_redirects=False)

    assert answer.status == 403
    assert "the sign-in form expired" in await answer.text()


async def test_without_sso_settings_there_is_no_button_and_no_route(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_settings(tmp_path)))

    page = await (await client.get("/admin/sign-in")).text()
    started = await client.post("/admin/sso", allow_redirects=False)
    callback = await client.get("/admin/sso/callback?state=x&code=y", allow_redirects=False)

    assert "Sign in with SSO" not in page
    assert started.status == callback.status == 404
    assert "single sign-on is not configured" in await started.text()


async def test_an_unreachable_provider_is_explained_on_the_sign_in_page(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path
) -> None:
    issuer = f"http://127.0.0.1:{free_port()}"
    client = await aiohttp_client(create_app(make_settings(tmp_path, **sso_settings(issuer))))
    page = await (await client.get("/admin/sign-in")).text()
    token = page.split('name="signin_token" value="', 1)[1].split('"', 1)[0]

    answer = await client.post("/admin/sso", data={"signin_token": token}, allow_redirects=False)

    assert answer.status == 502
    text = await answer.text()
    assert "Single sign-on: cannot reach the identity provider" in text
    assert f"{issuer}/.well-known/openid-configuration" in text


async def test_a_provider_naming_another_issuer_is_not_trusted(
    open_browser: Any, oidc_world: OidcWorld, oidc_issuer: str
) -> None:
    browser = await open_browser()
    at_provider(oidc_world, PLATFORM)
    oidc_world.issuer = oidc_issuer + "/tenant-b"  # what its discovery document now says

    page = await (await browser.get("/admin/sign-in")).text()
    token = page.split('name="signin_token" value="', 1)[1].split('"', 1)[0]
    answer = await browser.client.post(
        "/admin/sso", data={"signin_token": token}, allow_redirects=False
    )

    assert answer.status == 502
    assert "they must be identical" in await answer.text()


async def test_no_code_state_secret_or_email_reaches_cuecards_logs(
    open_browser: Any, oidc_world: OidcWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = await open_browser()
    at_provider(oidc_world, PLATFORM)

    attempt = await visit_provider(await start_sso(browser.client))
    answer = await come_back(browser.client, attempt)

    assert answer.status == 303
    # cuecard's own loggers; the production access log drops query strings (test_logs.py).
    ours = [r for r in caplog.records if r.name.startswith(("server.", "providers."))]
    logged = "\n".join(record.getMessage() for record in ours)
    query = dict(part.split("=", 1) for part in attempt.query.split("&"))
    for secret in (query["code"], query["state"], SSO_CLIENT_SECRET, PLATFORM):
        assert secret not in logged
    assert "signed in with single sign-on" in logged
