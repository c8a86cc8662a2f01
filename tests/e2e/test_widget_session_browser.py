"""In headless Chromium against a real ``cuecard serve``: the widget's session expiring, a
conversation opening once it is assigned, and the server shutting down under it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from server.auth.tokens import TokenService
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.app import SECRET, customer_says, event, seed_tenants
from tests.fixtures.nodes import Node, running_node

pytestmark = pytest.mark.browser

TOKENS = TokenService(SECRET, 3600)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    """A real ``cuecard serve`` with acme and globex; yields it and acme's API key."""
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}",
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    keys = await seed_tenants(env["CUECARD_DATABASE_URL"])
    with running_node(env, tmp_path / "server.log") as node:
        yield node, keys["acme"]


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 360, "height": 760})
        opened = await context.new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        yield opened
        await browser.close()
        assert problems == []


def widget_url(node: Node, token: str, conversation: str = "conv-1") -> str:
    return f"{node.base_url}/widget/?tenant=acme&conversation={conversation}#token={token}"


async def post(node: Node, key: str, body: object) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{node.base_url}/api/v1/events",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        assert response.status == 200, await response.text()


async def test_an_expired_session_is_shown_not_left_hanging(
    server: tuple[Node, str], page: Page
) -> None:
    node, _ = server
    await page.goto(widget_url(node, TOKENS.mint("acme", "agent-1", ttl_seconds=3)))
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_text("Connected", timeout=15_000)

    await expect(status).to_have_attribute("data-state", "refused", timeout=15_000)
    await expect(status).to_have_attribute("data-code", "token_expired")
    await expect(status).to_contain_text("reopen the widget")


async def test_a_pinned_conversation_opens_once_it_is_assigned(
    server: tuple[Node, str], page: Page
) -> None:
    node, key = server
    await page.goto(widget_url(node, TOKENS.mint("acme", "agent-1")))
    await expect(page.get_by_test_id("notice")).to_contain_text(
        "Waiting for this conversation to be assigned to you", timeout=15_000
    )

    assigned = event("agent.assigned", "a1", agent_id="agent-1", queue="support")
    await post(node, key, {"events": [assigned, customer_says("e1", "my router keeps dropping")]})

    line = page.get_by_test_id("transcript-line").first
    await expect(line).to_contain_text("my router keeps dropping", timeout=15_000)


async def test_a_server_shutting_down_sends_the_widget_reconnecting(
    server: tuple[Node, str], page: Page
) -> None:
    node, _ = server
    await page.goto(widget_url(node, TOKENS.mint("acme", "agent-1", supervisor=True)))
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_text("Connected", timeout=15_000)

    node.process.terminate()

    await expect(page.get_by_test_id("notice")).to_contain_text("shutting down", timeout=5_000)
    await expect(status).to_have_attribute("data-state", "reconnecting", timeout=5_000)
