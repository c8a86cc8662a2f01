"""In Chromium: the Five9 double's desktop page and stand-in SDK complete the documented
handshake across origins, answer getMetadata/getCav, and play the scenario in order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Frame, Page, async_playwright

from tests.doubles.five9.app import create_double, load_scenario
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parents[2] / "providers" / "five9" / "fixtures"
CALL_ID = "45E471D607A94072A553A1406CC0BF03"


@pytest.fixture
def scenario() -> dict[str, Any]:
    return load_scenario(FIXTURES / "call_with_cavs.json")


@pytest.fixture
async def servers(
    scenario: dict[str, Any], aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> tuple[TestServer, TestServer]:
    """The desktop and the framed page, on two ports: two origins, as in production."""
    return await aiohttp_server(create_double(scenario)), await aiohttp_server(
        create_double(scenario)
    )


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        opened = await browser.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        await browser.close()
        assert errors == []


async def framed_probe(page: Page, servers: tuple[TestServer, TestServer]) -> Frame:
    desktop, widget = servers
    probe = str(widget.make_url("/probe"))
    await page.goto(str(desktop.make_url("/host").with_query(widget=probe)))
    await page.wait_for_function("() => window.five9Double && window.five9Double.connected()")
    frame = page.frame(url=probe)
    assert frame is not None
    return frame


async def test_the_sdk_connects_and_reads_the_desktops_metadata(
    page: Page, servers: tuple[TestServer, TestServer]
) -> None:
    frame = await framed_probe(page, servers)
    await frame.wait_for_function("() => window.probe.metadata !== null")

    metadata = await frame.evaluate("() => window.probe.metadata")
    log = await page.evaluate("() => window.five9Double.log")

    assert metadata == {"agentId": 138, "tenantId": 131}
    assert log[0]["message"] == "asking_connect"
    assert log[0]["sender"].startswith("remote_intrx_plugin_-")
    assert any(
        entry.get("message", "").startswith("connected::remote_intrx_plugin_-") for entry in log
    )
    assert {"via": "port", "request": "getApplicationContext"} in log


async def test_the_scenario_plays_in_order_with_its_variables(
    page: Page, servers: tuple[TestServer, TestServer]
) -> None:
    frame = await framed_probe(page, servers)
    await page.evaluate("() => window.five9Double.play(1)")
    await frame.wait_for_function(f"() => window.probe.cavs['{CALL_ID}'] !== undefined")
    await page.evaluate("() => window.five9Double.play()")
    await frame.wait_for_function("() => window.probe.events.length === 4")
    await frame.wait_for_function("() => window.probe.errors.length >= 1")

    events = await frame.evaluate("() => window.probe.events")
    cavs = await frame.evaluate(f"() => window.probe.cavs['{CALL_ID}']")
    errors = await frame.evaluate("() => window.probe.errors")

    reasons = ["callStarted", "callAccepted", "callEnded", "callFinished"]
    assert [e["reason"] for e in events] == reasons
    assert {e["interactionId"] for e in events} == {CALL_ID}
    intent = {"id": "641", "name": "intent", "group": "IVR"}
    assert {**intent, "value": "router keeps dropping the connection"} in cavs
    # After callFinished the interaction's data is gone, as the SDK documents.
    assert {"errorCode": "InteractionNotFound"} in errors


async def test_a_page_that_never_asks_to_connect_gets_nothing(
    page: Page, servers: tuple[TestServer, TestServer]
) -> None:
    desktop, _ = servers
    await page.goto(str(desktop.make_url("/host")))
    await page.evaluate("() => window.five9Double.ready")
    played = await page.evaluate("() => window.five9Double.play()")

    assert played == 4
    assert await page.evaluate("() => window.five9Double.connected()") is False
