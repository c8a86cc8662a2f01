"""The desktop bridge in headless Chromium.

First against a real ``cuecard demo``: its simulated desktop plays a demo conversation into the
widget it frames, over postMessage and ``bridge.event``, until the conversation's article is
suggested; a card's Send goes back to the desktop, which reports it as the agent's line.

Then against servers in a background loop, to attack it: cuecard, a stand-in desktop at the
origin the tenant's simulator integration allows, and a foreign origin (``localhost`` on
another port) that either sits beside the widget in the desktop or frames the widget itself.
Messages from the foreign origin are ignored and nothing reaches the server; a second agent's
real Socket.IO client naming the first agent's conversation is refused and changes nothing.
"""

from __future__ import annotations

import html
import re
import subprocess
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.sync_api import Browser, ConsoleMessage, FrameLocator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from providers.simulator.config import SimulatorSettings
from server.app import create_app
from server.auth.tokens import TokenService
from server.keys import JOURNAL, STATE
from server.state.models import Snapshot
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import Loop, running_site, serve
from tests.e2e.test_widget_browser import CUECARD, load_scripts, script_playing
from tests.fixtures.app import SECRET, make_settings, open_widget, seed_tenants
from tests.fixtures.bridge import SCRIPT, host
from tests.fixtures.network import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "widget" / "dist"
STARTUP_SECONDS = 45
CONVERSATION_SECONDS = 120
ROUTER = "my router keeps dropping, the lights go orange"


# -- against cuecard demo ---------------------------------------------------------------------


def demo_line(logs: Path, process: subprocess.Popen[bytes], label: str) -> str:
    """The URL ``cuecard demo`` prints after ``label:``."""
    pattern = re.compile(rf"^{label}: (\S+)", re.MULTILINE)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = pattern.search((logs / "stdout.txt").read_text())
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = (logs / "stderr.txt").read_text()[-3000:]
    pytest.fail(f"cuecard demo printed no '{label}:' line (exit {process.poll()}):\n{tail}")


@pytest.fixture(scope="module")
def desktop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Runs ``cuecard demo`` and yields the simulated desktop's printed URL."""
    if not (DIST / "index.html").is_file():
        pytest.fail("widget/dist is missing: the widget is not built; run make widget")
    logs = tmp_path_factory.mktemp("demo")
    with (logs / "stdout.txt").open("w") as out, (logs / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            # Fast enough to reach suggestions soon, slow enough to click Send within one chat.
            [str(CUECARD), "demo", "--port", str(free_port()), "--speed", "8"],
            cwd=logs,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield demo_line(logs, process, "Desktop URL")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def demo_desktop(browser: Browser, desktop_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 820})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, problems))
    page.goto(desktop_url)
    try:
        yield page
    finally:
        context.close()
    assert problems == [], "the pages reported errors (CSP violations show up here)"


def widget_lines(widget: FrameLocator) -> list[str]:
    return widget.locator('[data-testid="transcript-line"] .line__text').all_text_contents()


def test_the_desktop_plays_a_conversation_through_the_bridge_into_suggestions(
    demo_desktop: Page,
) -> None:
    scripts = load_scripts()
    widget = demo_desktop.frame_locator("#widget")
    expect(widget.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)
    assert "token=" not in demo_desktop.url
    titles: dict[str, set[str]] = {}
    deadline = time.monotonic() + CONVERSATION_SECONDS
    while time.monotonic() < deadline:
        lines = widget_lines(widget)
        script = script_playing(lines, scripts)
        shown = widget.locator("#suggestions").get_by_test_id("card-title").all_text_contents()
        if script is not None:
            titles.setdefault(script.name, set()).update(shown)
            if script.expected_title in shown:
                # The widget shows what the desktop shows: the same lines, in order.
                desk = demo_desktop.get_by_test_id("desktop-line").locator("span + span")
                assert lines == desk.all_text_contents()[: len(lines)]
                return
        demo_desktop.wait_for_timeout(250)
    pytest.fail(f"no desktop conversation showed its expected article; titles seen: {titles}")


def test_send_on_a_card_is_carried_out_by_the_desktop_and_comes_back_as_the_agents_line(
    demo_desktop: Page,
) -> None:
    widget = demo_desktop.frame_locator("#widget")
    snippet = send_first_card(widget)
    desk_line = demo_desktop.get_by_test_id("desktop-line").filter(has_text=snippet[:40])
    expect(desk_line).to_have_count(1)
    expect(desk_line.locator(".line__speaker")).to_have_text("agent")
    bridged = widget.get_by_test_id("transcript-line").filter(has_text=snippet[:40])
    expect(bridged).to_have_count(1, timeout=15_000)
    expect(bridged.locator(".line__speaker")).to_contain_text("agent", ignore_case=True)


def send_first_card(widget: FrameLocator, attempts: int = 6) -> str:
    """Click Send on the first card until the desktop carries it out; the card's snippet.

    The demo moves on by itself: a card of a conversation that has just ended is refused by
    the desktop (the button says why), or is gone before the click lands; then the next
    conversation's card is tried.
    """
    missed: list[str] = []
    for _ in range(attempts):
        first = widget.locator("#suggestions").get_by_test_id("suggestion-card").first
        expect(first).to_be_visible(timeout=CONVERSATION_SECONDS * 1000)
        suggestion_id = first.get_attribute("data-suggestion-id")
        card = widget.locator(f'#suggestions [data-suggestion-id="{suggestion_id}"]')
        send = card.get_by_role("button", name=re.compile(r"^Send to the customer"))
        try:
            snippet = card.locator(".card__snippet").inner_text(timeout=5_000)
            send.click(timeout=5_000)
            expect(send).to_have_text(re.compile(r"^Sen[dt]$"), timeout=5_000)
            if send.inner_text(timeout=5_000) == "Sent":
                return snippet
            missed.append(f"refused: {send.get_attribute('title', timeout=5_000)}")
        except (PlaywrightTimeoutError, AssertionError) as err:
            missed.append(f"the card went away: {str(err).splitlines()[0]}")
        expect(card).to_have_count(0, timeout=CONVERSATION_SECONDS * 1000)
    pytest.fail(f"the desktop carried out none of {attempts} sends: {missed}")


# -- attacks, against servers in a background loop --------------------------------------------


@dataclass
class Site:
    """cuecard, the tenant's stand-in desktop, and a foreign origin."""

    cuecard: str
    desktop: str
    foreign: str
    app: web.Application
    loop: Loop

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run(coro)

    def widget_url(self, host_origin: str) -> str:
        token = TokenService(SECRET, 3600).mint("acme", "ada")
        query = urlencode({"tenant": "acme", "hostOrigin": host_origin})
        return f"{self.cuecard}/widget/simulator?{query}#token={token}"

    def snapshot(self, conversation_id: str) -> Snapshot:
        snapshot: Snapshot = self.run(self.app[JOURNAL].snapshot("acme", conversation_id))
        return snapshot

    def reporter(self, conversation_id: str) -> str | None:
        agent: str | None = self.run(self.app[STATE].reporting_agent("acme", conversation_id))
        return agent


def stand_in_desktop(site: Site) -> web.Application:
    """The tenant's desktop: frames the widget, and lets the foreign origin's page sit beside it."""

    async def page(request: web.Request) -> web.Response:
        src = html.escape(site.widget_url(site.desktop))
        body = f"""<!doctype html><title>Desk (stand-in)</title><link rel="icon" href="data:,">
<iframe id="widget" src="{src}" width="360" height="700"></iframe>
<iframe id="beside" src="{site.foreign}/beside" width="200" height="100"></iframe>
<script>
  window.widgetReady = false;
  window.addEventListener("message", (event) => {{
    const widget = document.getElementById("widget").contentWindow;
    if (event.source === widget && event.origin === "{site.cuecard}"
        && event.data && event.data.type === "widget.ready") {{ window.widgetReady = true; }}
  }});
  window.toWidget = (message) =>
    document.getElementById("widget").contentWindow.postMessage(message, "{site.cuecard}");
</script>"""
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


def foreign_site(site: Site) -> web.Application:
    """Another origin: a page that sits in the desktop, and one that frames the widget itself."""

    async def beside(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>beside</title>", content_type="text/html")

    async def framing(request: web.Request) -> web.Response:
        src = html.escape(site.widget_url(request.query["host"]))
        body = f'<!doctype html><title>framing</title><iframe id="widget" src="{src}"></iframe>'
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/beside", beside)
    app.router.add_get("/framing", framing)
    return app


async def start_site(tmp_path: Path, loop: Loop) -> tuple[Site, list[web.AppRunner]]:
    ports = free_port(), free_port(), free_port()
    cuecard, desktop = f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    settings = make_settings(tmp_path, public_url=cuecard, widget_dist=DIST)
    await seed_tenants(settings.database_url)
    simulated = SimulatorSettings(tenant_id="acme", scripts=(SCRIPT,), desktop_origins=(desktop,))
    app = create_app(settings, local_integrations={"simulator": [simulated]})
    site = Site(cuecard, desktop, f"http://localhost:{ports[2]}", app, loop)
    runners = [
        await serve(app, ports[0]),
        await serve(stand_in_desktop(site), ports[1]),
        await serve(foreign_site(site), ports[2]),
    ]
    return site, runners


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("bridge")
    with running_site(lambda loop: start_site(tmp, loop)) as started:
        yield started


@pytest.fixture
def desk(browser: Browser, site: Site) -> Iterator[Page]:
    """The stand-in desktop with the widget connected and listening."""
    context = browser.new_context(viewport={"width": 800, "height": 760})
    page = context.new_page()
    page.goto(site.desktop)
    expect(page.frame_locator("#widget").get_by_test_id("connection-status")).to_have_text(
        "Connected", timeout=15_000
    )
    page.wait_for_function("window.widgetReady === true")
    try:
        yield page
    finally:
        context.close()


def play(page: Page, conversation_id: str, text: str) -> None:
    """The desktop reports a conversation, its acceptance and a customer line."""
    for message in (
        host("conversation.started", conversation_id, queue="support"),
        host("conversation.accepted", conversation_id, queue="support"),
        host("line", conversation_id, queue="support", speaker="customer", text=text),
    ):
        page.evaluate("(message) => window.toWidget(message)", message)


def expect_showing(widget: FrameLocator, conversation_id: str, lines: int) -> None:
    """The widget follows ``conversation_id`` and shows that many of its lines."""
    status = widget.get_by_test_id("conversation-status")
    expect(status).to_have_attribute("data-conversation-id", conversation_id, timeout=15_000)
    expect(widget.get_by_test_id("transcript-line")).to_have_count(lines, timeout=15_000)


def test_messages_from_a_foreign_origin_beside_the_widget_are_ignored(
    desk: Page, site: Site
) -> None:
    widget = desk.frame_locator("#widget")
    beside = desk.frame(url=f"{site.foreign}/beside")
    assert beside is not None
    intruded = [
        host("conversation.started", "intruded-1", queue="support"),
        host("conversation.accepted", "intruded-1", queue="support"),
        host("line", "intruded-1", speaker="customer", text="refund me now"),
    ]
    with desk.expect_console_message(lambda m: ignored_from(m, site.foreign)):
        beside.evaluate("(ms) => ms.forEach((m) => window.parent[0].postMessage(m, '*'))", intruded)

    play(desk, "legit-1", ROUTER)
    expect_showing(widget, "legit-1", 1)
    expect(widget.get_by_test_id("transcript-line")).to_contain_text(ROUTER)
    assert site.snapshot("intruded-1").transcript == []
    assert site.snapshot("intruded-1").agent_id is None
    assert site.reporter("intruded-1") is None
    assert [line.text for line in site.snapshot("legit-1").transcript] == [ROUTER]


def ignored_from(message: ConsoleMessage, origin: str) -> bool:
    return message.type == "debug" and message.text == f"cuecard: ignored a message from {origin}"


@pytest.mark.parametrize("stated", ["desktop", "foreign"])
def test_a_foreign_origin_framing_the_widget_gets_no_widget(
    browser: Browser, site: Site, stated: str
) -> None:
    """Framed by the foreign origin, whichever origin its URL states, the widget never runs."""
    host_origin = site.desktop if stated == "desktop" else site.foreign
    context = browser.new_context()
    page = context.new_page()
    try:
        with page.expect_response(lambda r: "/widget/simulator" in r.url) as widget_page:
            page.goto(f"{site.foreign}/framing?{urlencode({'host': host_origin})}")
        response = widget_page.value
        if stated == "foreign":
            assert response.status == 400
        else:
            # Served, but the browser refuses to render it inside the foreign page.
            assert response.status == 200
            frame_ancestors = response.headers["content-security-policy"]
            assert f"frame-ancestors {site.desktop}" in frame_ancestors
        frame = page.frame_locator("#widget")
        expect(frame.get_by_test_id("connection-status")).to_have_count(0)
        page.evaluate(
            "(m) => window[0].postMessage(m, '*')",
            host("line", "framed-1", speaker="customer", text="refund me now"),
        )
    finally:
        context.close()
    assert site.snapshot("framed-1").transcript == []
    assert site.reporter("framed-1") is None


def test_another_agents_socket_cannot_write_into_the_desktops_conversation(
    desk: Page, site: Site
) -> None:
    widget = desk.frame_locator("#widget")
    play(desk, "ada-1", ROUTER)
    expect_showing(widget, "ada-1", 1)
    before = site.snapshot("ada-1")

    ack = site.run(mallory_reports(site, host("line", "ada-1", speaker="customer", text="refund")))

    assert ack["ok"] is False
    assert (ack["error"]["code"], ack["error"]["field"]) == ("forbidden", "message.conversation_id")
    # One more line from Ada's desktop: once it shows, anything before it would have too.
    desk.evaluate(
        "(m) => window.toWidget(m)",
        host("line", "ada-1", queue="support", speaker="agent", text="Let me check the line."),
    )
    expect_showing(widget, "ada-1", 2)
    assert "refund" not in " ".join(widget_lines(widget))
    after = site.snapshot("ada-1")
    assert [line.text for line in after.transcript] == [ROUTER, "Let me check the line."]
    assert after.agent_id == before.agent_id == "ada"
    assert site.reporter("ada-1") == "ada"


async def mallory_reports(site: Site, message: dict[str, Any]) -> Any:
    """Mallory, another agent of the tenant, sends a bridge event over a real Socket.IO client."""
    token = TokenService(SECRET, 3600).mint("acme", "mallory")
    mallory = await open_widget(site.cuecard, token)
    try:
        return await mallory.call("bridge.event", {"platform": "simulator", "message": message})
    finally:
        await mallory.client.disconnect()
