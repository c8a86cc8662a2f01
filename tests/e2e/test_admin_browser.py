"""The admin portal in headless Chromium against a real ``cuecard serve``, black-box.

The first admin comes from the real ``cuecard admin create`` (run against the database the
server uses); everything after that is done in the browser the way an admin would, found by
role and label: sign in with the keyboard alone, create a tenant, add a Genesys integration
and test it, create a knowledge base, upload articles and try a query, map a queue, read the
embedding URL, create an API key, post an event with it and find the event in the inspector.
Single sign-on runs against the OpenID provider double, served from this process.

The walk-through is a list of steps sharing one :class:`Tour`; a later step is a function
appended to ``STEPS``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.doubles.oidc.app import create_oidc_double
from tests.doubles.oidc.world import OidcWorld, Person
from tests.e2e.chromium import record_console_error
from tests.e2e.sites import Loop, serve
from tests.fixtures.app import SECRET, customer_says
from tests.fixtures.network import free_port
from tests.fixtures.oidc import make_oidc_world, sso_settings

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CUECARD = REPO / ".venv" / "bin" / "cuecard"
KB_FIXTURES = REPO / "tests" / "fixtures" / "kb" / "acme"
STARTUP_SECONDS = 60
ADMIN_EMAIL = "ops@example.com"
ADMIN_PASSWORD = "a long and private passphrase"
TENANT_ID, TENANT_NAME = "initech", "Initech"
KB_NAME = "Help centre"
ARTICLE_TITLE = "Moving your number to Initech"
ARTICLE = f"""# {ARTICLE_TITLE}

Keep your old mobile number when you switch: ask your previous provider for a porting code
(PAC), enter it at checkout, and the number moves to Initech on the next working day.
"""
QUERY = "how do I keep my old number with a porting code"
SYSTEM_PROMPT = "Answer in two short sentences and name the article you used."
CUSTOMER_SAID = "can I keep my old number if I move to you?"
EVENT_ID = "walk-through-1"
# How long a posted event may take to reach the inspector (it is written in batches).
INSPECTOR_SECONDS = 10


@dataclass
class Server:
    """A running ``cuecard serve`` and the environment it was started with."""

    base_url: str
    env: dict[str, str]


@dataclass
class Tour:
    """The browser page and what earlier steps created, for the steps after them."""

    page: Page
    server: Server
    tmp: Path
    unreachable: str = ""
    kb_url: str = ""
    api_key: str = ""
    # Console messages the test expects (e.g. a refusal page's own status), by substring.
    expected_console: list[str] = field(default_factory=list)

    def admin_url(self, path: str = "") -> str:
        return f"{self.server.base_url}/admin/{path}"

    def tenant_menu(self, label: str) -> None:
        """Follow an entry of the tenant's side menu."""
        menu = self.page.get_by_role("navigation", name=f"Tenant {TENANT_NAME}")
        menu.get_by_role("link", name=label, exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(label)


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcWorld]:
    """The OpenID provider double on loopback; the server fixture registers its callback."""
    loop, port = Loop(), free_port()
    world = make_oidc_world()
    world.issuer = f"http://127.0.0.1:{port}"
    runner = loop.run(serve(create_oidc_double(world), port))
    try:
        yield world
    finally:
        loop.run(runner.cleanup())
        loop.close()


def server_env(tmp: Path, port: int, provider: OidcWorld) -> dict[str, str]:
    """The server's environment: this test's database, port and provider, nothing inherited."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CUECARD_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    return {
        **inherited,
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cuecard.db'}",
        "CUECARD_HOST": "127.0.0.1",
        "CUECARD_PORT": str(port),
        **{
            f"CUECARD_{name.upper()}": value
            for name, value in sso_settings(provider.issuer).items()
        },
    }


def create_first_admin(env: dict[str, str], cwd: Path) -> None:
    """``cuecard admin create`` as the install guide says, password on standard input."""
    created = subprocess.run(
        [str(CUECARD), "admin", "create", "--email", ADMIN_EMAIL, "--password-stdin"],
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    assert f"Created platform admin {ADMIN_EMAIL}" in created.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, provider: OidcWorld) -> Iterator[Server]:
    """The first admin from the command line, then ``cuecard serve`` on the same database."""
    tmp = tmp_path_factory.mktemp("admin-portal")
    port = free_port()
    env = server_env(tmp, port, provider)
    provider.client.redirect_uris = (f"http://127.0.0.1:{port}/admin/sso/callback",)
    create_first_admin(env, tmp)
    with (tmp / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            [str(CUECARD), "serve"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        try:
            yield Server(wait_until_listening(process, tmp / "stderr.txt"), env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_listening(process: subprocess.Popen[bytes], stderr: Path) -> str:
    """The base URL ``cuecard serve`` announces once it accepts connections."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in stderr.read_text().splitlines():
            if line.startswith("cuecard listening on "):
                return line.removeprefix("cuecard listening on ").strip()
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"cuecard serve did not start (exit {process.poll()}):\n{stderr.read_text()}")


@pytest.fixture
def tour(browser: Browser, server: Server, tmp_path: Path) -> Iterator[Tour]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: record_console_error(message, problems))
    tour = Tour(page=page, server=server, tmp=tmp_path)
    try:
        yield tour
    finally:
        context.close()
    unexpected = [p for p in problems if not any(e in p for e in tour.expected_console)]
    assert unexpected == [], "the admin pages reported errors (CSP violations show up here)"


# --- The steps, in order ---------------------------------------------------------------


def sign_in_with_the_keyboard(tour: Tour) -> None:
    """Tab to the email field, type, Tab to the password, type, Enter: no mouse."""
    page = tour.page
    page.goto(tour.admin_url())
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    email = page.get_by_label("Email")
    for _ in range(10):
        page.keyboard.press("Tab")
        if email.evaluate("node => node === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tenants", level=1)).to_be_visible()
    expect(page.get_by_text(f"{ADMIN_EMAIL} (platform admin)")).to_be_visible()


def create_a_tenant(tour: Tour) -> None:
    page = tour.page
    page.get_by_label("Tenant id").fill(TENANT_ID)
    page.get_by_label("Display name").fill(TENANT_NAME)
    page.get_by_label("Allowed desktop origins").fill("https://apps.mypurecloud.com")
    page.get_by_role("button", name="Create tenant").click()
    expect(page.get_by_text(f"Tenant {TENANT_ID} created.")).to_be_visible()
    expect(page.get_by_role("heading", name=TENANT_NAME, level=1)).to_be_visible()


def add_a_genesys_integration_and_test_it(tour: Tour) -> None:
    """Genesys at a port nothing listens on: Test connection says exactly that."""
    page = tour.page
    tour.unreachable = f"http://127.0.0.1:{free_port()}"
    tour.tenant_menu("Integrations")
    page.get_by_label("Provider").select_option("genesys")
    page.get_by_role("button", name="Show settings").click()
    page.get_by_label("Name", exact=True).fill("Genesys Cloud")
    page.get_by_label("Organization ID").fill("0a1b2c3d-0000-4000-8000-000000000001")
    page.get_by_label("Client ID", exact=True).fill("svc-client")
    page.get_by_label("Client secret").fill("svc-secret-Very-Secret-1234")
    page.get_by_label("API base URL").fill(tour.unreachable)
    page.get_by_label("Login base URL").fill(tour.unreachable)
    page.get_by_role("button", name="Add genesys integration").click()
    expect(
        page.get_by_text("Integration Genesys Cloud added. Test its connection.")
    ).to_be_visible()

    page.get_by_role("button", name="Test connection").click()

    result = page.get_by_role("alert")
    expect(result).to_contain_text("Connection failed")
    expect(result).to_contain_text(
        f"cannot reach Genesys login at {tour.unreachable}/oauth/token (ClientConnectorError"
    )
    expect(page.get_by_text("svc-secret-Very-Secret-1234")).to_have_count(0)


def create_a_knowledge_base_and_upload_articles(tour: Tour) -> None:
    """Four markdown files in one upload, its progress shown as it goes."""
    page = tour.page
    tour.tenant_menu("Knowledge bases")
    page.get_by_label("Name").fill(KB_NAME)
    page.get_by_role("button", name="Create knowledge base").click()
    expect(page.get_by_role("heading", name=KB_NAME, level=1)).to_be_visible()
    tour.kb_url = page.url
    article = tour.tmp / "moving-your-number.md"
    article.write_text(ARTICLE, encoding="utf-8")
    files = [article, *sorted(KB_FIXTURES.glob("*.md"))]
    page.get_by_label("Files (.md, .txt, .html, .pdf)").set_input_files(files)
    record_upload_progress(page)

    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("Uploaded 4 document(s):")).to_be_visible()
    expect(page.get_by_role("cell", name=ARTICLE_TITLE, exact=True)).to_be_visible()
    shown = json.loads(page.evaluate("sessionStorage.getItem('upload-progress')"))
    assert shown[0] == {"bar": "visible", "status": "Uploading: 0%"}, shown
    assert shown[-1]["status"] == "Uploading: 100%", shown
    assert all(moment["bar"] == "visible" for moment in shown)


def record_upload_progress(page: Page) -> None:
    """Note each change of the progress bar and status line, surviving the page change."""
    page.evaluate(
        """() => {
        const form = document.querySelector("form[data-upload]");
        const bar = form.querySelector("progress");
        const status = form.querySelector("[data-upload-status]");
        const seen = [];
        new MutationObserver(() => {
          seen.push({bar: bar.hidden ? "hidden" : "visible", status: status.textContent});
          sessionStorage.setItem("upload-progress", JSON.stringify(seen));
        }).observe(form, {subtree: true, attributes: true, childList: true, characterData: true});
    }"""
    )


def try_a_query(tour: Tour) -> None:
    page = tour.page
    page.get_by_role("searchbox", name="Query").fill(QUERY)
    page.get_by_role("button", name="Search").click()
    ranked = page.get_by_role("list", name="Ranked results").get_by_role("listitem")
    expect(ranked.first).to_contain_text(f"#1 {ARTICLE_TITLE}")
    # Why it ranks first, in words: the query's words it contains, marked.
    expect(ranked.first).to_contain_text(re.compile(r"Matched \d of \d: .*porting"))
    expect(ranked.first.locator("mark").first).to_be_visible()


def map_a_queue(tour: Tour) -> None:
    page = tour.page
    tour.tenant_menu("Queue mappings")
    page.get_by_label("Provider").fill("genesys")
    page.get_by_label("Queue or skill").fill("support")
    page.get_by_label("Knowledge base").select_option(label=KB_NAME)
    page.get_by_label("System prompt").fill(SYSTEM_PROMPT)
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("Queue support on genesys mapped.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="support")
    expect(row).to_contain_text(KB_NAME)
    expect(row).to_contain_text(SYSTEM_PROMPT)


def read_the_genesys_embedding_url(tour: Tour) -> None:
    tour.tenant_menu("Widget embedding")
    expected = (
        f"{tour.server.base_url}/widget/genesys?tenant={TENANT_ID}"
        "&conversationId={{gcConversationId}}&gcHostOrigin={{gcHostOrigin}}"
        "&gcTargetEnv={{gcTargetEnv}}&langTag={{gcLangTag}}&usePopupAuth={{gcUsePopupAuth}}"
    )
    url = tour.page.get_by_label("Iframe URL for Genesys Cloud", exact=True)
    expect(url).to_have_value(expected)


def create_an_api_key(tour: Tour) -> None:
    """The key is shown once; it authenticates as the new tenant (later steps post with it)."""
    page = tour.page
    tour.tenant_menu("API keys")
    page.get_by_role("button", name="Create API key").click()
    key = page.get_by_role("textbox", name="API key")
    expect(key).to_have_value(re.compile(r"^cc_\S+$"))
    tour.api_key = key.input_value()
    status, tenant = api_call(tour, "GET", "/api/v1/tenant")
    assert (status, tenant["id"]) == (200, TENANT_ID)


def post_an_event_and_find_it_in_the_inspector(tour: Tour) -> None:
    """The new key posts a customer message; the Events page lists it, text hidden."""
    body = customer_says(EVENT_ID, CUSTOMER_SAID, tenant_id=TENANT_ID, provider="genesys")
    assert api_call(tour, "POST", "/api/v1/events", body)[0] == 200
    wait_until_recorded(tour, EVENT_ID)
    page = tour.page
    tour.tenant_menu("Events")
    row = page.get_by_role("row").filter(has_text=EVENT_ID)
    expect(row).to_contain_text("delivered")
    expect(page.get_by_text(CUSTOMER_SAID)).to_have_count(0)

    row.get_by_role("button", name=f"Reveal text of event {EVENT_ID}").click()

    expect(row.get_by_text(CUSTOMER_SAID)).to_be_visible()


def wait_until_recorded(tour: Tour, provider_event_id: str) -> None:
    """Until the inspector's REST twin lists the event (bounded: it must arrive)."""
    deadline = time.monotonic() + INSPECTOR_SECONDS
    while time.monotonic() < deadline:
        _, recent = api_call(tour, "GET", "/api/v1/events/recent")
        if any(r.get("provider_event_id") == provider_event_id for r in recent["items"]):
            return
        time.sleep(0.1)
    pytest.fail(f"event {provider_event_id} never reached the inspector")


def api_call(tour: Tour, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A REST call with the tenant's API key, outside the browser (no admin cookie)."""
    address = urlsplit(tour.server.base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    headers = {"X-Api-Key": tour.api_key, "Content-Type": "application/json"}
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


STEPS: list[Callable[[Tour], None]] = [
    sign_in_with_the_keyboard,
    create_a_tenant,
    add_a_genesys_integration_and_test_it,
    create_a_knowledge_base_and_upload_articles,
    try_a_query,
    map_a_queue,
    read_the_genesys_embedding_url,
    create_an_api_key,
    post_an_event_and_find_it_in_the_inspector,
]


def test_an_admin_sets_up_a_tenant_from_the_first_sign_in(tour: Tour) -> None:
    for step in STEPS:
        step(tour)


def signed_in_at_provider(world: OidcWorld, email: str) -> None:
    person = world.add(Person(f"sub-{len(world.people) + 1}", email, True, "Some One"))
    world.signed_in = person.subject


def test_an_admin_signs_in_with_sso(tour: Tour, provider: OidcWorld) -> None:
    page = tour.page
    signed_in_at_provider(provider, ADMIN_EMAIL)
    page.goto(tour.admin_url())

    page.get_by_role("button", name="Sign in with SSO").click()

    expect(page.get_by_role("heading", name="Tenants", level=1)).to_be_visible()
    expect(page.get_by_text(f"{ADMIN_EMAIL} (platform admin)")).to_be_visible()


def test_sso_without_an_account_ends_on_a_page_that_says_why(
    tour: Tour, provider: OidcWorld
) -> None:
    page = tour.page
    signed_in_at_provider(provider, "stranger@example.com")
    tour.expected_console.append("the server responded with a status of 403")
    page.goto(tour.admin_url())

    page.get_by_role("button", name="Sign in with SSO").click()

    heading = page.get_by_role("heading", name="No admin account for this sign-in")
    expect(heading).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "there is no cuecard admin account for stranger@example.com"
    )
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
