"""Google CCAI in headless Chromium: a conversation published to Pub/Sub, seen in the widget."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, expect

from server.auth.tokens import TokenService
from tests.e2e.chromium import record_console_error
from tests.fixtures.app import SECRET, seed_tenants
from tests.fixtures.nodes import Node, running_node
from tests.fixtures.pubsub import PROJECT, PubsubWorld, new_world
from tests.providers.google_ccai.conftest import fixture_bytes

pytestmark = pytest.mark.browser
T = TypeVar("T")

CONVERSATION = "5f1b7c2e-conv"
KEY = "gc-5f1b7c2e-conv"
SPEAKING = {"participant_role": "END_USER", "message_id": "m-0001"}


def in_a_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run async set-up off this thread: sync Playwright owns its event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


@pytest.fixture
def api_keys_file(tmp_path: Path) -> tuple[dict[str, str], str]:
    """Tenants seeded in a SQLite file a ``cuecard serve`` process can open."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    return in_a_thread(lambda: seed_tenants(database_url)), database_url


@pytest.fixture
def pubsub(pubsub_emulator: str) -> Iterator[PubsubWorld]:
    """A fresh topic and ordered subscription, made without this thread's event loop."""
    world = in_a_thread(lambda: new_world(pubsub_emulator))
    yield world
    world.subscriber.close()
    world.publisher.stop()


def api(node: Node, key: str, method: str, path: str, body: object | None = None) -> object:
    request = urllib.request.Request(  # noqa: S310 - a loopback test server
        node.base_url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def wait_connected(node: Node, key: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = api(node, key, "GET", "/api/v1/health")
        connections = health["connections"]  # type: ignore[index]
        if connections and connections[0]["state"] == "connected":
            return
        time.sleep(0.1)
    pytest.fail("the Google CCAI integration did not connect")


def publish(pubsub: PubsubWorld, name: str, **attributes: str) -> None:
    pubsub.publisher.publish(
        pubsub.topic, fixture_bytes(name), ordering_key=KEY, **attributes
    ).result(timeout=30)


def test_the_widget_shows_ccai_lines_live_and_agent_assist_cards_marked(
    browser: Browser, pubsub: PubsubWorld, api_keys_file: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    keys, database_url = api_keys_file
    env = {"CUECARD_SECRET_KEY": SECRET.get_secret_value(), "DATABASE_URL": database_url}
    with running_node(env, tmp_path / "serve.log") as node:
        settings = {
            "project_id": PROJECT,
            "subscriptions": [pubsub.subscription_id],
            "emulator_host": pubsub.host,
            "conversation_id_prefix": "gc-",
        }
        body = {"provider": "google_ccai", "name": "Agent Assist", "settings": settings}
        api(node, keys["acme"], "POST", "/api/v1/integrations", body)
        wait_connected(node, keys["acme"])
        token = TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda message: record_console_error(message, problems))
        page.goto(f"{node.base_url}/widget/?tenant=acme&conversation={CONVERSATION}#token={token}")
        expect(page.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "connected"
        )

        publish(pubsub, "recognition_interim.json", **SPEAKING)
        expect(page.get_by_test_id("transcript-partial")).to_contain_text("my router keeps")

        publish(pubsub, "recognition_final.json", **SPEAKING)
        publish(pubsub, "new_message_end_user.json")
        lines = page.get_by_test_id("transcript-line")
        expect(lines).to_have_count(1)
        expect(lines.first).to_contain_text("my router keeps dropping the connection")
        expect(page.get_by_test_id("transcript-partial")).to_have_count(0)

        publish(pubsub, "suggestions_articles_faq.json")
        marked = page.get_by_test_id("card-provider")
        expect(marked.first).to_have_text("From Google Agent Assist")
        expect(marked).to_have_count(2)
        page.close()
    assert problems == []
