"""The Agent sign-in page: a tenant admin sets up the tenant's identity provider for agents,
tests it against a real (double) provider, and never sees the client secret again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.keys import AGENT_IDPS
from tests.fixtures.oidc import AGENT_CLIENT_SECRET, agent_idp_world, running_provider
from tests.server.admin.conftest import ACME_ADMIN, GLOBEX_ADMIN, PLATFORM
from tests.server.admin.test_integrations import check_result

PAGE = "/admin/tenants/acme/agent-sign-in"


@pytest.fixture
async def issuer() -> AsyncIterator[str]:
    async with running_provider(agent_idp_world()) as url:
        yield url


def form(issuer: str, **overrides: str) -> dict[str, str]:
    return {
        "display_name": "Acme Okta",
        "issuer": issuer,
        "client_id": "cuecard-agents",
        "client_secret": AGENT_CLIENT_SECRET,
        "agent_id_claim": "preferred_username",
        "allowed_email_domains": "acme.example\n\nACME-support.example\n",
        "enabled": "on",
        **overrides,
    }


async def test_a_tenant_admin_sets_it_up_and_sees_the_secret_only_masked(
    open_browser: Any, issuer: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = await open_browser(ACME_ADMIN)
    empty = await (await browser.get(PAGE)).text()

    saved = await browser.post(PAGE, form(issuer))
    page = await (await browser.get(saved.headers["Location"])).text()
    stored = await browser.client.app[AGENT_IDPS].get("acme")

    assert "Set up the identity provider" in empty
    # The registered desktops whose manifests ask for it are named.
    assert "a sign-in of their own (8x8, Five9) sign in\nto the widget" in empty
    assert 'href="/admin/tenants/acme/agent-sign-in"' in empty  # in the tenant menu
    assert "http://127.0.0.1:8080/auth/idp/callback" in empty
    assert saved.status == 303
    assert "Saved." in page
    assert f"Stored: ••••{AGENT_CLIENT_SECRET[-4:]}" in page
    assert AGENT_CLIENT_SECRET not in page
    assert AGENT_CLIENT_SECRET not in caplog.text
    assert stored.allowed_email_domains == ["acme-support.example", "acme.example"]
    assert stored.agent_id_claim == "preferred_username"


async def test_saving_without_a_secret_keeps_it_and_a_bad_field_is_shown_beside_it(
    open_browser: Any, issuer: str
) -> None:
    browser = await open_browser(ACME_ADMIN)
    first_without = await browser.post(PAGE, form(issuer, client_secret=""))
    await browser.post(PAGE, form(issuer))

    kept = await browser.post(PAGE, form(issuer, client_secret="", display_name="Okta EU"))
    bad = await browser.post(PAGE, form("http://idp.example", client_secret=""))
    bad_page = await bad.text()
    stored = await browser.client.app[AGENT_IDPS].get("acme")

    assert first_without.status == 422
    assert "required the first time" in await first_without.text()
    assert kept.status == 303
    assert (stored.display_name, stored.client_secret_last4) == ("Okta EU", "9012")
    assert bad.status == 422
    assert 'id="f-issuer-error"' in bad_page
    assert "must be an https URL" in bad_page
    assert 'value="http://idp.example"' in bad_page  # what the admin typed stays


async def test_test_shows_success_or_the_providers_real_error(
    open_browser: Any, issuer: str
) -> None:
    browser = await open_browser(ACME_ADMIN)
    await browser.post(PAGE, form(issuer))
    passed = check_result(await (await browser.post(PAGE + "/test")).text())
    # A new issuer needs the secret again (it is never sent to an address it was not given for).
    await browser.post(PAGE, form("http://127.0.0.1:9"))

    failed = check_result(await (await browser.post(PAGE + "/test")).text())

    assert passed.startswith("Reachable.")
    assert f"{issuer}/jwks" in passed
    assert failed.startswith("Test failed idp_unavailable")
    assert "cannot reach the identity provider for its discovery document" in failed


async def test_another_tenants_admin_finds_nothing_and_the_platform_admin_everything(
    open_browser: Any, issuer: str
) -> None:
    acme, globex, root = (
        await open_browser(ACME_ADMIN),
        await open_browser(GLOBEX_ADMIN),
        await open_browser(PLATFORM),
    )
    await acme.post(PAGE, form(issuer))

    looked = await globex.get(PAGE)
    changed = await globex.post(PAGE, form(issuer, display_name="Taken over"))
    removed = await globex.post(PAGE + "/delete")
    seen_by_root = await root.get(PAGE)

    assert looked.status == changed.status == removed.status == 404
    assert "Acme Okta" not in await looked.text()
    assert seen_by_root.status == 200
    assert "Acme Okta" in await seen_by_root.text()
    assert (await acme.client.app[AGENT_IDPS].get("acme")).display_name == "Acme Okta"


async def test_removing_it_asks_and_goes(open_browser: Any, issuer: str) -> None:
    browser = await open_browser(ACME_ADMIN)
    await browser.post(PAGE, form(issuer))
    page = await (await browser.get(PAGE)).text()

    removed = await browser.post(PAGE + "/delete")
    after = await (await browser.get(PAGE)).text()

    assert 'data-confirm="Agents will no longer sign in through it. Remove?"' in page
    assert removed.status == 303
    assert "Set up the identity provider" in after
