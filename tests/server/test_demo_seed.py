"""The demo is set up as an admin would: queues mapped, and the simulator a running integration."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from providers.simulator.const import MAX_SPEED
from server.app import create_app
from server.auth.passwords import Passwords
from server.cli.common import open_store
from server.cli.demo import (
    DEMO_ADMIN,
    DEMO_DIR,
    DEMO_TENANT,
    _seed,
    demo_platforms,
    simulation,
)
from server.queues.resolver import Match, RouteResolver
from tests.fixtures.app import make_settings
from tests.server.admin.conftest import Browser

# How long the simulator may take to deliver its first event and be reported connected.
SIMULATOR_SECONDS = 20


async def test_every_demo_conversation_queue_has_its_own_mapping(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, demo=True)
    await _seed(settings, "demo-admin-password", simulation(settings, speed=1, loop=False))
    queues = {
        json.loads(path.read_text())["queue"]
        for path in (DEMO_DIR / "conversations").glob("*.json")
    }

    async with open_store(settings.database_url) as store:
        resolver = RouteResolver(store)
        default = await store.knowledge_bases.get_default(DEMO_TENANT)
        for queue in sorted(queues):
            resolution = await resolver.explain(DEMO_TENANT, "simulator", queue)
            assert resolution.match is Match.EXACT, queue
            assert default is not None
            assert resolution.route.kb_id == default.id
            assert resolution.route.system_prompt
        assert await store.documents.count(DEMO_TENANT, default.id) >= 20


async def test_the_demo_admin_can_sign_in_with_the_printed_password(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, demo=True)
    await _seed(settings, "demo-admin-password", simulation(settings, speed=1, loop=False))

    async with open_store(settings.database_url) as store:
        admin = await store.admins.by_email(DEMO_ADMIN)
        stored = await store.admins.password_hash(admin.id) if admin else None

    assert admin is not None
    assert admin.role == "platform"
    assert Passwords().verify(stored, "demo-admin-password")
    assert not Passwords().verify(stored, "another-password")


async def test_the_simulator_shows_as_a_running_integration_on_the_health_page(
    tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]
) -> None:
    settings = make_settings(tmp_path, demo=True)
    await _seed(settings, "demo-admin-password", simulation(settings, speed=MAX_SPEED, loop=True))
    browser = Browser(await aiohttp_client(create_app(settings, platforms=demo_platforms())))
    await browser.sign_in(DEMO_ADMIN, "demo-admin-password")

    deadline = time.monotonic() + SIMULATOR_SECONDS
    while "state--connected" not in (page := await health_page(browser)):
        assert time.monotonic() < deadline, page
        await asyncio.sleep(0.05)

    row = re.search(r"<tr>\s*<td[^>]*>Simulated conversations</td>.*?</tr>", page, re.DOTALL)
    assert row is not None, page
    assert "simulator" in row[0]
    assert ">connected<" in row[0]
    assert "No integration is running" not in page


async def health_page(browser: Browser) -> str:
    response = await browser.get(f"/admin/tenants/{DEMO_TENANT}/health")
    assert response.status == 200
    return str(await response.text())
