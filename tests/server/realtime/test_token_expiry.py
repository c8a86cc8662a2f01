"""A socket whose session token expires is cut off at once, unless the widget renewed it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp.test_utils import TestClient

from server.auth.tokens import TokenService
from server.keys import SOCKETS
from server.realtime.rooms import NAMESPACE, conversation_room
from tests.fixtures.app import customer_says


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def members(client: TestClient[Any, Any], room: str) -> list[str]:
    return [sid for sid, _ in client.app[SOCKETS].manager.get_participants(NAMESPACE, room)]


async def test_an_expired_token_gets_no_more_events(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    tokens: TokenService,
) -> None:
    short = tokens.mint("acme", "agent-1", ttl_seconds=2, supervisor=True)
    widget = await connect_widget(token=short)
    gone = asyncio.Event()
    widget.client.on("disconnect", lambda *reason: gone.set(), namespace=NAMESPACE)
    watcher = await connect_widget(agent="agent-2", supervisor=True)
    for each in (widget, watcher):
        await each.call("join", {"conversation_id": "conv-1"})
        await each.next("snapshot")

    error = await widget.next("error", within=10)
    await asyncio.wait_for(gone.wait(), 5)
    await client.post(
        "/api/v1/events", json=customer_says("e1", "hello?"), headers=auth(api_keys["acme"])
    )
    await watcher.next("transcript")

    assert error["code"] == "token_expired"
    assert not widget.client.connected
    assert widget.pending("transcript") == 0
    assert len(members(client, conversation_room("acme", "conv-1"))) == 1


async def test_a_renewed_token_keeps_the_socket(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    tokens: TokenService,
) -> None:
    short = tokens.mint("acme", "agent-1", ttl_seconds=2, supervisor=True)
    widget = await connect_widget(token=short)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    renewed = await widget.call(
        "session.renew", {"token": tokens.mint("acme", "agent-1", supervisor=True)}
    )
    # Past the first token's deadline (whole seconds), the socket must still be there.
    await asyncio.sleep(max(0.0, tokens.verify(short).expires_at - time.time()) + 0.5)
    await client.post(
        "/api/v1/events", json=customer_says("e1", "hello?"), headers=auth(api_keys["acme"])
    )

    assert renewed["ok"] is True
    assert (await widget.next("transcript"))["line"]["event_id"] == "e1"
    assert widget.client.connected
    assert widget.pending("error") == 0
