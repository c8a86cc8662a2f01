"""In headless Chromium: an admin sees an event appear in the inspector and reveals its text."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.app import SECRET, customer_says, seed_tenants
from tests.fixtures.nodes import CUECARD, Node, running_node

pytestmark = pytest.mark.browser

ADMIN = "ann@acme.example"
PASSWORD = "correct horse battery staple"
SAID = "my card number ends 4242 and the router keeps dropping"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    """A real ``cuecard serve`` with acme and globex, and a tenant admin of acme."""
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}",
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    keys = await seed_tenants(env["CUECARD_DATABASE_URL"])
    create_admin = await asyncio.create_subprocess_exec(
        *(str(CUECARD), "admin", "create", "--email", ADMIN, "--role", "tenant"),
        *("--tenant", "acme", "--password-stdin"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    await create_admin.communicate(f"{PASSWORD}\n".encode())
    assert create_admin.returncode == 0
    with running_node(env, tmp_path / "server.log") as node:
        yield node, keys["acme"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    yield opened
    await context.close()
    assert problems == []


async def sign_in(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/admin/sign-in")
    await page.get_by_label("Email").fill(ADMIN)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await page.goto(f"{base_url}/admin/tenants/acme")


async def post_event(base_url: str, key: str) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{base_url}/api/v1/events",
            json=customer_says("m-42", SAID),
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status == 200


async def test_an_event_appears_in_the_inspector_and_its_text_is_revealed_on_request(
    server: tuple[Node, str], page: Page
) -> None:
    node, key = server
    await sign_in(page, node.base_url)
    await page.get_by_role("link", name="Events").click()
    await expect(page.get_by_text("No events match")).to_be_visible()

    await post_event(node.base_url, key)
    await page.get_by_role("button", name="Filter").click()

    row = page.locator("tr", has_text="m-42")
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("delivered")
    await expect(page.get_by_text(SAID)).to_have_count(0)
    await row.get_by_role("button", name="Reveal text").click()
    await expect(row.get_by_text(SAID)).to_be_visible()

    await page.reload()
    await expect(page.get_by_text(SAID)).to_have_count(0)
    reveals = page.locator("section", has=page.get_by_role("heading", name="Recent reveals"))
    await expect(reveals).to_contain_text(f"admin:{ADMIN}")
    await expect(reveals).to_contain_text("m-42")


async def test_the_health_page_charts_the_event(server: tuple[Node, str], page: Page) -> None:
    node, key = server
    await post_event(node.base_url, key)
    await sign_in(page, node.base_url)

    await page.get_by_role("link", name="Health").click()

    events_chart = page.get_by_role("img", name="Events per minute")
    await expect(events_chart).to_be_visible()
    await expect(page.get_by_role("img", name="Suggestion latency")).to_be_visible()
    await page.get_by_text("The numbers").click()
    await expect(page.get_by_role("cell", name="1", exact=True).first).to_be_visible()
    if os.environ.get("CUECARD_SCREENSHOTS"):
        await page.screenshot(path=os.environ["CUECARD_SCREENSHOTS"], full_page=True)
