"""Five9 in headless Chromium: the widget inside the Five9 desktop double.

The double (tests/doubles/five9) is Agent Desktop Plus as far as the widget can tell: a host
page on its own origin speaking the CRM SDK's postMessage handshake and channels, and a
stand-in for Five9's SDK that the widget loads from the URL in the tenant's integration. The
agent signs in at the tenant's identity provider (the OpenID provider double), whose claim names
their Five9 agent id. An offered call whose call variables hold the IVR's intent shows the
context card and the matching article before anyone says a word; a desktop signed in as another
agent than the session's is refused and the widget says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, FrameLocator, Page, expect

from server.app import create_app
from server.keys import JOURNAL
from tests.doubles.five9.app import create_double, load_scenario
from tests.doubles.oidc.app import create_oidc_double
from tests.doubles.oidc.world import OidcWorld, Person
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import Loop, running_site, serve
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.network import free_port
from tests.fixtures.oidc import agent_idp_body, agent_idp_world

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
SCENARIO = REPO / "tests" / "providers" / "five9" / "fixtures" / "call_with_cavs.json"
CALL_ID = "45E471D607A94072A553A1406CC0BF03"
AGENT = "138"  # the agent the scenario's desktop is signed in as (getMetadata)
# People of the tenant's identity provider; its desk_agent_id claim holds the Five9 agent id.
ANN = Person("sub-ann", "ann@acme.example", True, "Ann Agent", claims={"desk_agent_id": AGENT})
BOB = Person("sub-bob", "bob@acme.example", True, "Bob Agent", claims={"desk_agent_id": "139"})


@dataclass
class Site:
    cuecard: str
    desktop: str
    loop: Loop
    app: web.Application
    idp: OidcWorld

    def host_url(self) -> str:
        """The desktop double framing the Five9 widget entry, as the Five9 admin set it up."""
        widget = f"{self.cuecard}/widget/five9?tenant=acme"
        return f"{self.desktop}/host?widget={quote(widget, safe='')}"


async def start_site(tmp_path: Path, loop: Loop) -> tuple[Site, list[web.AppRunner]]:
    cuecard_port, desktop_port, idp_port = free_port(), free_port(), free_port()
    cuecard, desktop = f"http://127.0.0.1:{cuecard_port}", f"http://127.0.0.1:{desktop_port}"
    idp = agent_idp_world(redirect_uri=f"{cuecard}/auth/idp/callback")
    idp.issuer = f"http://127.0.0.1:{idp_port}"
    idp.add(ANN)
    idp.add(BOB)
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    keys = await seed_tenants(settings.database_url)
    app = create_app(settings)
    runners = [
        await serve(create_oidc_double(idp), idp_port),
        await serve(create_double(load_scenario(SCENARIO)), desktop_port),
        await serve(app, cuecard_port),
    ]
    integration = {
        "provider": "five9",
        "name": "Five9",
        "settings": {
            "five9_tenant_id": "131",
            "sdk_url": f"{desktop}/sdk/five9.crm.sdk.js",
            "desktop_origins": [desktop],
            "handoff_items": ["account_number"],
        },
    }
    headers = {"Authorization": f"Bearer {keys['acme']}"}
    async with aiohttp.ClientSession() as session:
        for method, path, body in (
            ("PUT", "/api/v1/agent-sign-in", agent_idp_body(idp.issuer)),
            ("POST", "/api/v1/integrations", integration),
        ):
            async with session.request(method, cuecard + path, json=body, headers=headers) as made:
                assert made.status in (200, 201), await made.text()
    return Site(cuecard, desktop, loop, app, idp), runners


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("five9")
    with running_site(lambda loop: start_site(tmp, loop)) as started:
        yield started


@pytest.fixture
def open_desktop(browser: Browser, site: Site) -> Iterator[Any]:
    """Opens the desktop double and signs the agent in; the page errors must stay empty."""
    opened: list[tuple[Any, list[str]]] = []

    def open_as(person: Person) -> Page:
        site.idp.signed_in = person.subject
        context = browser.new_context(viewport={"width": 900, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        context.on("page", lambda popup: popup.on("pageerror", lambda e: problems.append(str(e))))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: record_console_error(message, problems))
        opened.append((context, problems))
        page.goto(site.host_url())
        sign_in(page, person)
        return page

    yield open_as
    for context, problems in opened:
        context.close()
        assert problems == [], "the pages reported errors (CSP violations show up here)"


def sign_in(page: Page, person: Person) -> None:
    """Sign in with the tenant's identity provider through the widget's popup."""
    widget = widget_of(page)
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in with Acme Okta", timeout=15_000)
    with page.context.expect_page() as popup:
        widget.get_by_test_id("sign-in").click()
    if not popup.value.is_closed():
        popup.value.wait_for_event("close", timeout=15_000)
    expect(widget.get_by_test_id("account-status")).to_have_text(f"Signed in as {person.name}")


def widget_of(page: Page) -> FrameLocator:
    return page.frame_locator("#widget")


def test_an_offered_call_shows_its_context_and_suggestions_before_the_first_word(
    open_desktop: Any, site: Site
) -> None:
    page = open_desktop(ANN)
    widget = widget_of(page)
    expect(widget.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)
    page.wait_for_function("() => window.five9Double.connected()", timeout=15_000)

    page.evaluate("() => window.five9Double.play(1)")  # callStarted: offered, nobody spoke

    status = widget.get_by_test_id("conversation-status")
    expect(status).to_have_attribute("data-conversation-id", CALL_ID, timeout=15_000)
    card = widget.get_by_test_id("handoff")
    expect(card).to_be_visible()
    expect(widget.get_by_test_id("handoff-intent")).to_have_text(
        "router keeps dropping the connection"
    )
    expect(widget.get_by_test_id("handoff-summary")).to_contain_text("hub light flashes orange")
    expect(widget.get_by_test_id("handoff-items")).to_have_text("Account numberACC-88120")
    titles = widget.locator("#suggestions").get_by_test_id("card-title")
    expect(titles.first).to_have_text("Resetting your home router", timeout=15_000)
    expect(widget.get_by_test_id("transcript-line")).to_have_count(0)
    # The SDK's traffic went through the double's channel: getMetadata, then getCav.
    requests = page.evaluate("() => window.five9Double.log.map((e) => e.request).filter(Boolean)")
    assert requests.index("getApplicationContext") < requests.index("getCav")
    snapshot = site.loop.run(site.app[JOURNAL].snapshot("acme", CALL_ID))
    assert snapshot.agent_id == AGENT
    assert snapshot.queue == "Broadband Support"
    assert snapshot.transcript == []


def test_a_desktop_signed_in_as_another_agent_is_refused_and_the_widget_says_why(
    open_desktop: Any, site: Site
) -> None:
    page = open_desktop(BOB)
    widget = widget_of(page)

    link = widget.get_by_test_id("connection-status")
    expect(link).to_have_attribute("data-state", "refused", timeout=15_000)
    expect(link).to_have_attribute("data-code", "bridge_refused")
    expect(link).to_contain_text("The Five9 desktop is signed in as agent 138")
    expect(link).to_contain_text("you signed in to cuecard as agent 139")
    page.evaluate("() => window.five9Double.play()")
    page.wait_for_timeout(500)  # what the desktop plays now must reach nobody
    sent = page.evaluate("() => window.five9Double.log.filter((e) => e.request === 'getCav')")
    assert sent == []
