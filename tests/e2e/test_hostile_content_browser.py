"""Headless Chromium: markup in articles, customers' words and platform data shows as text.

A knowledge-base article, a customer's line and a bot's handoff context all carry HTML and
script (``<img onerror>``, ``<script>``, a Markdown ``javascript:`` link). Through the real
``cuecard serve`` and the real widget they reach the suggestion card, the search results, the
step card, the transcript, the latest line, the details panel and the context card as the
literal characters typed; no element, handler or link is ever made from them, and nothing runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect

from server.auth.tokens import TokenService
from server.store.database import Store
from server.store.models import DocumentIn
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.app import SECRET, event, seed_tenants
from tests.fixtures.nodes import Node, running_node

pytestmark = pytest.mark.browser

CONVERSATION = "conv-hostile"
IMG = "<img src=x onerror=\"window.pwned='{}'\">"
SCRIPT = "<script>window.pwned='{}'</script>"
TITLE = f"Purple light on the fibre modem {IMG.format('title')}"
STEP = f"Unplug the fibre modem from the wall socket {IMG.format('step')}"
LINK = "[the reset guide](javascript:window.pwned='link')"
ARTICLE = DocumentIn(
    external_id="modem-purple-light",
    title=TITLE,
    body=(
        f"A purple light means the fibre modem lost its line. {SCRIPT.format('body')}\n\n"
        "## Clearing the purple light\n\n"
        f"1. {STEP}.\n"
        f"2. Wait thirty seconds, then read {LINK}.\n"
        "3. Plug the fibre modem back in and wait for a steady white light.\n"
    ),
)
LINE = f"{IMG.format('line')} my fibre modem shows a purple light {SCRIPT.format('line')}"
INTENT = f"modem_fault {IMG.format('intent')}"
SUMMARY = f"Customer reports a purple modem light {SCRIPT.format('summary')}"
ITEM = {"label": f"Account {IMG.format('label')}", "value": f"ACC-9 {IMG.format('value')}"}
# Anything the page could have built from the payloads: elements, handlers, non-web links.
MADE_FROM_MARKUP = """() => ({
  pwned: window.pwned ?? null,
  elements: document.querySelectorAll("img, iframe, object, embed, svg").length,
  scripts: document.scripts.length,
  handlers: [...document.querySelectorAll("*")].flatMap((e) =>
    [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.name)),
  links: [...document.querySelectorAll("a[href]")].map((a) => a.href)
    .filter((href) => !/^https?:/.test(href)),
})"""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    """``cuecard serve`` with acme, whose knowledge base holds the hostile article."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    keys = await seed_tenants(database_url)
    store = await Store.connect(database_url)
    try:
        [kb] = await store.knowledge_bases.list("acme")
        await store.documents.upsert_many(kb, [ARTICLE])
        # A tenant's own entity type that picks the markup itself out of the customer's line.
        await store.entity_types.create("acme", name="tag", pattern=r"<img[^>]*>", confidence=1)
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
    """The widget's browser tab; it must report no page error and no console error."""
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        opened = await (
            await browser.new_context(viewport={"width": 400, "height": 900})
        ).new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        opened.on("console", lambda message: _console_error(message, problems))
        yield opened
        await browser.close()
        # A payload parsed as markup would at least trip the page's CSP, which logs an error.
        assert problems == []


def _console_error(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error":
        problems.append(f"console: {message.text}")


async def post_events(base_url: str, key: str, *bodies: dict[str, Any]) -> None:
    """Posts canonical events through the ingest API, as a platform adapter would."""
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            response = await session.post(
                f"{base_url}/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status == 200, await response.text()


async def test_markup_from_articles_customers_and_platforms_is_shown_as_text(
    server: tuple[Node, str], page: Page
) -> None:
    node, key = server
    token = TokenService(SECRET, 3600).mint("acme", "agent-1")
    await page.goto(
        f"{node.base_url}/widget/?tenant=acme&conversation={CONVERSATION}#token={token}"
    )
    await expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "connected"
    )

    assigned = event("agent.assigned", "a-1", CONVERSATION, agent_id="agent-1", queue="support")
    handoff = event(
        "context.handoff", "h-1", CONVERSATION, intent=INTENT, summary=SUMMARY, items=[ITEM]
    )
    line = event("message", "m-1", CONVERSATION, speaker="customer", text=LINE)
    await post_events(node.base_url, key, assigned, handoff, line)

    await expect(page.get_by_test_id("handoff-intent")).to_contain_text(INTENT)
    await expect(page.get_by_test_id("handoff-summary")).to_contain_text(SUMMARY)
    await expect(page.get_by_test_id("handoff-items")).to_contain_text(ITEM["label"])
    await expect(page.get_by_test_id("handoff-items")).to_contain_text(ITEM["value"])
    await expect(page.get_by_test_id("transcript")).to_contain_text(LINE)
    await expect(page.get_by_test_id("details")).to_contain_text(IMG.format("line"))
    await expect(page.get_by_test_id("latest-line")).to_contain_text(LINE)
    card = page.locator("#suggestions").get_by_test_id("suggestion-card").first
    await expect(card).to_contain_text(TITLE)
    await expect(page.get_by_test_id("step-card")).to_contain_text(TITLE)
    await expect(page.get_by_test_id("step").first).to_contain_text(STEP)
    # A Markdown link in a step reads as its words; its target is dropped, never followed.
    second = page.get_by_test_id("step").nth(1)
    await expect(second).to_contain_text("then read the reset guide")
    await expect(second).not_to_contain_text("javascript:")

    await page.get_by_test_id("search-input").fill("purple light fibre modem")
    await page.get_by_test_id("search-input").press("Enter")
    await expect(page.get_by_test_id("search-results")).to_contain_text(TITLE)

    made = await page.evaluate(MADE_FROM_MARKUP)
    assert made == {"pwned": None, "elements": 0, "scripts": 1, "handlers": [], "links": []}
