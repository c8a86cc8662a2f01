"""The integrations pages with the real Genesys adapter: Test connection shows the real answer."""

from __future__ import annotations

import re
from typing import Any

from tests.fixtures.genesys import SERVICE_CLIENT, SERVICE_SECRET, make_world
from tests.fixtures.network import free_port
from tests.fixtures.pubsub import PROJECT, PubsubWorld
from tests.server.admin.conftest import ACME_ADMIN

INTEGRATIONS = "/admin/tenants/acme/integrations"


async def add_genesys(browser: Any, base_url: str, secret: str = SERVICE_SECRET) -> str:
    """Fill in the Genesys settings form as an admin would; returns the integration's page."""
    form = {
        "provider": "genesys",
        "name": "Genesys Cloud",
        "settings.environment": "mypurecloud.com",
        "settings.organization_id": make_world().org_id,
        "settings.client_id": SERVICE_CLIENT,
        "settings.client_secret": secret,
        "settings.api_base_url": base_url,
        "settings.login_base_url": base_url,
    }
    created = await browser.post(INTEGRATIONS, form)
    assert created.status == 303, await created.text()
    return str(created.headers["Location"])


def check_result(page: str) -> str:
    """The text of the Test connection result box, tags dropped."""
    found = re.search(r'data-testid="check-result">(.*?)</div>', page, re.DOTALL)
    assert found, "no Test connection result on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


async def test_the_genesys_form_is_generated_from_its_settings(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)

    page = await (await browser.get(f"{INTEGRATIONS}?provider=genesys")).text()

    labels = ("Organization ID", "Client secret", "Queue IDs", "API base URL", "Login base URL")
    for label in labels:
        assert f">{label}</label>" in page
    assert "Api Base Url" not in page  # pydantic's generated title is not shown
    assert 'name="settings.client_secret" type="password"' in page


async def test_test_connection_explains_an_unreachable_genesys(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    nowhere = f"http://127.0.0.1:{free_port()}"
    integration = await add_genesys(browser, nowhere)

    tested = await browser.post(f"{integration}/test")
    result = check_result(await tested.text())

    assert tested.status == 200
    assert result.startswith("Connection failed provider_not_ready")
    assert f"cannot reach Genesys login at {nowhere}/oauth/token (ClientConnectorError" in result


async def test_test_connection_passes_on_genesys_refusing_the_secret(
    open_browser: Any, genesys_url: str
) -> None:
    browser = await open_browser(ACME_ADMIN)
    integration = await add_genesys(browser, genesys_url, secret="not-the-secret-0000")

    result = check_result(await (await browser.post(f"{integration}/test")).text())

    assert result.startswith("Connection failed provider_auth_failed")
    assert "Genesys refused the client credentials (invalid_client)" in result
    assert "not-the-secret-0000" not in result


async def test_test_connection_reports_success_against_genesys(
    open_browser: Any, genesys_url: str
) -> None:
    browser = await open_browser(ACME_ADMIN)
    integration = await add_genesys(browser, genesys_url)

    result = check_result(await (await browser.post(f"{integration}/test")).text())

    assert result == "Connected. The platform accepted these settings."


async def test_the_form_offers_registered_platforms_and_names_the_planned_ones(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    page = await (await browser.get(INTEGRATIONS)).text()
    options = re.findall(r'<option value="([^"]*)"', page)
    # The simulator reads server files: not storable.
    assert options == ["", "eight_by_eight", "five9", "genesys", "google_ccai", "salesforce"]
    assert '<option value="genesys">Genesys Cloud</option>' in page
    assert '<option value="google_ccai">Google CCAI (Agent Assist)</option>' in page
    assert '<option value="eight_by_eight">8x8</option>' in page
    planned = re.search(r"Planned, not available yet: ([^<]*)\.", page)
    # Every promised platform has landed: nothing is named as planned any more.
    assert planned is None


async def test_a_google_ccai_integration_is_set_up_and_tested_in_the_portal(
    open_browser: Any, pubsub: PubsubWorld
) -> None:
    browser = await open_browser(ACME_ADMIN)
    page = await (await browser.get(f"{INTEGRATIONS}?provider=google_ccai")).text()
    labels = ("Project ID", "Subscriptions", "Service-account key (JSON)", "Push audience")
    for label in labels:
        assert f">{label}</label>" in page
    assert 'name="settings.credentials_json" type="password"' in page
    form = {
        "provider": "google_ccai",
        "name": "Agent Assist",
        "settings.project_id": PROJECT,
        "settings.subscriptions": pubsub.subscription_id,
        "settings.emulator_host": pubsub.host,
    }
    created = await browser.post(INTEGRATIONS, form)
    assert created.status == 303, await created.text()

    result = check_result(await (await browser.post(f"{created.headers['Location']}/test")).text())

    assert result.startswith("Test passed.")
    assert f"{pubsub.subscription} on {pubsub.topic} (ordering on, no dead-letter topic)" in result
