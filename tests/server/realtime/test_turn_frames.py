"""A turn's pushes reach the widget whole and in order, however many share one write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.realtime.frames import frames
from tests.fixtures.app import customer_says, event

MESSAGES: list[str | bytes] = [
    "2",  # an Engine.IO ping: the shortest frame
    '42/agent,["transcript",{"text":"' + "é" * 100 + '"}]',  # 16-bit length, non-ASCII
    "4" + "x" * 70_000,  # 64-bit length
    b"\x04binary attachment",
    "",
]


async def test_frames_written_at_once_are_read_back_one_message_each(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        assert request.transport is not None
        request.transport.write(frames(MESSAGES))
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session, session.ws_connect(server.make_url("/ws")) as ws:
        received = [message.data async for message in ws]

    assert received == MESSAGES


async def test_a_customer_turn_reaches_the_widget_in_order(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    order: list[str] = []

    async def record(name: str, data: Any) -> None:
        order.append(name)
        await widget.received[name].put(data)

    widget.client.on("*", record, namespace="/agent")
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    question = event("message", "e1", speaker="agent", text="What's the order number?")
    turn = customer_says("e2", "my router keeps dropping, it's order CC-51907")
    response = await client.post("/api/v1/events", json=[question, turn], headers=headers)
    assert response.status == 200, await response.text()
    answer = await widget.next("answer")
    details = await widget.next("entities")
    await widget.call("leave", {"conversation_id": "elsewhere"})  # every push so far arrived

    # The line before its card set; the answer right after the set; the details after them.
    pushed = [name for name in order if name in {"transcript", "suggestions", "answer", "entities"}]
    assert pushed == ["transcript", "transcript", "suggestions", "answer", "entities"]
    assert answer["trigger_event_id"] == "e2"
    assert details["items"][0]["value"] == "CC-51907"
