"""A client that stops reading while it keeps asking is cut off; other widgets carry on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server.auth.tokens import TokenService
from server.keys import SOCKETS
from server.ratelimit import RateLimit, RateLimiter
from server.realtime import backlog
from server.realtime.rooms import NAMESPACE
from tests.fixtures.app import Widget, customer_says

WEBSOCKET = "/socket.io/?EIO=4&transport=websocket"


async def long_conversation(client: TestClient[Any, Any], key: str) -> None:
    """conv-1 with 40 long lines: each snapshot of it is about 80 KB."""
    lines = [customer_says(f"e{n}", f"line {n} " + "router " * 280) for n in range(40)]
    answer = await client.post(
        "/api/v1/events", json={"events": lines}, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status == 200


async def test_a_client_that_stops_reading_is_cut_off(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    tokens: TokenService,
    connect_widget: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backlog, "MAX_BACKLOG", 1024 * 1024)
    # Joins are rate limited too (test_rate_limits.py); this client stays under a looser one,
    # so what stops it here is the backlog alone.
    agent_namespace = client.app[SOCKETS].namespace_handlers[NAMESPACE]
    monkeypatch.setattr(agent_namespace, "_joins", RateLimiter(RateLimit("joins", 10_000, 10)))
    await long_conversation(client, api_keys["acme"])
    bystander: Widget = await connect_widget(agent="agent-2")
    ws = await client.ws_connect(WEBSOCKET)
    await ws.receive_str(timeout=5)
    token = tokens.mint("acme", "agent-1", supervisor=True)
    await ws.send_str("40/agent," + json.dumps({"token": token}))

    # Never reads again: 1,000 joins ask for 80 MB of snapshots; past what the connection's
    # buffers take, the server holds at most 1 MB before it cuts the client off.
    cut_off = False
    for _ in range(1000):
        try:
            await ws.send_str('42/agent,["join",{"conversation_id":"conv-1"}]')
        except aiohttp.ClientConnectionResetError:
            cut_off = True
            break
        await asyncio.sleep(0.01)

    assert cut_off
    assert (await bystander.call("search", {"query": "router"}))["ok"] is True
