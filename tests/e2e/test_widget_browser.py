"""The widget in headless Chromium against a real ``cuecard demo`` server, black-box."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chromium import record_console_error

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CUECARD = REPO / ".venv" / "bin" / "cuecard"
DEMO = REPO / "server" / "demo"
STARTUP_SECONDS = 45
# Long enough for the demo loop (5 scripts at --speed 20) to come round to any conversation.
CONVERSATION_SECONDS = 120
WIDGET_URL_LINE = re.compile(r"^Widget URL: (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Script:
    """One scripted demo conversation and the title of the article it should surface."""

    name: str
    turns: frozenset[str]
    expected_title: str


def kb_title(path: Path) -> str:
    """A KB file's title: the first ``# `` heading, the HTML <title>, or the first line."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        found = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        assert found, f"{path} has no <title>"
        return " ".join(found.group(1).split())
    if path.suffix == ".md":
        found = re.search(r"^# (.+)$", text, re.MULTILINE)
        assert found, f"{path} has no '# ' heading"
        return found.group(1).strip()
    return next(line.strip() for line in text.splitlines() if line.strip())


def load_scripts() -> list[Script]:
    scripts = []
    for path in sorted((DEMO / "conversations").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        [article] = (DEMO / "kb").glob(f"{data['expected_article']}.*")
        turns = frozenset(turn["text"] for turn in data["turns"] if "text" in turn)
        scripts.append(Script(path.stem, turns, kb_title(article)))
    assert scripts, "no demo conversations found"
    return scripts


def script_playing(lines: list[str], scripts: list[Script]) -> Script | None:
    """The script whose turns account for the transcript on screen."""
    best = max(scripts, key=lambda script: sum(line in script.turns for line in lines))
    return best if lines and any(line in best.turns for line in lines) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def widget_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Runs ``cuecard demo`` for this module's tests and yields the printed widget URL."""
    if not (REPO / "widget" / "dist" / "index.html").is_file():
        pytest.fail("widget/dist is missing: the widget is not built; run make widget")
    logs = tmp_path_factory.mktemp("demo")
    with (logs / "stdout.txt").open("w") as out, (logs / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            [str(CUECARD), "demo", "--port", str(free_port()), "--speed", "20"],
            cwd=logs,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield wait_for_widget_url(process, logs)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_for_widget_url(process: subprocess.Popen[bytes], logs: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = WIDGET_URL_LINE.search((logs / "stdout.txt").read_text())
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stderr_tail = (logs / "stderr.txt").read_text()[-3000:]
    pytest.fail(
        f"cuecard demo printed no 'Widget URL:' line (exit code {process.poll()}):\n{stderr_tail}"
    )


@pytest.fixture
def page(browser: Browser, widget_url: str) -> Iterator[Page]:
    """The widget in a 360px-wide viewport, like the iframe in an agent desktop."""
    context = browser.new_context(viewport={"width": 360, "height": 760})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on("console", lambda message: record_console_error(message, problems))
    opened.goto(widget_url)
    try:
        yield opened
    finally:
        context.close()
    assert problems == [], "the page reported errors (CSP violations show up here)"


def screen(page: Page) -> dict[str, Any]:
    """What the widget shows, read in one go so the parts belong together."""
    result: dict[str, Any] = page.evaluate(
        """() => ({
            conversation: document.getElementById("conversation-status").dataset.conversationId,
            lines: [...document.querySelectorAll('[data-testid="transcript-line"] .line__text')]
                .map((node) => node.textContent),
            titles: [...document.querySelectorAll(
                '#suggestions [data-testid="suggestion-card"] [data-testid="card-title"]'
            )].map((node) => node.textContent),
        })"""
    )
    return result


def expect_no_refusal(page: Page) -> None:
    """The server answered the last request without an ``error`` event (shown as a notice)."""
    page.wait_for_timeout(750)
    expect(page.get_by_test_id("notice")).to_be_hidden()


def expect_connected(page: Page) -> None:
    expect(page.get_by_test_id("connection-status")).to_have_text("Connected", timeout=15_000)


def test_connects_and_scrubs_the_token_from_the_address(page: Page) -> None:
    expect_connected(page)
    assert "token=" not in page.url
    assert "tenant=demo" in page.url


def test_live_transcript_lines_appear(page: Page) -> None:
    expect_connected(page)
    lines = page.get_by_test_id("transcript-line")
    expect(lines.first).to_be_visible(timeout=CONVERSATION_SECONDS * 1000)
    expect(lines.first.locator(".line__speaker")).not_to_be_empty()


def test_expected_article_is_suggested_for_the_conversation_playing(page: Page) -> None:
    scripts = load_scripts()
    expect_connected(page)
    seen: dict[str, set[str]] = {}
    deadline = time.monotonic() + CONVERSATION_SECONDS
    while time.monotonic() < deadline:
        shown = screen(page)
        script = script_playing(shown["lines"], scripts)
        if script is not None:
            seen.setdefault(script.name, set()).update(shown["titles"])
            if script.expected_title in shown["titles"]:
                return
        page.wait_for_timeout(250)
    pytest.fail(f"no conversation showed its expected article; titles seen per script: {seen}")


def test_search_shows_result_cards(page: Page) -> None:
    expect_connected(page)
    page.get_by_test_id("search-input").fill("refund")
    page.get_by_test_id("search-input").press("Enter")
    results = page.get_by_test_id("search-results").get_by_test_id("suggestion-card")
    expect(results.first).to_be_visible(timeout=10_000)
    titles = results.get_by_test_id("card-title").all_text_contents()
    assert any("refund" in title.lower() for title in titles), titles
    # Each card shows why it matched: the query's word is marked in its snippet.
    marked = results.first.locator(".card__snippet mark").all_text_contents()
    assert any(word.lower().startswith("refund") for word in marked), marked


def test_dismiss_removes_a_search_result(page: Page) -> None:
    expect_connected(page)
    page.get_by_test_id("search-input").fill("refund")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_test_id("search-results").get_by_test_id("suggestion-card")
    expect(results.first).to_be_visible(timeout=10_000)
    before = results.count()
    first_title = results.first.get_by_test_id("card-title").text_content()
    results.first.get_by_role("button", name=re.compile(r"^Dismiss")).click()
    expect(results).to_have_count(before - 1)
    assert first_title not in results.get_by_test_id("card-title").all_text_contents()
    expect_no_refusal(page)


def test_dismiss_removes_a_live_suggestion(page: Page) -> None:
    expect_connected(page)
    cards = page.locator("#suggestions").get_by_test_id("suggestion-card")
    expect(cards.first).to_be_visible(timeout=CONVERSATION_SECONDS * 1000)
    suggestion_id = cards.first.get_attribute("data-suggestion-id")
    cards.first.get_by_role("button", name=re.compile(r"^Dismiss")).click()
    expect(page.locator(f'[data-suggestion-id="{suggestion_id}"]')).to_have_count(0)
    expect_no_refusal(page)


def test_used_is_accepted(page: Page) -> None:
    expect_connected(page)
    cards = page.locator("#suggestions").get_by_test_id("suggestion-card")
    expect(cards.first).to_be_visible(timeout=CONVERSATION_SECONDS * 1000)
    # By id: the conversation goes on, and the next card set may put another card first.
    card = page.locator(f'[data-suggestion-id="{cards.first.get_attribute("data-suggestion-id")}"]')
    used = card.get_by_role("button", name=re.compile(r"^Mark as used"))
    used.click()
    expect(used).to_have_attribute("aria-pressed", "true")
    expect_no_refusal(page)


def test_reload_mid_conversation_shows_the_transcript_so_far(page: Page) -> None:
    expect_connected(page)
    lines = page.get_by_test_id("transcript-line")
    for _attempt in range(3):
        expect(lines.nth(1)).to_be_visible(timeout=CONVERSATION_SECONDS * 1000)
        before = screen(page)
        page.reload()
        expect_connected(page)
        expect(lines.first).to_be_visible(timeout=15_000)
        after = screen(page)
        if after["conversation"] == before["conversation"]:
            # The snapshot replays every earlier line once, in order, before any new ones.
            assert after["lines"][: len(before["lines"])] == before["lines"]
            return
    pytest.fail("the demo moved to another conversation during every reload attempt")


def test_a_bad_token_is_refused_with_a_reason(browser: Browser, widget_url: str) -> None:
    context = browser.new_context()
    try:
        refused = context.new_page()
        refused.goto(widget_url.split("#", 1)[0] + "#token=not-a-jwt")
        status = refused.get_by_test_id("connection-status")
        expect(status).to_have_attribute("data-state", "refused", timeout=15_000)
        expect(status).to_have_attribute("data-code", "unauthenticated")
        expect(status).to_contain_text("reopen the widget")
    finally:
        context.close()


class DesktopPage(BaseHTTPRequestHandler):
    """Serves one page that embeds the widget, as an agent desktop on another origin would."""

    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def foreign_desktop(widget_url: str) -> Iterator[str]:
    """A real loopback server on another port: an origin the demo tenant does not allow.

    It must be a real local server: Chromium's local-network-access checks would block a
    page from an intercepted, non-local origin framing 127.0.0.1 before CSP is even read.
    """
    src = html.escape(widget_url, quote=True)
    handler = type("Desk", (DesktopPage,), {"html": f'<iframe src="{src}"></iframe>'.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/desk.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_tenants_desktop_origin_may_frame_the_widget(browser: Browser, widget_url: str) -> None:
    # The demo tenant allows the demo server's own origin.
    origin = re.match(r"https?://[^/]+", widget_url)
    assert origin is not None
    desk_url = f"{origin.group(0)}/desk.html"
    page_html = f'<iframe src="{html.escape(widget_url, quote=True)}"></iframe>'
    context = browser.new_context()
    try:
        desk = context.new_page()
        desk.route(desk_url, lambda route: route.fulfill(body=page_html, content_type="text/html"))
        desk.goto(desk_url)
        status = desk.frame_locator("iframe").get_by_test_id("connection-status")
        expect(status).to_have_text("Connected", timeout=15_000)
    finally:
        context.close()


def test_another_origin_may_not_frame_the_widget(browser: Browser, widget_url: str) -> None:
    context = browser.new_context()
    try:
        desk = context.new_page()
        with foreign_desktop(widget_url) as desk_url:
            desk.goto(desk_url)
            # Chromium swaps a frame refused by frame-ancestors for its own error page.
            deadline = time.monotonic() + 10
            while not any(frame.url.startswith("chrome-error://") for frame in desk.frames):
                assert time.monotonic() < deadline, [frame.url for frame in desk.frames]
                desk.wait_for_timeout(100)
            status = desk.frame_locator("iframe").get_by_test_id("connection-status")
            expect(status).to_have_count(0)
    finally:
        context.close()


def test_the_widget_opens_a_websocket_without_long_polling_first(
    browser: Browser, widget_url: str
) -> None:
    # Long-polling needs every request of a session at the worker holding it; a WebSocket is
    # one connection, so `cuecard serve --workers N` needs no sticky sessions for the widget.
    context = browser.new_context()
    opened = context.new_page()
    polling: list[str] = []
    sockets: list[str] = []
    opened.on(
        "request",
        lambda request: polling.append(request.url) if "transport=polling" in request.url else None,
    )
    opened.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        opened.goto(widget_url)
        expect_connected(opened)
    finally:
        context.close()

    assert polling == []
    assert len(sockets) == 1
    assert "transport=websocket" in sockets[0]
