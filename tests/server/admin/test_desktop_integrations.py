"""The integration forms of Five9 and 8x8: Test connection opens 8x8's stream (the Pulsar
double) and reports what happened; Five9, which cuecard never connects to, validates its
settings and says what they mean; a key 8x8 refuses later shows on the Health page."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from server.auth.tokens import TokenService
from tests.doubles.pulsar.app import create_double
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant
from tests.doubles.pulsar.world import PulsarWorld
from tests.fixtures.app import open_widget
from tests.server.admin.conftest import ACME_ADMIN
from tests.server.admin.test_integrations import INTEGRATIONS, check_result


@pytest.fixture
def world() -> PulsarWorld:
    return PulsarWorld()


@pytest.fixture
def tenant(world: PulsarWorld) -> EightByEightTenant:
    return EightByEightTenant(world)


@pytest.fixture
async def double(
    world: PulsarWorld, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> TestServer:
    return await aiohttp_server(create_double(world))


async def add(browser: Any, provider: str, name: str, **settings: str) -> str:
    """Fill in the provider's form as an admin would; the integration's page."""
    form = {"provider": provider, "name": name, "enabled": "on"}
    form |= {f"settings.{field}": value for field, value in settings.items()}
    created = await browser.post(INTEGRATIONS, form)
    assert created.status == 303, await created.text()
    return str(created.headers["Location"])


async def add_8x8(browser: Any, double: TestServer, key: str, enabled: bool = True) -> str:
    url = str(double.make_url("")).replace("http://", "ws://").rstrip("/")
    page = await add(
        browser,
        "eight_by_eight",
        "8x8 UK",
        tenant_name="acmecc01",
        api_key=key,
        stream_base_url=url,
    )
    return page


async def test_8x8_test_connection_opens_the_stream_and_says_so(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer, open_browser: Any
) -> None:
    browser = await open_browser(ACME_ADMIN)
    integration = await add_8x8(browser, double, tenant.key)

    result = check_result(await (await browser.post(f"{integration}/test")).text())

    assert result == (
        "Test passed. 8x8 accepted the API key and opened the event stream: "
        "persistent://acmecc01/event-v1/all."
    )
    tested = [h for h in world.handshakes if h.query.get("messageId") == "latest"]
    assert tested
    assert tested[-1].status == 101
    assert tested[-1].auth == "header"  # X-API-Key, never in the URL


async def test_8x8_test_connection_names_a_refused_key_without_showing_it(
    world: PulsarWorld, tenant: EightByEightTenant, double: TestServer, open_browser: Any
) -> None:
    browser = await open_browser(ACME_ADMIN)
    integration = await add_8x8(browser, double, "eght_NotTheKeyThisTenantWasGiven0000")

    page = await (await browser.post(f"{integration}/test")).text()
    result = check_result(page)

    assert result.startswith("Connection failed provider_auth_failed")
    assert "8x8 refused the API key" in result
    assert "(HTTP 401)" in result
    assert "eght_NotTheKeyThisTenantWasGiven0000" not in page


async def test_five9_test_connection_validates_its_settings(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    integration = await add(
        browser,
        "five9",
        "Five9 US",
        region="us",
        five9_tenant_id="131",
        sdk_url="https://cdn.prod.us.five9.net/stable/crm-sdk-lib/five9.crm.sdk.js",
    )

    result = html.unescape(check_result(await (await browser.post(f"{integration}/test")).text()))

    assert result == (
        "Test passed. The settings are valid. Five9 has no server-side connection to test: its "
        "events reach cuecard from the agents' desktops, through the widget. The widget may be "
        "framed by https://app.five9.com. It loads "
        "https://cdn.prod.us.five9.net/stable/crm-sdk-lib/five9.crm.sdk.js."
    )


async def test_five9_settings_that_cannot_work_are_refused_naming_the_field(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    form = {
        "provider": "five9",
        "name": "Five9",
        "settings.sdk_url": "http://sdk.example.com/five9.crm.sdk.js",
    }

    response = await browser.post(INTEGRATIONS, form)

    assert response.status == 422
    assert "must be an https:// URL" in await response.text()


async def test_a_key_8x8_refuses_later_shows_on_the_health_page(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    open_browser: Any,
    tokens: TokenService,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    base_url = str(browser.client.make_url("")).rstrip("/")
    widget = await open_widget(base_url, tokens.mint("acme", "agent-1"))
    await add_8x8(browser, double, tenant.key)
    await world.wait_for(lambda: bool(world.live()), within=10)

    tenant.rotate_key("eght_TheNewKeyTheAdminHasNotEnteredYet")
    world.drop()

    # The agents' widgets are told as the Health page changes.
    while (await widget.next("integration.status", within=15))["state"] != "auth_failed":
        pass
    page = await (await browser.get(HEALTH)).text()
    await widget.client.disconnect()
    assert "auth failed" in page
    assert "8x8 UK" in page
    assert "8x8 refused the API key for" in page
    assert tenant.key not in page


HEALTH = "/admin/tenants/acme/health"
