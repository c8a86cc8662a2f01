"""8x8 in headless Chromium: the widget as a partner app in the Agent Workspace double.

The conversations' lifecycle comes from 8x8 Event Streaming (the Pulsar double), read by the
server; the widget learns from Agent Workspace, through 8x8's own partner SDK (installed from
npm when the widget is built), which interaction the agent focuses, and follows it: its
context card and suggestions. Another partner app framed beside the widget cannot hand the
SDK a port of its own, nor speak for the workspace.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, FrameLocator, Page, expect

from server.app import create_app
from tests.doubles.agent_workspace.app import create_workspace
from tests.doubles.oidc.app import create_oidc_double
from tests.doubles.oidc.world import Person
from tests.doubles.pulsar.app import create_double
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant, interaction
from tests.doubles.pulsar.world import PulsarWorld
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import Loop, running_site, serve
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.network import free_port
from tests.fixtures.oidc import agent_idp_body, agent_idp_world
from tests.providers.eight_by_eight.conftest import AGENT, fixture

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
CALL = fixture("inbound_call.json")
# The agent at the tenant's identity provider; its desk_agent_id claim holds the 8x8 agent id.
ANN = Person("sub-ann", "ann@acme.example", True, "Ann Agent", claims={"desk_agent_id": AGENT})
ROUTER_CALL = CALL[0]["Interaction"]["interactionGUID"]
REFUND_CHAT = "int-19b2c4d7a11-Rt5kW2nQ8xMvB3cY7hLpD9fJ4-chat-01-acmecc01"


def refund_chat() -> list[dict[str, Any]]:
    """A chat offered to the same agent, whose bot learnt the customer wants a refund."""
    events = []
    for payload in CALL[:4]:
        chat = interaction(payload, interactionGUID=REFUND_CHAT, mediaType="chat")
        if "attachedData" in chat["Interaction"]:
            chat["Interaction"]["attachedData"] = copy.deepcopy(REFUND_DATA)
        events.append(chat)
    return events


REFUND_DATA = {
    "attachedDatum": [
        {"attachedDataKey": "intent", "attachedDataValue": "refund for a returned order"},
        {"attachedDataKey": "accountNumber", "attachedDataValue": "ACC-40017"},
    ]
}


@dataclass
class Site:
    cuecard: str
    workspace: str
    beside: str
    tenant: EightByEightTenant
    loop: Loop

    def workspace_url(self) -> str:
        widget = f"{self.cuecard}/widget/eight_by_eight?tenant=acme"
        return f"{self.workspace}/?{urlencode({'widget': widget, 'beside': self.beside})}"

    def emit(self, payloads: list[dict[str, Any]]) -> None:
        async def publish() -> None:
            for payload in payloads:
                self.tenant.emit(payload)

        self.loop.run(publish())


async def start_site(tmp_path: Path, loop: Loop) -> tuple[Site, list[web.AppRunner]]:
    cuecard_port, pulsar_port, workspace_port, beside_port, idp_port = (
        free_port() for _ in range(5)
    )
    cuecard = f"http://127.0.0.1:{cuecard_port}"
    idp = agent_idp_world(redirect_uri=f"{cuecard}/auth/idp/callback")
    idp.issuer = f"http://127.0.0.1:{idp_port}"
    idp.add(ANN)
    idp.signed_in = ANN.subject
    workspace = f"http://127.0.0.1:{workspace_port}"
    world = PulsarWorld()
    tenant = EightByEightTenant(world)
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    keys = await seed_tenants(settings.database_url)
    runners = [
        await serve(create_oidc_double(idp), idp_port),
        await serve(create_double(world), pulsar_port),
        await serve(create_app(settings), cuecard_port),
        await serve(create_workspace(theme="dark", locale="en_GB"), workspace_port),
        await serve(create_workspace(), beside_port),
    ]
    integration = {
        "provider": "eight_by_eight",
        "name": "8x8",
        "settings": {
            "tenant_name": tenant.name,
            "api_key": tenant.key,
            "stream_base_url": f"ws://127.0.0.1:{pulsar_port}",
            "start_at": "earliest",
            "workspace_origins": [workspace],
            "handoff_items": ["accountNumber"],
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
    # The other partner app is on another origin (localhost, not 127.0.0.1).
    beside = f"http://localhost:{beside_port}/beside"
    return Site(cuecard, workspace, beside, tenant, loop), runners


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("eight_by_eight")
    with running_site(lambda loop: start_site(tmp, loop)) as started:
        yield started


@pytest.fixture
def workspace(browser: Browser, site: Site) -> Iterator[Page]:
    """Agent Workspace with the widget connected and the partner SDK initialised."""
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, problems))
    context.on("page", lambda popup: popup.on("pageerror", lambda e: problems.append(str(e))))
    page.goto(site.workspace_url())
    # The partner SDK is initialised while the agent has not signed in yet.
    page.wait_for_function("() => window.workspace.initialised()", timeout=15_000)
    widget = widget_of(page)
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in with Acme Okta", timeout=15_000)
    with context.expect_page() as popup:
        widget.get_by_test_id("sign-in").click()
    if not popup.value.is_closed():
        popup.value.wait_for_event("close", timeout=15_000)
    expect(widget.get_by_test_id("account-status")).to_have_text("Signed in as Ann Agent")
    expect(widget.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)
    try:
        yield page
    finally:
        context.close()
    assert problems == [], "the pages reported errors (CSP violations show up here)"


def widget_of(page: Page) -> FrameLocator:
    return page.frame_locator("#widget")


def expect_showing(widget: FrameLocator, conversation_id: str, intent: str, title: str) -> None:
    status = widget.get_by_test_id("conversation-status")
    expect(status).to_have_attribute("data-conversation-id", conversation_id, timeout=15_000)
    expect(widget.get_by_test_id("handoff-intent")).to_have_text(intent, timeout=15_000)
    titles = widget.locator("#suggestions").get_by_test_id("card-title")
    expect(titles.first).to_have_text(title, timeout=15_000)
    expect(widget.get_by_test_id("transcript-line")).to_have_count(0)


def test_the_widget_follows_the_interaction_the_agent_focuses(workspace: Page, site: Site) -> None:
    widget = widget_of(workspace)
    # The SDK introduced the widget, and the workspace's theme and locale took effect.
    app = workspace.evaluate("() => window.workspace.app()")
    assert (app["appName"], app["vendor"]) == ("cuecard", "cuecard")
    assert app["partnerSdkVersion"].startswith("0.15.0")  # the pinned package did the talking
    root = workspace.frame(url=lambda url: "/widget/eight_by_eight" in url)
    assert root is not None
    root.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    assert root.evaluate("() => document.documentElement.lang") == "en-GB"

    # Both offered to the agent by 8x8 (Event Streaming); the agent works on the call first.
    site.emit(CALL[:4])
    site.emit(refund_chat())
    status = widget.get_by_test_id("conversation-status")
    expect(status).to_have_attribute("data-conversation-id", REFUND_CHAT, timeout=15_000)
    assert workspace.evaluate(f"() => window.workspace.focus('{ROUTER_CALL}', 1162)")
    expect_showing(
        widget, ROUTER_CALL, "router keeps dropping the connection", "Resetting your home router"
    )

    assert workspace.evaluate(f"() => window.workspace.focus('{REFUND_CHAT}', 1162)")
    expect_showing(
        widget, REFUND_CHAT, "refund for a returned order", "Refunds for returned orders"
    )
    expect(widget.get_by_test_id("handoff-items")).to_have_text("Account numberACC-40017")

    # The call's end arrives from the stream: the widget, back on the call, says so.
    assert workspace.evaluate(f"() => window.workspace.focus('{ROUTER_CALL}', 1162)")
    site.emit(CALL[4:])
    expect(status).to_have_attribute("data-conversation-id", ROUTER_CALL, timeout=15_000)
    expect(status).to_have_text("Conversation ended", timeout=15_000)


def test_another_partner_app_cannot_take_the_sdks_port_or_speak_for_the_workspace(
    workspace: Page, site: Site
) -> None:
    widget = widget_of(workspace)
    beside = workspace.frame(url=site.beside)
    assert beside is not None
    first, second = (f"int-19b2c4d8{n}-Hx2mQ7vN4kLpR8tW3yBcF6dJ9-phone-01-acmecc01" for n in "ab")
    site.emit([interaction(payload, interactionGUID=first) for payload in CALL[:4]])
    status = widget.get_by_test_id("conversation-status")
    expect(status).to_have_attribute("data-conversation-id", first, timeout=15_000)

    beside.evaluate("() => window.beside.intrude()")
    beside.evaluate("() => window.beside.focus('int-not-a-real-interaction')")
    site.emit([interaction(payload, interactionGUID=second) for payload in CALL[:4]])
    expect(status).to_have_attribute("data-conversation-id", second, timeout=15_000)

    # The intruder's port never heard the SDK, and its focus moved nothing.
    assert beside.evaluate("() => window.beside.heard") == []
    # The workspace itself is still heard.
    assert workspace.evaluate(f"() => window.workspace.focus('{first}', 1162)")
    expect(status).to_have_attribute("data-conversation-id", first, timeout=15_000)
    assert beside.evaluate("() => window.beside.heard") == []
