"""Two nodes on one Redis: a desktop's conversation is bound once, whichever node hears it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.auth.tokens import TokenService
from server.keys import JOURNAL, STATE
from tests.fixtures.app import SECRET, make_settings, open_widget, seed_tenants
from tests.fixtures.bridge import bridged, desktop_settings, host, opening

pytestmark = pytest.mark.redis


async def test_a_conversation_bound_on_one_node_is_refused_to_another_agent_on_the_other(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    await seed_tenants(settings.database_url)
    local = {"simulator": [desktop_settings("acme")]}
    nodes = [await aiohttp_client(create_app(settings, local_integrations=local)) for _ in range(2)]
    tokens = TokenService(SECRET, 3600)
    ada, mallory = [
        await open_widget(str(node.make_url("")).rstrip("/"), tokens.mint("acme", agent))
        for node, agent in zip(nodes, ("ada", "mallory"), strict=True)
    ]
    try:
        # Both desktops report the same conversation at once, one on each node.
        acks = await asyncio.gather(
            *(w.call("bridge.event", bridged(opening("c-9")[0])) for w in (ada, mallory))
        )
        winner = "ada" if acks[0]["ok"] else "mallory"
        assert sorted(ack["ok"] for ack in acks) == [False, True]
        assert await nodes[1].app[STATE].reporting_agent("acme", "c-9") == winner

        line = host("line", "c-9", speaker="customer", text="hello")
        again = await asyncio.gather(
            *(w.call("bridge.event", bridged(line)) for w in (ada, mallory))
        )
        assert [ack["ok"] for ack in again] == [winner == "ada", winner == "mallory"]
        snapshot = await nodes[0].app[JOURNAL].snapshot("acme", "c-9")
        assert [line.text for line in snapshot.transcript] == ["hello"]
    finally:
        for widget in (ada, mallory):
            await widget.client.disconnect()
