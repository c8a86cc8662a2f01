"""In headless Chromium against a real ``cuecard serve``: the widget fetches a line it never
received before going on, and keeps every line, once and in order, across a server restart
that lost the server's live state."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, async_playwright, expect

from server.auth.tokens import TokenService
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.app import SECRET, event, seed_tenants
from tests.fixtures.nodes import NodeProcess

pytestmark = pytest.mark.browser

TOKENS = TokenService(SECRET, 3600)
LOST = "LOST ON THE WAY"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[NodeProcess, str]]:
    """A real ``cuecard serve`` (live state in memory, the journal in SQLite) and acme's key."""
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}",
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    keys = await seed_tenants(env["CUECARD_DATABASE_URL"])
    node = NodeProcess(env, tmp_path / "server.log")
    await asyncio.to_thread(node.start)
    try:
        yield node, keys["acme"]
    finally:
        await asyncio.to_thread(node.stop)


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        opened = await (await browser.new_context()).new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        yield opened
        await browser.close()
        assert problems == []


async def say(node: NodeProcess, key: str, event_id: str, text: str) -> None:
    body = event("message", event_id, speaker="agent", text=text)
    await post(node, key, body)


async def post(node: NodeProcess, key: str, body: object) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{node.base_url}/api/v1/events",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def open_widget(page: Page, node: NodeProcess, key: str) -> None:
    await post(node, key, event("agent.assigned", "as-1", agent_id="ada", queue="support"))
    token = TOKENS.mint("acme", "ada")
    await page.goto(f"{node.base_url}/widget/?tenant=acme&conversation=conv-1#token={token}")
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_text("Connected", timeout=15_000)


async def expect_transcript(page: Page, texts: list[str]) -> None:
    lines = page.get_by_test_id("transcript-line")
    await expect(lines).to_have_count(len(texts), timeout=15_000)
    for index, text in enumerate(texts):
        await expect(lines.nth(index)).to_contain_text(text)


class LostLineRoute:
    """Passes the widget's WebSocket through, except the first live transcript event with LOST;
    ``joined`` is set once the join's snapshot has passed."""

    def __init__(self) -> None:
        self.joined = asyncio.Event()
        self._dropped = False

    async def handle(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: self._from_server(ws, message))
        ws.on_message(lambda message: server.send(message))

    def _from_server(self, ws: WebSocketRoute, message: str | bytes) -> None:
        if isinstance(message, str):
            if '"snapshot"' in message:
                self.joined.set()
            elif '"transcript"' in message and LOST in message and not self._dropped:
                self._dropped = True
                return
        ws.send(message)


async def test_a_line_that_never_arrived_is_fetched_before_the_next_is_shown(
    server: tuple[NodeProcess, str], page: Page
) -> None:
    node, key = server
    route = LostLineRoute()
    await page.route_web_socket(re.compile(r".*/socket\.io/.*"), route.handle)
    await open_widget(page, node, key)
    # "Connected" shows when the socket opens, before the join's snapshot: lines said before the
    # snapshot would arrive inside it, and the dropped frame would be the snapshot instead.
    await asyncio.wait_for(route.joined.wait(), timeout=15)

    await say(node, key, "m1", "first line")
    await say(node, key, "m2", LOST)
    await say(node, key, "m3", "third line")

    await expect_transcript(page, ["first line", LOST, "third line"])


async def test_every_line_stays_once_and_in_order_across_a_restart_that_lost_live_state(
    server: tuple[NodeProcess, str], page: Page
) -> None:
    node, key = server
    await open_widget(page, node, key)
    await say(node, key, "m1", "before the restart")
    await expect_transcript(page, ["before the restart"])

    await asyncio.to_thread(node.stop)
    await asyncio.to_thread(node.start)
    await say(node, key, "m2", "after the restart")
    await say(node, key, "m1", "before the restart")  # the platform delivers it again

    await expect_transcript(page, ["before the restart", "after the restart"])
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_text("Connected", timeout=15_000)
