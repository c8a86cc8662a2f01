"""Clients that break the Socket.IO protocol are cut off; odd but valid JSON gets an answer."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server.auth.tokens import TokenService
from server.keys import SOCKETS
from server.realtime.inbound import MalformedPollingBodies
from tests.fixtures.app import Widget

WEBSOCKET = "/socket.io/?EIO=4&transport=websocket"
POLLING = "/socket.io/?EIO=4&transport=polling"


async def open_engine(client: TestClient[Any, Any]) -> aiohttp.ClientWebSocketResponse:
    """An Engine.IO session over WebSocket, its OPEN packet read."""
    ws = await client.ws_connect(WEBSOCKET)
    opened = await ws.receive_str(timeout=5)
    assert opened.startswith("0{")
    return ws


async def open_agent(client: TestClient[Any, Any], token: str) -> aiohttp.ClientWebSocketResponse:
    """A raw WebSocket connected to /agent with ``token``, as socket.io-client connects."""
    ws = await open_engine(client)
    await ws.send_str("40/agent," + json.dumps({"token": token}))
    assert (await ws.receive_str(timeout=5)).startswith("40/agent,")
    return ws


async def closed_by_server(ws: aiohttp.ClientWebSocketResponse) -> bool:
    """True once the server closes ``ws`` (within 5 s); packets before the close are skipped."""
    try:
        async with asyncio.timeout(5):
            while True:
                message = await ws.receive()
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    return True
    except TimeoutError:
        return False


async def test_the_default_namespace_is_refused_without_a_handler(
    client: TestClient[Any, Any],
) -> None:
    ws = await open_engine(client)

    await ws.send_str("40")

    assert await ws.receive_str(timeout=5) == '44"Unable to connect"'
    await ws.close()


async def test_a_binary_packet_closes_the_connection_before_any_attachment(
    client: TestClient[Any, Any], tokens: TokenService, connect_widget: Any
) -> None:
    bystander: Widget = await connect_widget(agent="agent-2")
    ws = await open_agent(client, tokens.mint("acme", "agent-1"))

    # Announces 9,999,999,999 attachments, which python-socketio would buffer as they came.
    await ws.send_str('459999999999-/agent,["search",{"_placeholder":true,"num":0}]')

    assert await closed_by_server(ws)
    assert (await bystander.call("search", {"query": "router"}))["ok"] is True


@pytest.mark.parametrize(
    "packet",
    [
        b"\x00\x01",
        "42/agent,[123]",
        "42/agent,[]",
        '42/agent,{"event":"join"}',
        '42/agent,[["join"]]',
        '42/agent,["search",{"query":1e400}]',
        '43/agent,1{"ok":true}',
        '44/agent,{"message":"x"}',
        "4x",
        "",
    ],
    ids=[
        "binary-frame",
        "numeric-event-name",
        "no-event-name",
        "object-payload",
        "list-event-name",
        "infinite-number",
        "ack-without-list",
        "connect-error",
        "no-packet-type",
        "empty",
    ],
)
async def test_a_malformed_packet_closes_the_connection_quietly(
    client: TestClient[Any, Any],
    tokens: TokenService,
    caplog: pytest.LogCaptureFixture,
    packet: str | bytes,
) -> None:
    ws = await open_agent(client, tokens.mint("acme", "agent-1"))

    with caplog.at_level(logging.INFO):
        await (ws.send_bytes(packet) if isinstance(packet, bytes) else ws.send_str(packet))
        closed = await closed_by_server(ws)

    assert closed
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_malformed_packet_over_long_polling_ends_the_session_at_once(
    client: TestClient[Any, Any], tokens: TokenService
) -> None:
    opened = await (await client.get(POLLING)).text()
    session = f"{POLLING}&sid={json.loads(opened[1:])['sid']}"
    token = tokens.mint("acme", "agent-1")
    await client.post(session, data="40/agent," + json.dumps({"token": token}))
    assert (await (await client.get(session)).text()).startswith("40/agent,")

    # The request that carried the packet is answered without waiting for a poll.
    refused = await asyncio.wait_for(client.post(session, data="42/agent,[123]"), 5)
    after = await client.get(session)

    assert refused.status == 200
    assert after.status == 400


@pytest.mark.parametrize(
    ("event_name", "payload", "field"),
    [
        ("search", {"query": "\ud83d router"}, "query"),
        ("join", {"conversation_id": "conv-\udc00"}, "conversation_id"),
    ],
)
async def test_a_lone_surrogate_is_refused_naming_the_field(
    connect_widget: Any, event_name: str, payload: dict[str, str], field: str
) -> None:
    # Sent as JSON.stringify sends a string cut inside a surrogate pair: an escaped "\ud83d".
    widget: Widget = await connect_widget(supervisor=True)

    ack = await widget.call(event_name, payload)

    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid_input"
    assert ack["error"]["field"] == field
    assert await widget.next("error") == ack["error"]


async def test_arguments_after_the_payload_are_ignored(connect_widget: Any) -> None:
    widget: Widget = await connect_widget(supervisor=True)

    # A tuple is sent as several arguments: ["join", {...}, {...}].
    ack = await widget.client.call(
        "join", ({"conversation_id": "conv-1"}, {"extra": True}), namespace="/agent", timeout=5
    )

    assert ack == {"ok": True}
    assert (await widget.next("snapshot"))["conversation_id"] == "conv-1"


async def test_a_connection_that_connects_no_namespace_in_time_is_closed(
    client: TestClient[Any, Any], tokens: TokenService
) -> None:
    client.app[SOCKETS].namespace_connect_seconds = 0.3
    idle = await open_engine(client)
    refused = await open_engine(client)
    await refused.send_str("40")  # "/" is refused; nothing else is tried
    assert await refused.receive_str(timeout=5) == '44"Unable to connect"'
    widget = await open_agent(client, tokens.mint("acme", "agent-1"))

    assert await closed_by_server(idle)
    assert await closed_by_server(refused)
    # The widget that connected /agent in time is still served after the deadline.
    await widget.send_str('42/agent,7["search",{"query":"router"}]')
    answer = await widget.receive_str(timeout=5)
    assert answer.startswith('43/agent,7[{"ok":true')
    await widget.close()


async def test_a_long_polling_session_that_connects_no_namespace_in_time_ends(
    client: TestClient[Any, Any],
) -> None:
    client.app[SOCKETS].namespace_connect_seconds = 0.3
    opened = await (await client.get(POLLING)).text()
    session = f"{POLLING}&sid={json.loads(opened[1:])['sid']}"

    # The poll under way is answered with Engine.IO's CLOSE; the session is then gone.
    closing = await asyncio.wait_for(client.get(session), 5)
    assert await closing.text() == "1"
    assert (await client.get(session)).status == 400


async def test_a_long_polling_body_that_is_not_engine_io_logs_no_error(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    opened = await (await client.get(POLLING)).text()
    session = f"{POLLING}&sid={json.loads(opened[1:])['sid']}"

    with caplog.at_level(logging.DEBUG):
        answered = await client.post(session, data="\x1e\x1e")

    assert answered.status == 200  # engineio's answer, unchanged
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "not Engine.IO" in caplog.text


def test_errors_raised_outside_engine_io_decoding_are_still_logged() -> None:
    try:
        int("raised by our own code")
    except ValueError:
        record = logging.LogRecord(
            "engineio.server", logging.ERROR, __file__, 1, "post request handler error", (), None
        )
        record.exc_info = sys.exc_info()

    assert MalformedPollingBodies().filter(record) is True
