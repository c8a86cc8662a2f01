"""The double's Notification API (protocols.md 1.2-1.5): channels, subscriptions, sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.doubles.genesys.channels import PONG, Channel, Connection, TopicLimitExceeded
from tests.doubles.genesys.world import GenesysWorld, error_body

BASE = "/api/v2/notifications/channels"


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add the channel and subscription endpoints and the channels' WebSocket."""
    hub = world.channels

    async def create(request: web.Request) -> web.Response:
        token = world.bearer(request)
        if hub.broken_answers:
            hub.broken_answers -= 1
            return web.json_response({"id": "half-made-channel"})
        scheme = "wss" if request.secure else "ws"
        channel = hub.create(token.client_id, token.value, f"{scheme}://{request.host}")
        return web.json_response(channel.resource())

    async def listing(request: web.Request) -> web.Response:
        token = world.bearer(request)
        by_client = request.query.get("includechannels") == "oauthclient"
        entities = [
            c.resource()
            for c in hub.channels.values()
            if (c.client_id == token.client_id if by_client else c.token == token.value)
        ]
        return web.json_response({"entities": entities})

    async def exists(request: web.Request) -> web.Response:
        world.bearer(request)
        found = request.match_info["channel_id"] in hub.channels
        return web.Response(status=200 if found else 404)

    async def subscriptions(request: web.Request) -> web.Response:
        channel = _owned_channel(request, world)
        if request.method == "DELETE":
            channel.topics = {}
            return web.Response(status=200)
        if request.method in {"PUT", "POST"}:
            if hub.broken_listings:
                hub.broken_listings -= 1
                return web.json_response(["not", "a", "listing"])
            topics = await _topic_ids(request)
            try:
                denied = hub.subscribe(channel, topics, replace=request.method == "PUT")
            except TopicLimitExceeded as err:
                return _error(400, "bad.request", str(err))
            if denied and request.query.get("ignoreErrors", "false") != "true":
                return _error(400, "bad.request", f"Not permitted to subscribe: {denied[0]}")
        return web.json_response({"entities": list(channel.topics.values())})

    async def socket(request: web.Request) -> web.StreamResponse:
        channel = hub.channels.get(request.match_info["channel_id"])
        if channel is None:
            return web.json_response(error_body(404, "not.found", "Channel not found"), status=404)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = Connection(ws, request.transport)
        hub.attach(channel, connection)
        await _serve(ws, channel, connection, world)
        return ws

    app.router.add_post(BASE, create)
    app.router.add_get(BASE, listing)
    app.router.add_route("HEAD", BASE + "/{channel_id}", exists)
    for method in ("GET", "PUT", "POST", "DELETE"):
        app.router.add_route(method, BASE + "/{channel_id}/subscriptions", subscriptions)
    app.router.add_get("/channels/{channel_id}", socket)


async def _serve(
    ws: web.WebSocketResponse, channel: Channel, connection: Connection, world: GenesysWorld
) -> None:
    hub = world.channels
    connection.tasks += [
        asyncio.create_task(connection.write()),
        asyncio.create_task(hub.heartbeats(channel, connection)),
    ]
    try:
        async for message in ws:
            if message.type is WSMsgType.TEXT and _is_ping(message.data):
                connection.send(PONG)
    finally:
        hub.detach(channel, connection)
        for task in connection.tasks:
            task.cancel()
        for task in connection.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _owned_channel(request: web.Request, world: GenesysWorld) -> Channel:
    token = world.bearer(request)
    channel = world.channels.channels.get(request.match_info["channel_id"])
    if channel is None or channel.client_id != token.client_id:
        raise web.HTTPNotFound(
            text=json.dumps(error_body(404, "not.found", "Channel not found")),
            content_type="application/json",
        )
    return channel


async def _topic_ids(request: web.Request) -> list[str]:
    try:
        body = await request.json()
    except ValueError:
        raise _http_error(400, "bad.request", "Body must be a JSON array") from None
    if not isinstance(body, list) or not all(
        isinstance(item, dict) and isinstance(item.get("id"), str) for item in body
    ):
        raise _http_error(400, "bad.request", 'Body must be a list of {"id": topic}')
    return [item["id"] for item in body]


def _is_ping(data: Any) -> bool:
    try:
        return bool(json.loads(data) == {"message": "ping"})
    except ValueError:
        return False


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(error_body(status, code, message), status=status)


def _http_error(status: int, code: str, message: str) -> web.HTTPException:
    error = web.HTTPBadRequest if status == 400 else web.HTTPNotFound
    body = json.dumps(error_body(status, code, message))
    return error(text=body, content_type="application/json")
