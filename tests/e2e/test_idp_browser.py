"""Agent sign-in through the tenant's identity provider, in headless Chromium.

A stand-in desktop of Idpdesk (a platform whose manifest says ``SignInFlow.TENANT_IDP``)
frames the widget; the widget offers "Sign in with <the tenant's IdP>", the real popup goes
through the OpenID provider double and back, and the widget connects with the cuecard session
and follows the agent the configured claim names. Four loopback servers run in a background
event loop: cuecard (create_app), the provider double, and the desktop page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, FrameLocator, Page, expect

from providers.registry import PLATFORMS
from server.app import create_app
from tests.doubles.oidc.app import create_oidc_double
from tests.doubles.oidc.world import OidcWorld, Person
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import running_site, serve
from tests.e2e.test_genesys_browser import SANDBOX
from tests.fixtures.app import event, make_settings, seed_tenants
from tests.fixtures.idpdesk.manifest import MANIFEST as IDPDESK
from tests.fixtures.network import free_port
from tests.fixtures.oidc import AGENT_CLIENT_SECRET, agent_idp_body, agent_idp_world

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
ROUTER = "my router keeps dropping, the lights go orange"
ANN = Person(
    "sub-ann", "ann@acme.example", True, "Ann Agent", claims={"desk_agent_id": "agent-138"}
)


@dataclass
class Site:
    """The running servers and what the test needs to reach them."""

    cuecard: str
    desktop: str
    world: OidcWorld
    api_key: str
    run: Callable[[Coroutine[Any, Any, Any]], Any]

    def widget_url(self) -> str:
        return f"{self.cuecard}/widget/idpdesk?{urlencode({'tenant': 'acme'})}"

    async def send(self, method: str, path: str, body: Any) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.cuecard + path, json=body, headers=headers) as answer,
        ):
            assert answer.status in (200, 201), await answer.text()


def desktop_app(site: Callable[[], Site]) -> web.Application:
    """Idpdesk's desktop stand-in: one page framing the widget."""

    async def page(request: web.Request) -> web.Response:
        src = site().widget_url().replace("&", "&amp;")
        body = (
            '<!doctype html><title>Idpdesk (stand-in)</title><link rel="icon" href="data:,">'
            f'<iframe id="widget" src="{src}" sandbox="{SANDBOX}" width="380" height="760">'
            "</iframe>"
        )
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


async def start_site(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> tuple[Site, list[web.AppRunner]]:
    cuecard_port, idp_port, desktop_port = free_port(), free_port(), free_port()
    cuecard = f"http://127.0.0.1:{cuecard_port}"
    world = agent_idp_world(redirect_uri=f"{cuecard}/auth/idp/callback")
    world.issuer = f"http://127.0.0.1:{idp_port}"
    world.add(ANN)
    world.signed_in = ANN.subject
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    keys = await seed_tenants(settings.database_url)
    desktop = f"http://127.0.0.1:{desktop_port}"
    site = Site(cuecard=cuecard, desktop=desktop, world=world, api_key=keys["acme"], run=run)
    app = create_app(settings, platforms={**PLATFORMS, "idpdesk": IDPDESK})
    runners = [
        await serve(create_oidc_double(world), idp_port),
        await serve(app, cuecard_port),
        await serve(desktop_app(lambda: site), desktop_port),
    ]
    await site.send("PUT", "/api/v1/agent-sign-in", agent_idp_body(world.issuer))
    integration = {"provider": "idpdesk", "name": "Desk", "settings": {"desktop_origin": desktop}}
    await site.send("POST", "/api/v1/integrations", integration)
    return site, runners


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("idp")
    with running_site(lambda loop: start_site(tmp, loop.run)) as started:
        yield started


@pytest.fixture
def desktop(browser: Browser, site: Site) -> Iterator[Page]:
    """The desktop page with the widget framed; no page may report an error."""
    site.world.bend_claims = {}
    context = browser.new_context(viewport={"width": 420, "height": 820})
    page = context.new_page()
    problems: list[str] = []
    context.on("page", lambda opened: opened.on("pageerror", lambda e: problems.append(str(e))))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, problems))
    page.goto(site.desktop)
    try:
        yield page
    finally:
        context.close()
    assert problems == [], "the pages reported errors (CSP violations show up here)"


def sign_in(page: Page) -> None:
    """Click the widget's button; the popup goes to the provider and back, and closes."""
    widget = page.frame_locator("#widget")
    with page.context.expect_page() as opened:
        widget.get_by_test_id("sign-in").click()
    popup = opened.value
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=15_000)


def test_the_agent_signs_in_at_the_tenants_idp_and_the_widget_follows_them(
    desktop: Page, site: Site
) -> None:
    widget: FrameLocator = desktop.frame_locator("#widget")
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in with Acme Okta")

    sign_in(desktop)

    expect(widget.get_by_test_id("account-status")).to_have_text("Signed in as Ann Agent")
    expect(widget.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)
    expect(widget.get_by_test_id("sign-in")).to_be_hidden()
    assert len(site.world.token_requests) >= 1
    # The session follows the agent the claim names: their conversation reaches the widget.
    assigned = event("agent.assigned", "idp-a1", "c-idp-1", agent_id="agent-138", queue="support")
    site.run(site.send("POST", "/api/v1/events", assigned))
    said = event("message", "idp-m1", "c-idp-1", speaker="customer", text=ROUTER)
    site.run(site.send("POST", "/api/v1/events", said))
    line = widget.get_by_test_id("transcript-line").first
    expect(line).to_contain_text(ROUTER, timeout=15_000)
    card = widget.locator("#suggestions").get_by_test_id("suggestion-card").first
    expect(card).to_be_visible(timeout=15_000)
    expect(widget.get_by_test_id("integration-banner")).to_be_hidden()  # nothing runs, so is down
    assert AGENT_CLIENT_SECRET not in widget.locator("html").inner_html()


def test_an_id_token_without_the_claim_is_refused_and_the_widget_says_why(
    desktop: Page, site: Site
) -> None:
    widget = desktop.frame_locator("#widget")
    site.world.bend_claims = {"desk_agent_id": None}
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in with Acme Okta")

    sign_in(desktop)

    account = widget.get_by_test_id("account")
    expect(account).to_have_attribute("data-code", "idp_claim_missing")
    expect(widget.get_by_test_id("account-status")).to_contain_text("sent no 'desk_agent_id' claim")
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in again")
