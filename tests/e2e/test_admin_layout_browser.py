"""Every admin page fits the screen, at 1280, 400 and 360 px, in headless Chromium.

Against a real ``cuecard demo`` (its tenant, knowledge base, simulated traffic and admin), each
page of the portal is opened at each width and checked for what a reader would notice: the
page scrolling sideways, an element sticking out of the page or of the box around it, a box
that needs sideways scrolling, an id split inside one of its parts, and on narrow screens a menu
beside the page (which squeezes it to a word per line) instead of above it. These are checks
of the layout, not pixel comparisons; the screenshots are kept for reading a failure.

The pages are found from the admin app's own routes, so a new page fails
``test_every_admin_page_is_checked`` until it is added to ``VISITS``.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.admin.app import create_admin_app
from server.cli.demo import DEMO_ADMIN, SIMULATION_NAME
from tests.e2e.chromium import record_console_error
from tests.fixtures.network import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CUECARD = REPO / ".venv" / "bin" / "cuecard"
STARTUP_SECONDS = 60
WIDTHS = (1280, 400, 360)
# At these widths and below the tenant menu must sit above the page, not beside it.
NARROW = 480
ADMIN_LINE = re.compile(r"^Admin portal: (\S+)/admin/ — \S+, password (\S+)$", re.MULTILINE)
QUERY = "my router keeps dropping the connection"
# Admin pages this test does not open, and why.
NOT_VISITED = {
    "static": "stylesheet and script, not a page",
    "event_reveals": "a fragment of the Events page, checked there",
    "sso_callback": "needs an OpenID provider; test_admin_browser.py drives it",
}


@dataclass(frozen=True)
class Demo:
    """The running demo: where it is and the admin password it printed."""

    base_url: str
    password: str


@dataclass
class Visit:
    """One width's walk through the portal, with the problems found on each page."""

    page: Page
    demo: Demo
    shots: Path
    width: int
    problems: dict[str, list[str]] = field(default_factory=dict)

    def admin(self, path: str = "") -> str:
        return f"{self.demo.base_url}/admin/{path}"

    def menu(self, label: str) -> None:
        """Follow the tenant menu, as an admin would, to one of the demo tenant's pages."""
        self.page.goto(self.admin("tenants/demo"))
        menu = self.page.get_by_role("navigation", name=re.compile(r"^Tenant "))
        menu.get_by_role("link", name=label, exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def check(self, name: str) -> None:
        """Look at the page now on screen; note what does not fit."""
        self.page.screenshot(path=self.shots / f"{self.width}-{name}.png", full_page=True)
        found = self.page.evaluate(LAYOUT_PROBLEMS, {"narrow": self.width <= NARROW})
        if found:
            self.problems[name] = found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``cuecard demo`` for this module; its admin signs in with the printed password."""
    logs = tmp_path_factory.mktemp("layout-demo")
    with (logs / "out.txt").open("w") as out:
        process = subprocess.Popen(
            [str(CUECARD), "demo", "--port", str(free_port()), "--speed", "20"],
            cwd=logs,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield wait_for_admin_line(process, logs / "out.txt")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_for_admin_line(process: subprocess.Popen[bytes], out: Path) -> Demo:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = ADMIN_LINE.search(out.read_text())
        if found:
            return Demo(found[1], found[2])
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"cuecard demo printed no admin line (exit {process.poll()}):\n{out.read_text()}")


@pytest.fixture(scope="module")
def llm_added(browser: Browser, demo: Demo) -> None:
    """An LLM integration, so that page has a table to lay out too (it is never called)."""
    context, page = signed_in(browser, demo, 1280)
    try:
        page.goto(f"{demo.base_url}/admin/tenants/demo/llm-integrations")
        page.get_by_label("Name").fill("Local vLLM")
        page.get_by_label("Base URL").fill(f"http://127.0.0.1:{free_port()}/v1")
        page.get_by_label("Model").fill("mistral-7b-instruct")
        page.get_by_role("button", name="Add LLM integration").click()
        expect(page.get_by_role("cell", name="Local vLLM")).to_be_visible()
    finally:
        context.close()


def signed_in(browser: Browser, demo: Demo, width: int) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{demo.base_url}/admin/")
    page.get_by_label("Email").fill(DEMO_ADMIN)
    page.get_by_label("Password").fill(demo.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tenants", level=1)).to_be_visible()
    return context, page


# --- How to reach each page, by route name ------------------------------------------------


def visit_sign_in(visit: Visit) -> None:
    visit.page.context.clear_cookies()
    visit.page.goto(visit.admin("sign-in"))
    visit.check("sign-in")
    visit.page.get_by_label("Email").fill(DEMO_ADMIN)
    visit.page.get_by_label("Password").fill(visit.demo.password)
    visit.page.get_by_role("button", name="Sign in").click()
    expect(visit.page.get_by_role("heading", name="Tenants", level=1)).to_be_visible()


def visit_home(visit: Visit) -> None:
    visit.page.goto(visit.admin())
    visit.check("home")


def visit_tenants(visit: Visit) -> None:
    visit.page.goto(visit.admin("tenants"))
    visit.check("tenants")


def visit_tenant(visit: Visit) -> None:
    visit.menu("Overview")
    visit.check("tenant")


def visit_integrations(visit: Visit) -> None:
    visit.menu("Integrations")
    visit.check("integrations")
    visit.page.get_by_label("Provider").select_option("genesys")
    visit.page.get_by_role("button", name="Show settings").click()
    visit.check("integrations-genesys-form")


def visit_integration(visit: Visit) -> None:
    visit.menu("Integrations")
    visit.page.get_by_role("link", name=SIMULATION_NAME).click()
    visit.page.get_by_role("button", name="Test connection").click()
    expect(visit.page.get_by_test_id("check-result")).to_be_visible()
    visit.check("integration")


def visit_agent_sign_in(visit: Visit) -> None:
    visit.menu("Agent sign-in")
    visit.check("agent-sign-in-setup")
    visit.page.get_by_label("Name agents know it by").fill("Acme Workforce Okta")
    visit.page.get_by_label("Issuer URL").fill(f"http://127.0.0.1:{free_port()}/oauth2/default")
    visit.page.get_by_label("Client id").fill("0oa1b2c3d4e5f6g7h8i9-cuecard-agents")
    visit.page.get_by_label("Client secret").fill("an-agent-idp-client-secret-9012")
    visit.page.get_by_label("Allowed email domains").fill("acme.example\nsupport.acme.example")
    visit.page.get_by_role("button", name="Save").click()
    visit.page.get_by_role("button", name="Test", exact=True).click()
    expect(visit.page.get_by_test_id("check-result")).to_be_visible()
    visit.check("agent-sign-in")


def visit_mappings(visit: Visit) -> None:
    visit.menu("Queue mappings")
    visit.check("mappings")


def visit_llm_integrations(visit: Visit) -> None:
    visit.menu("LLM integrations")
    visit.check("llm-integrations")


def visit_entity_types(visit: Visit) -> None:
    visit.menu("Entity types")
    visit.page.get_by_role("textbox", name="A customer line").fill(
        "order CC-51907, call me on 07700 900461 or at jo.long.address@example.co.uk"
    )
    visit.page.get_by_role("button", name="Find details").click()
    expect(visit.page.get_by_test_id("found-details")).to_be_visible()
    visit.check("entity-types")


def visit_knowledge_bases(visit: Visit) -> None:
    visit.menu("Knowledge bases")
    visit.check("knowledge-bases")


def visit_knowledge_base(visit: Visit) -> None:
    visit.menu("Knowledge bases")
    visit.page.get_by_role("link", name="Help centre").click()
    visit.page.get_by_role("searchbox", name="Query").fill(QUERY)
    visit.page.get_by_role("button", name="Search").click()
    expect(visit.page.get_by_role("list", name="Ranked results")).to_be_visible()
    visit.check("knowledge-base")


def visit_embedding(visit: Visit) -> None:
    visit.menu("Widget embedding")
    visit.check("embedding")


def visit_api_keys(visit: Visit) -> None:
    visit.menu("API keys")
    visit.page.get_by_role("button", name="Create API key").click()
    expect(visit.page.get_by_role("textbox", name="API key")).to_be_visible()
    visit.check("api-keys")


def visit_health(visit: Visit) -> None:
    visit.menu("Health")
    visit.page.get_by_text(re.compile(r"^The numbers")).click()
    visit.check("health")


def visit_events(visit: Visit) -> None:
    visit.menu("Events")
    visit.page.get_by_role("button", name=re.compile(r"^Reveal text")).first.click()
    expect(visit.page.locator("[data-revealed]:visible").first).to_be_visible()
    visit.check("events")
    visit.page.goto(visit.admin("tenants/demo/no-such-page"))
    visit.check("not-found")


VISITS: dict[str, Callable[[Visit], None]] = {
    "sign_in": visit_sign_in,
    "home": visit_home,
    "tenants": visit_tenants,
    "tenant": visit_tenant,
    "integrations": visit_integrations,
    "integration": visit_integration,
    "agent_sign_in": visit_agent_sign_in,
    "mappings": visit_mappings,
    "llm_integrations": visit_llm_integrations,
    "entity_types": visit_entity_types,
    "knowledge_bases": visit_knowledge_bases,
    "knowledge_base": visit_knowledge_base,
    "embedding": visit_embedding,
    "api_keys": visit_api_keys,
    "health": visit_health,
    "events": visit_events,
}


def test_every_admin_page_is_checked() -> None:
    pages = {
        route.name
        for route in create_admin_app().router.routes()
        if route.method == "GET" and route.name is not None
    }

    assert pages - set(NOT_VISITED) == set(VISITS)


@pytest.mark.usefixtures("llm_added")
@pytest.mark.parametrize("width", WIDTHS)
def test_every_admin_page_fits_the_screen(
    browser: Browser, demo: Demo, width: int, tmp_path: Path
) -> None:
    context, page = signed_in(browser, demo, width)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, errors))
    visit = Visit(page, demo, tmp_path, width)
    try:
        for walk in VISITS.values():
            walk(visit)
    finally:
        context.close()

    unexpected = [e for e in errors if "404 (Not Found)" not in e]  # the not-found page's own
    assert unexpected == [], "the admin pages reported errors (CSP violations show up here)"
    assert visit.problems == {}, f"layout problems at {width} px (screenshots in {tmp_path})"


def test_recent_reveals_update_without_a_reload(browser: Browser, demo: Demo) -> None:
    context, page = signed_in(browser, demo, 1280)
    try:
        page.goto(f"{demo.base_url}/admin/tenants/demo/events")
        page.evaluate("window.sameDocument = true")
        reveals = page.get_by_role("region", name="Recent reveals")
        before = reveals.get_by_role("row").count()
        row = page.locator("tr[data-record]").filter(
            has=page.get_by_role("button", name=re.compile(r"^Reveal text"))
        )
        event_id = row.first.locator("code").last.inner_text()

        row.first.get_by_role("button", name=re.compile(r"^Reveal text")).click()

        newest = reveals.get_by_role("row").nth(1)
        expect(newest).to_contain_text(f"admin:{DEMO_ADMIN}")
        expect(newest).to_contain_text(event_id)
        assert reveals.get_by_role("row").count() == max(before, 1) + 1  # header + one more
        assert page.evaluate("window.sameDocument") is True  # no reload happened
    finally:
        context.close()


def test_a_new_api_key_is_copied_with_its_button(browser: Browser, demo: Demo) -> None:
    context, page = signed_in(browser, demo, 400)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.base_url)
    try:
        page.goto(f"{demo.base_url}/admin/tenants/demo/api-keys")
        page.get_by_role("button", name="Create API key").click()
        key = page.get_by_role("textbox", name="API key").input_value()

        page.get_by_role("button", name="Copy API key").click()

        expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == key
    finally:
        context.close()


# Runs in the page: every visible element is checked against the box that clips it.
LAYOUT_PROBLEMS = """({narrow}) => {
  const problems = [];
  const root = document.documentElement;
  const viewport = root.clientWidth;
  const name = (el) => {
    const text = (el.innerText || el.value || "").trim().split("\\n")[0].slice(0, 40);
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    return `<${el.tagName.toLowerCase()}${cls}> "${text}"`;
  };
  const hidden = (el) => {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.clip !== "auto" && style.position === "absolute") return true;  // visually hidden
      if (node.classList.contains("skip")) return true;  // the skip link waits off-screen
    }
    return !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  };
  const scrolls = (el) => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
  const clipper = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (scrolls(node)) return node;
    }
    return null;
  };
  if (root.scrollWidth > viewport + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in ${viewport}`);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (hidden(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const clip = clipper(el);
    const limit = clip ? clip.getBoundingClientRect() : { left: 0, right: viewport };
    if (box.right > limit.right + 1 || box.left < limit.left - 1) {
      problems.push(`${name(el)} sticks out of ${clip ? name(clip) : "the page"}`);
    }
    if (scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.tagName !== "INPUT") {
      const widths = `${el.scrollWidth} in ${el.clientWidth}`;
      problems.push(`${name(el)} needs sideways scrolling (${widths})`);
    }
  }
  // An id may wrap between its parts (after - _ : . /, marked <wbr>), never inside one.
  for (const code of document.querySelectorAll("main code")) {
    if (hidden(code)) continue;
    for (const part of code.childNodes) {
      if (part.nodeType !== Node.TEXT_NODE || !part.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(part);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) problems.push(`id ${name(code)} is split inside "${part.textContent}"`);
    }
  }
  const main = document.querySelector("main").getBoundingClientRect();
  const side = document.querySelector("nav.side");
  if (narrow && side && side.getBoundingClientRect().bottom > main.top + 1) {
    problems.push("the tenant menu sits beside the page instead of above it");
  }
  if (narrow && main.width < viewport - 48) {
    problems.push(`the page is squeezed to ${Math.round(main.width)} px of ${viewport}`);
  }
  return [...new Set(problems)];
}"""
