"""The demo is set up as an admin would: every simulated queue is mapped to the help centre."""

from __future__ import annotations

import json
from pathlib import Path

from server.auth.passwords import Passwords
from server.cli.common import open_store
from server.cli.demo import DEMO_ADMIN, DEMO_DIR, DEMO_TENANT, _seed
from server.queues.resolver import Match, RouteResolver
from tests.fixtures.app import make_settings


async def test_every_demo_conversation_queue_has_its_own_mapping(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, demo=True)
    await _seed(settings, "demo-admin-password")
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
    await _seed(settings, "demo-admin-password")

    async with open_store(settings.database_url) as store:
        admin = await store.admins.by_email(DEMO_ADMIN)
        stored = await store.admins.password_hash(admin.id) if admin else None

    assert admin is not None
    assert admin.role == "platform"
    assert Passwords().verify(stored, "demo-admin-password")
    assert not Passwords().verify(stored, "another-password")
