"""The Salesforce widget in headless Chromium: a stand-in Lightning page frames the real widget
and speaks the cuecardAssist component's postMessage protocol, with the component's own
protocol module; the agent signs in through the real popup at the Salesforce double; the
customer's messages bring suggestions; Send and Insert reach the page as conversation-toolkit
calls with the card's text; the notes reach the Case as the wrap-up Task.

Three loopback servers run in a background event loop: cuecard (create_app), the Salesforce
double (My Domain OAuth and REST), and the Lightning page, served at the origin the tenant's
integration names as its Lightning origin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, FrameLocator, Page, expect

from server.app import create_app
from tests.doubles.salesforce.app import create_salesforce_double
from tests.doubles.salesforce.world import SalesforceWorld
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import running_site, serve
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.network import free_port
from tests.fixtures.salesforce import AGENT_ID, integration_body, make_salesforce_world

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
PROTOCOL = REPO / "providers/salesforce/sfdx/force-app/main/default/lwc/cuecardAssist/protocol.js"
ROUTER = "my router keeps dropping, the lights go orange"
SANDBOX = "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox"
END_USER = "lightning__conversationEndUserMessage"

# The component's logic (cuecardAssist.js) on a plain page: the same protocol module, the same
# checks of the widget's origin and window, the toolkit replaced by a record of its calls.
LIGHTNING_PAGE = """<!doctype html><title>Lightning (stand-in)</title>
<link rel="icon" href="data:,">
<iframe id="widget" sandbox="%(sandbox)s" allow="clipboard-write" width="380" height="760"></iframe>
<script type="module">
import { actionResult, contextMessage, frameUrl, lmsMessage, readAction, widgetMessage,
         widgetOriginOf } from "./protocol.js";
const query = new URLSearchParams(location.search);
const widgetUrl = query.get("widgetUrl");
const host = { recordId: query.get("record"), objectApiName: "MessagingSession",
               userId: query.get("user") };
const origin = widgetOriginOf(widgetUrl);
const frame = document.getElementById("widget");
const seen = [];
let ready = false;
window.toolkit = [];
const post = (message) => frame.contentWindow.postMessage(message, origin);
window.conversationEvent = (channel, payload) => {
  const message = lmsMessage(host, channel, payload);
  if (message === null) return;
  seen.push(message);
  if (ready) post(message);
};
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || event.origin !== origin) return;
  const message = widgetMessage(event.data);
  if (message === null) return;
  if (message.type === "widget.ready") {
    ready = true;
    post(contextMessage(host));
    seen.forEach(post);
  } else if (message.type === "desktop.action") {
    const request = readAction(message, host.recordId);
    if (!request.error) window.toolkit.push({ method: request.method, text: request.text });
    post(actionResult(message.request_id, request.error));
  }
});
frame.src = frameUrl(widgetUrl, { ...host, hostOrigin: location.origin });
</script>"""


@dataclass
class Site:
    """The running servers and what the test needs to reach them."""

    cuecard: str
    lightning: str
    world: SalesforceWorld
    run: Callable[[Coroutine[Any, Any, Any]], Any]

    def page_url(self, record_id: str) -> str:
        query = {
            "widgetUrl": f"{self.cuecard}/widget/salesforce?tenant=acme",
            "record": record_id,
            "user": AGENT_ID,
        }
        return f"{self.lightning}/?{urlencode(query)}"


def lightning_app() -> web.Application:
    """The Lightning page and the component's protocol module."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=LIGHTNING_PAGE % {"sandbox": SANDBOX}, content_type="text/html")

    async def protocol(request: web.Request) -> web.Response:
        return web.Response(text=PROTOCOL.read_text(), content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/protocol.js", protocol)
    return app


async def start_site(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> tuple[Site, list[web.AppRunner]]:
    ports = free_port(), free_port(), free_port()
    cuecard, double, lightning = (f"http://127.0.0.1:{port}" for port in ports)
    world = make_salesforce_world(callback=f"{cuecard}/auth/salesforce/callback")
    world.base_url = double
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    keys = await seed_tenants(settings.database_url)
    runners = [
        await serve(create_salesforce_double(world), ports[1]),
        await serve(create_app(settings), ports[0]),
        await serve(lightning_app(), ports[2]),
    ]
    served = _Served(double)
    body = integration_body(served, lightning_origins=[lightning])
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{cuecard}/api/v1/integrations",
            json=body,
            headers={"Authorization": f"Bearer {keys['acme']}"},
        ) as response,
    ):
        assert response.status == 201, await response.text()
    return Site(cuecard, lightning, world, run), runners


@dataclass
class _Served:
    base: str

    def make_url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("salesforce")
    with running_site(lambda loop: start_site(tmp, loop.run)) as started:
        yield started


@dataclass
class Lightning:
    """The record page of one Messaging Session, with the widget framed in the component."""

    page: Page
    session_id: str
    case_id: str

    @property
    def widget(self) -> FrameLocator:
        return self.page.frame_locator("#widget")

    def customer_says(self, text: str) -> None:
        payload = {"recordId": self.session_id, "content": text, "name": "Dana"}
        self.page.evaluate(
            "([channel, payload]) => window.conversationEvent(channel, "
            "{...payload, timestamp: Date.now()})",
            [END_USER, payload],
        )

    def toolkit(self) -> list[dict[str, str]]:
        calls: list[dict[str, str]] = self.page.evaluate("window.toolkit")
        return calls


@pytest.fixture
def lightning(browser: Browser, site: Site) -> Iterator[Lightning]:
    world = site.world
    case_id = world.insert("Case", Subject="Router keeps dropping")
    session_id = world.insert("MessagingSession", CaseId=case_id, OwnerId=AGENT_ID)
    context = browser.new_context(viewport={"width": 420, "height": 820})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, problems))
    page.goto(site.page_url(session_id))
    try:
        yield Lightning(page, session_id, case_id)
    finally:
        context.close()
    assert problems == [], "the pages reported errors (CSP violations show up here)"


def sign_in(lightning: Lightning, site: Site) -> None:
    """The agent is signed in at My Domain: the real popup goes there and back, and closes."""
    site.world.signed_in = AGENT_ID
    widget = lightning.widget
    expect(widget.get_by_test_id("sign-in")).to_have_text("Sign in with Salesforce Service Cloud")
    with lightning.page.context.expect_page() as opened:
        widget.get_by_test_id("sign-in").click()
    popup = opened.value
    popup.wait_for_event("close", timeout=15_000)
    expect(widget.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)
    expect(widget.get_by_test_id("account-status")).to_have_text("Signed in as Ann Agent")


def test_suggestions_for_the_customer_and_send_runs_the_toolkit_with_the_cards_text(
    lightning: Lightning, site: Site
) -> None:
    sign_in(lightning, site)
    lightning.customer_says(ROUTER)

    transcript = lightning.widget.get_by_test_id("transcript-line")
    expect(transcript.first).to_contain_text(ROUTER, timeout=15_000)
    card = lightning.widget.locator("#suggestions").get_by_test_id("suggestion-card").first
    expect(card).to_be_visible(timeout=15_000)
    snippet = card.locator(".card__snippet").inner_text()
    send = card.get_by_role("button", name=re.compile(r"^Send to the customer"))
    send.click()
    expect(send).to_have_text("Sent")
    card.get_by_role("button", name=re.compile(r"^Insert in your reply")).click()

    lightning.page.wait_for_function("window.toolkit.length >= 2", timeout=15_000)
    assert lightning.toolkit() == [
        {"method": "sendMessage", "text": snippet},
        {"method": "setAgentInput", "text": snippet},
    ]


def test_the_salesforce_token_never_reaches_the_page(lightning: Lightning, site: Site) -> None:
    sign_in(lightning, site)
    issued = [value for value, token in site.world.tokens.items() if token.user_id == AGENT_ID]
    page_html = lightning.widget.locator("html").inner_html()
    assert issued
    assert all(value not in page_html for value in issued)


def test_the_wrap_up_notes_reach_the_case_when_the_conversation_ends(
    lightning: Lightning, site: Site
) -> None:
    sign_in(lightning, site)
    lightning.customer_says(ROUTER)
    expect(lightning.widget.get_by_test_id("transcript-line").first).to_contain_text(
        ROUTER, timeout=15_000
    )
    lightning.widget.get_by_test_id("notes-input").fill("Router reset explained; all good.")
    lightning.widget.get_by_test_id("notes-save").click()
    expect(lightning.widget.get_by_test_id("notes-status")).to_have_text("Saved as wrap-up notes")
    lightning.page.evaluate(
        "(recordId) => window.conversationEvent('lightning__conversationEnded', {recordId})",
        lightning.session_id,
    )

    def tasks() -> list[dict[str, Any]]:
        rows = list(site.world.records.get("Task", {}).values())
        return [row for row in rows if row["WhatId"] == lightning.case_id]

    [task] = wait_for(tasks, 1)
    assert task["Description"].startswith("Router reset explained; all good.")
    assert task["OwnerId"] == AGENT_ID


def wait_for(read: Callable[[], list[Any]], count: int, within: float = 15.0) -> list[Any]:
    """``read()`` once it has ``count`` items, or its last value after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = read()
        if len(value) >= count or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
