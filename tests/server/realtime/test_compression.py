"""Browsers offer permessage-deflate; the server declines it and the widget still connects."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import engineio.async_drivers.aiohttp
import pytest
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from server.keys import SOCKETS
from server.realtime.server import UncompressedWebSocket

SOCKET_PATH = "/socket.io/?EIO=4&transport=websocket"
# What aiohttp's client sends for compress=15; Chromium and Firefox send the same offer.
BROWSER_WINDOW_BITS = 15


@pytest.fixture
async def server(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestServer:
    return await aiohttp_server(create_app(settings))


@pytest.fixture
async def handshake(
    server: TestServer,
) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, Any]]:
    """A WebSocket opened with a browser's permessage-deflate offer, and its 101 headers."""
    answered: list[Any] = []

    async def on_end(_: Any, __: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        answered.append(params.response.headers)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with (
        aiohttp.ClientSession(trace_configs=[trace]) as session,
        session.ws_connect(server.make_url(SOCKET_PATH), compress=BROWSER_WINDOW_BITS) as ws,
    ):
        yield ws, answered[0]


async def receive_packet(ws: aiohttp.ClientWebSocketResponse) -> str:
    message = await ws.receive(timeout=5)
    assert message.type is aiohttp.WSMsgType.TEXT
    return str(message.data)


async def test_the_server_declines_permessage_deflate(
    handshake: tuple[aiohttp.ClientWebSocketResponse, Any],
) -> None:
    ws, headers = handshake
    assert "permessage-deflate" not in headers.get("Sec-WebSocket-Extensions", "")
    assert ws.compress == 0


async def test_a_browser_offer_still_gets_a_working_socketio_connection(
    handshake: tuple[aiohttp.ClientWebSocketResponse, Any], tokens: TokenService
) -> None:
    ws, _ = handshake
    assert (await receive_packet(ws)).startswith("0{")  # Engine.IO open
    auth = json.dumps({"token": tokens.mint("acme", "agent-1", supervisor=True)})
    await ws.send_str(f"40/agent,{auth}")
    connected = await receive_packet(ws)
    assert connected.startswith("40/agent,")
    assert "sid" in json.loads(connected.removeprefix("40/agent,"))

    await ws.send_str('42/agent,1["join",{"conversation_id":"conv-1"}]')
    packets = [await receive_packet(ws), await receive_packet(ws)]
    assert '43/agent,1[{"ok":true}]' in packets
    assert any(packet.startswith('42/agent,["snapshot"') for packet in packets)


def test_other_engineio_servers_in_the_process_keep_their_defaults(settings: Settings) -> None:
    app = create_app(settings)
    assert app[SOCKETS].eio._async["websocket"] is UncompressedWebSocket
    assert engineio.async_drivers.aiohttp._async["websocket"] is not UncompressedWebSocket
