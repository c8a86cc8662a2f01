"""The Genesys interaction widget in headless Chromium: a stand-in Genesys desktop frames the
widget, the agent signs in through the real popup at the Genesys double, and acts.

Three loopback servers run in a background event loop: cuecard (create_app), the Genesys
double (login + API), and the desktop page, which is served at the tenant's configured
Genesys desktop origin and frames the widget URL as Genesys would interpolate it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, FrameLocator, Page, expect

from server.app import create_app
from tests.doubles.genesys.actions import web_messaging_conversation
from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.world import GenesysWorld, OAuthClient
from tests.e2e.sites import running_site, serve
from tests.fixtures.app import make_settings, seed_tenants
from tests.fixtures.genesys import AGENT_CLIENT, integration_body, make_world
from tests.fixtures.network import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
QUEUE = "queue-support"
ROUTER = "my router keeps dropping, the lights go orange"
SANDBOX = "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox"
T = TypeVar("T")


@dataclass
class Site:
    """The running servers and what the test needs to reach them."""

    cuecard: str
    desktop: str
    world: GenesysWorld
    api_key: str
    # Runs a coroutine on the servers' loop, from the test's thread.
    run: Callable[[Coroutine[Any, Any, Any]], Any]

    def widget_url(self, conversation_id: str) -> str:
        query = {
            "tenant": "acme",
            "conversationId": conversation_id,
            "gcHostOrigin": self.desktop,
            "gcTargetEnv": "test",
            "langTag": "en-us",
            "usePopupAuth": "true",
        }
        return f"{self.cuecard}/widget/genesys?{urlencode(query)}"


def desktop_app(site: Callable[[], Site]) -> web.Application:
    """The Genesys desktop stand-in: one page framing the widget for ?conversation=."""

    async def page(request: web.Request) -> web.Response:
        src = site().widget_url(request.query["conversation"]).replace("&", "&amp;")
        body = (
            '<!doctype html><title>Genesys Cloud (stand-in)</title><link rel="icon" href="data:,">'
            f'<iframe id="widget" src="{src}" sandbox="{SANDBOX}" allow="clipboard-write" '
            'width="380" height="760"></iframe>'
        )
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


async def start_site(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> tuple[Site, list[web.AppRunner]]:
    cuecard_port, double_port, desktop_port = free_port(), free_port(), free_port()
    cuecard = f"http://127.0.0.1:{cuecard_port}"
    desktop = f"http://127.0.0.1:{desktop_port}"
    double = f"http://127.0.0.1:{double_port}"
    world = make_world()
    world.clients[AGENT_CLIENT] = OAuthClient(
        AGENT_CLIENT,
        redirect_uris=(f"{cuecard}/auth/genesys/callback",),
        grants=frozenset({"authorization_code", "refresh_token"}),
    )
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    keys = await seed_tenants(settings.database_url)
    site = Site(cuecard=cuecard, desktop=desktop, world=world, api_key=keys["acme"], run=run)
    runners = [
        await serve(create_double(world), double_port),
        await serve(create_app(settings), cuecard_port),
        await serve(desktop_app(lambda: site), desktop_port),
    ]
    body = integration_body(double, desktop_origin=desktop, queue_ids=[QUEUE])
    await post(site, "/api/v1/integrations", body)
    return site, runners


async def post(site: Site, path: str, body: Any) -> None:
    headers = {"Authorization": f"Bearer {site.api_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(site.cuecard + path, json=body, headers=headers) as response,
    ):
        assert response.status in (200, 201), await response.text()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("genesys")
    with running_site(lambda loop: start_site(tmp, loop.run)) as started:
        yield started


@dataclass
class Desktop:
    """The desktop page, showing one web-messaging conversation of Ada's."""

    page: Page
    conversation_id: str

    @property
    def widget(self) -> FrameLocator:
        return self.page.frame_locator("#widget")


CONVERSATIONS = itertools.count(1)


@pytest.fixture
def desktop(browser: Browser, site: Site) -> Iterator[Desktop]:
    """The desktop page with the widget framed for a fresh conversation."""
    conversation_id = f"c-web-{next(CONVERSATIONS)}"
    site.world.conversations[conversation_id] = web_messaging_conversation(conversation_id, "u-ada")
    context = browser.new_context(viewport={"width": 420, "height": 820})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{site.desktop}/?conversation={conversation_id}")
    try:
        yield Desktop(page, conversation_id)
    finally:
        context.close()
    assert problems == [], "the pages reported errors (CSP violations show up here)"


def sign_in(desktop: Desktop) -> None:
    """Click sign in; log in at the double in the real popup; the popup closes itself."""
    with desktop.page.context.expect_page() as opened:
        desktop.widget.get_by_test_id("sign-in").click()
    popup = opened.value
    popup.get_by_label("E-mail").fill("ada@acme.example")
    popup.get_by_label("Password").fill("pw-ada")
    with popup.expect_event("close", timeout=15_000):
        popup.get_by_role("button", name="Log in").click()
    expect(desktop.widget.get_by_test_id("connection-status")).to_have_text(
        "Connected", timeout=15_000
    )


def test_the_agent_signs_in_through_the_popup_and_the_widget_connects(
    desktop: Desktop, site: Site
) -> None:
    frame = desktop.widget
    expect(frame.get_by_test_id("sign-in")).to_have_text("Sign in with Genesys Cloud")
    sign_in(desktop)
    expect(frame.get_by_test_id("account-status")).to_have_text("Signed in as Ada Agent")
    expect(frame.get_by_test_id("sign-in")).to_be_hidden()
    user_tokens = [value for value, token in site.world.tokens.items() if token.user_id]
    page_html = frame.locator("html").inner_html()
    assert user_tokens
    assert all(value not in page_html for value in user_tokens)


def test_suggestions_for_a_web_messaging_conversation_and_a_reply_back_to_genesys(
    desktop: Desktop, site: Site
) -> None:
    sign_in(desktop)
    site.run(subscribed(site.world, "v2.users.u-ada.conversations"))
    conversation_id = desktop.conversation_id
    site.run(customer_writes(site.world, conversation_id, ROUTER))
    transcript = desktop.widget.get_by_test_id("transcript-line")
    expect(transcript.first).to_contain_text(ROUTER, timeout=15_000)
    card = desktop.widget.locator("#suggestions").get_by_test_id("suggestion-card").first
    expect(card).to_be_visible(timeout=15_000)
    snippet = card.locator(".card__snippet").inner_text()
    send = card.get_by_role("button", name=re.compile(r"^Send to the customer"))
    send.click()
    expect(send).to_have_text("Sent")
    assert wait_for(lambda: outbound(site.world, conversation_id)) == [snippet]
    # Genesys announces the agent's message like any other: it comes back as the agent's line.
    expect(transcript.nth(1)).to_contain_text(snippet[:40], timeout=15_000)


def test_wrap_up_notes_are_saved_in_genesys(desktop: Desktop, site: Site) -> None:
    site.world.conversations[desktop.conversation_id] = web_messaging_conversation(
        desktop.conversation_id, "u-ada", queue_id=QUEUE
    )
    sign_in(desktop)
    # Ada was connected to the conversation (Genesys told cuecard so): it is hers to open.
    site.run(subscribed(site.world, "v2.users.u-ada.conversations"))
    site.run(customer_writes(site.world, desktop.conversation_id, ROUTER))
    transcript = desktop.widget.get_by_test_id("transcript-line")
    expect(transcript.first).to_contain_text(ROUTER, timeout=15_000)
    desktop.widget.get_by_test_id("notes-input").fill("Router reset explained; all good.")
    desktop.widget.get_by_test_id("notes-save").click()
    expect(desktop.widget.get_by_test_id("notes-status")).to_have_text("Saved as wrap-up notes")
    agent = site.world.conversations[desktop.conversation_id]["participants"][2]
    assert agent["wrapup"]["notes"] == "Router reset explained; all good."


def outbound(world: GenesysWorld, conversation_id: str) -> list[str]:
    return [
        message["textBody"]
        for message in list(world.messages.values())
        if message["conversationId"] == conversation_id and message["direction"] == "outbound"
    ]


def wait_for(read: Callable[[], list[str]], within: float = 10.0) -> list[str]:
    """``read()`` once it returns something, or its last (empty) value after ``within``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.1)
    return read()


async def subscribed(world: GenesysWorld, topic: str) -> None:
    """Wait until a connected notification channel of the double is subscribed to ``topic``."""
    async with asyncio.timeout(15):
        while True:
            if any(topic in channel.topics for channel in world.channels.live()):
                return
            await asyncio.sleep(0.05)


async def customer_writes(world: GenesysWorld, conversation_id: str, text: str) -> None:
    """In the double: a web-messaging customer arrives, Ada answers, the customer writes."""
    chat = WebMessaging(world, conversation_id, queue_id=QUEUE)
    chat.arrive()
    chat.assign("u-ada")
    chat.customer_says(text)
