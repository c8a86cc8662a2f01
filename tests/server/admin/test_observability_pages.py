"""The Health and Events pages: what a tenant's admin sees of its traffic, and reveals."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import STORE
from tests.fixtures.app import customer_says, event, open_widget
from tests.fixtures.relay import RELAY, RelayPlatform
from tests.server.admin.conftest import ACME_ADMIN, PLATFORM, Browser, create_admins
from tests.server.integrations.test_api import create
from tests.server.integrations.test_supervisor import state_of

EVENTS = "/admin/tenants/acme/events"
HEALTH = "/admin/tenants/acme/health"
SECRET_TEXT = "my card number is 4111 1111 1111 1111"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def post_events(browser: Browser, key: str, *bodies: Any) -> None:
    for body in bodies:
        await browser.client.post("/api/v1/events", json=body, headers=auth(key))


def record_ids(page: str) -> list[str]:
    return re.findall(r'<tr data-record="([0-9a-f]+)">', page)


async def test_events_page_lists_outcomes_and_withholds_text(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    browser = await open_browser(ACME_ADMIN)
    await post_events(
        browser,
        api_keys["acme"],
        customer_says("m-1", SECRET_TEXT),
        {**customer_says("m-2", "hi"), "speaker": "robot"},
    )

    response = await browser.get(EVENTS)
    page = await response.text()

    assert response.status == 200
    assert len(record_ids(page)) == 2
    assert "4111" not in page
    assert "delivered" in page
    assert "invalid_input" in page
    assert "<code>speaker</code>" in page
    assert page.count("Reveal text</button>") == 1  # the rejected body kept no text


async def test_reveal_by_form_shows_the_text_and_records_the_admin(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    browser = await open_browser(ACME_ADMIN)
    await post_events(browser, api_keys["acme"], customer_says("m-1", SECRET_TEXT))
    (record_id,) = record_ids(await (await browser.get(EVENTS)).text())

    response = await browser.post(f"{EVENTS}/{record_id}/reveal")
    page = await response.text()
    listed = await (await browser.get(EVENTS)).text()

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert SECRET_TEXT in page
    (reveal,) = await browser.client.server.app[STORE].reveals.list("acme", limit=10)
    assert (reveal.record_id, reveal.revealed_by) == (record_id, f"admin:{ACME_ADMIN}")
    assert f"admin:{ACME_ADMIN}" in listed  # the reveals list under the table
    assert SECRET_TEXT not in listed  # a later visit hides the text again


async def test_reveal_by_script_gets_json(open_browser: Any, api_keys: dict[str, str]) -> None:
    browser = await open_browser(ACME_ADMIN)
    await post_events(browser, api_keys["acme"], customer_says("m-1", SECRET_TEXT))
    (record_id,) = record_ids(await (await browser.get(EVENTS)).text())

    response = await browser.client.post(
        f"{EVENTS}/{record_id}/reveal",
        headers={"X-CSRF-Token": browser.csrf, "Accept": "application/json"},
    )

    assert response.status == 200
    assert await response.json() == {"record_id": record_id, "text": SECRET_TEXT}


async def test_the_reveals_section_alone_lists_the_newest_reveal_and_no_text(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    browser = await open_browser(ACME_ADMIN)
    await post_events(browser, api_keys["acme"], customer_says("m-1", SECRET_TEXT))
    (record_id,) = record_ids(await (await browser.get(EVENTS)).text())
    before = await (await browser.get(f"{EVENTS}/reveals")).text()

    await browser.post(f"{EVENTS}/{record_id}/reveal")
    response = await browser.get(f"{EVENTS}/reveals")
    after = await response.text()

    assert "No text has been revealed." in before
    assert response.status == 200
    assert after.lstrip().startswith('<section aria-labelledby="reveals-title"')
    assert "<html" not in after  # a fragment for the page script, not a page
    assert f"admin:{ACME_ADMIN}" in after
    assert "<code>m-<wbr>1</code>" in after
    assert SECRET_TEXT not in after


async def test_another_tenants_reveals_are_not_listed(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    platform = await open_browser(PLATFORM)
    globex_says = {**customer_says("g-1", SECRET_TEXT), "tenant_id": "globex"}
    await post_events(platform, api_keys["globex"], globex_says)
    (record_id,) = record_ids(await (await platform.get("/admin/tenants/globex/events")).text())
    await platform.post(f"/admin/tenants/globex/events/{record_id}/reveal")
    intruder = await open_browser(ACME_ADMIN)

    response = await intruder.get("/admin/tenants/globex/events/reveals")

    assert response.status == 404
    assert f"admin:{PLATFORM}" not in await response.text()


async def test_filters_narrow_the_table_and_a_bad_one_is_named(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    browser = await open_browser(ACME_ADMIN)
    await post_events(
        browser,
        api_keys["acme"],
        customer_says("m-1", "hello"),
        event("conversation.started", "s-1", conversation_id="conv-2"),
        {**customer_says("m-2", "hi"), "speaker": "robot"},
    )

    rejected = await (await browser.get(EVENTS + "?outcome=rejected&kind=")).text()
    second = await (await browser.get(EVENTS + "?conversation_id=conv-2")).text()
    bad = await browser.get(EVENTS + "?outcome=lost")

    assert len(record_ids(rejected)) == 1
    assert "m-<wbr>2" in rejected  # ids may wrap between their parts only
    assert len(record_ids(second)) == 1
    assert "s-<wbr>1" in second
    assert bad.status == 422
    assert re.search(r'id="f-outcome-error">Input should be', await bad.text())


async def test_another_tenants_record_cannot_be_revealed_from_a_page(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    platform = await open_browser(PLATFORM)
    globex_says = {**customer_says("g-1", SECRET_TEXT), "tenant_id": "globex"}
    await post_events(platform, api_keys["globex"], globex_says)
    (record_id,) = record_ids(await (await platform.get("/admin/tenants/globex/events")).text())
    intruder = await open_browser(ACME_ADMIN)

    through_own = await intruder.post(f"{EVENTS}/{record_id}/reveal")
    through_theirs = await intruder.post(f"/admin/tenants/globex/events/{record_id}/reveal")

    assert through_own.status == through_theirs.status == 404
    assert SECRET_TEXT not in await through_own.text() + await through_theirs.text()
    store = intruder.client.server.app[STORE]
    assert await store.reveals.list("acme", limit=10) == []
    assert await store.reveals.list("globex", limit=10) == []


async def test_health_page_charts_the_last_hour_and_counts_widgets(
    open_browser: Any, api_keys: dict[str, str], tokens: TokenService
) -> None:
    browser = await open_browser(ACME_ADMIN)
    base_url = str(browser.client.make_url("")).rstrip("/")
    widgets = [await open_widget(base_url, tokens.mint("acme", f"agent-{n}")) for n in range(2)]
    widgets.append(await open_widget(base_url, tokens.mint("globex", "agent-9")))
    await post_events(
        browser, api_keys["acme"], customer_says("m-1", "my router keeps dropping the wifi")
    )

    page = await (await browser.get(HEALTH)).text()
    for widget in widgets:
        await widget.client.disconnect()

    assert page.count("<svg") == 2
    delivered = re.search(r'data-series="delivered">\s*<path d="([^"]*)"', page)
    assert delivered is not None
    assert delivered[1].count("L") == 59  # a point per minute, joined
    latency = re.search(r'data-series="p50">\s*<path d="([^"]*)"', page)
    assert latency is not None
    assert latency[1].startswith("M")  # the one minute with suggestions
    assert "No integration is running" in page
    assert re.search(r"data-connected-widgets>2<", page)


@pytest.fixture
async def relay_admin(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> Browser:
    """Acme's admin on a server where relay integrations can be stored."""
    app = create_app(settings, platforms={"relay": RELAY})
    client = await aiohttp_client(app)
    await create_admins(app)
    browser = Browser(client)
    await browser.sign_in(ACME_ADMIN)
    return browser


async def test_health_page_shows_a_refused_connection_with_its_error(
    relay_admin: Browser, api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    await create(relay_admin.client, api_keys["acme"], url=relay.url, token="wrong-token")
    await state_of(relay_admin.client, "acme", "auth_failed")

    page = await (await relay_admin.get(HEALTH)).text()

    assert "state--auth_failed" in page
    assert "the relay refused the token (401)" in page
    assert "wrong-token" not in page
