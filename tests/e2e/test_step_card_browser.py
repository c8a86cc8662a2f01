"""Headless Chromium, 400 px panel: the step card follows the agent through a procedure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from server.auth.tokens import TokenService
from server.store.database import Store
from server.store.models import DocumentIn
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.app import SECRET, event, seed_tenants
from tests.fixtures.nodes import Node, running_node

pytestmark = pytest.mark.browser

CONVERSATION = "conv-steps"
PANEL = {"width": 400, "height": 720}
PROCEDURE = DocumentIn(
    external_id="hub-factory-reset",
    title="Factory resetting the home hub",
    body=(
        "A factory reset puts every hub setting back to how it left the warehouse.\n\n"
        "## Resetting the hub\n\n"
        "1. Keep the hub switched on and plugged into the wall socket.\n"
        "2. Find the small recessed reset button on the back of the hub.\n"
        "3. Press and hold the reset button with a paperclip for twenty seconds.\n"
        "4. Wait eight minutes for the hub to restart; do not unplug it.\n"
    ),
)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    """``cuecard serve`` with acme, whose knowledge base has an article with a procedure."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    keys = await seed_tenants(database_url)
    store = await Store.connect(database_url)
    try:
        [kb] = await store.knowledge_bases.list("acme")
        await store.documents.upsert_many(kb, [PROCEDURE])
    finally:
        await store.aclose()
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": database_url,
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    with running_node(env, tmp_path / "server.log") as node:
        yield node, keys["acme"]


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport=PANEL)
        opened = await context.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        await browser.close()
        assert errors == []


class Conversation:
    """Posts the conversation's lines through the ingest API."""

    def __init__(self, base_url: str, key: str) -> None:
        self._url = f"{base_url}/api/v1/events"
        self._headers = {"Authorization": f"Bearer {key}"}
        self._count = 0

    async def say(self, speaker: str, text: str) -> None:
        self._count += 1
        body = event("message", f"m-{self._count}", CONVERSATION, speaker=speaker, text=text)
        async with aiohttp.ClientSession() as session:
            response = await session.post(self._url, json=body, headers=self._headers)
            assert response.status == 200, await response.text()


def next_step(page: Page) -> object:
    return page.locator('[data-testid="step"][data-state="next"]')


async def test_the_step_card_advances_as_the_agent_works_through_the_procedure(
    server: tuple[Node, str], page: Page
) -> None:
    node, key = server
    token = TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)
    await page.goto(
        f"{node.base_url}/widget/?tenant=acme&conversation={CONVERSATION}#token={token}"
    )
    await expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    chat = Conversation(node.base_url, key)

    await chat.say("customer", "hi there")
    await expect(page.get_by_test_id("suggestions-empty")).to_contain_text("Listening")

    await chat.say("customer", "i forgot the hub password, how do i factory reset the hub")
    cards = page.get_by_test_id("suggestion-card")
    await expect(cards.first).to_contain_text("Factory resetting the home hub")
    # In a 400 px panel the customer's latest line and the top card are both in view.
    for visible in (page.get_by_test_id("latest-line"), cards.first):
        await expect(visible).to_be_in_viewport()
    await expect(page.get_by_test_id("latest-line")).to_contain_text("factory reset the hub")

    steps = page.get_by_test_id("step")
    await expect(steps).to_have_count(4)
    await expect(next_step(page)).to_contain_text("Keep the hub switched on")

    # A verification answer changes neither the cards nor the steps; it lands in the details.
    await chat.say("agent", "Can I take the email address on the account?")
    await chat.say("customer", "sam.wright@example.com")
    await expect(page.get_by_test_id("detail")).to_contain_text("sam.wright@example.com")
    await expect(cards.first).to_contain_text("Factory resetting the home hub")

    await chat.say("agent", "Keep the hub switched on and plugged into the wall for now.")
    await expect(next_step(page)).to_contain_text("Find the small recessed reset button")
    await expect(steps.nth(0)).to_have_attribute("data-state", "done")

    await chat.say("agent", "Now find the little reset button on the back of the hub.")
    await expect(next_step(page)).to_contain_text("Press and hold the reset button")

    # The agent ticks the third step in the widget; the card moves on to the fourth.
    await steps.nth(2).get_by_test_id("step-tick").check()
    await expect(next_step(page)).to_contain_text("Wait eight minutes")
    await expect(steps.nth(2)).to_have_attribute("data-state", "done")
