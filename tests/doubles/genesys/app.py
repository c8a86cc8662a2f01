"""The Genesys double as one aiohttp application serving both api.<env> and login.<env>."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.doubles.genesys import actions, conversations, login, notifications, oauth
from tests.doubles.genesys.world import GenesysWorld, error_body

WORLD = web.AppKey("world", GenesysWorld)

# Each route module of the double adds its routes here: ``install(app, world)``.
Installer = Callable[[web.Application, GenesysWorld], None]
INSTALLERS: list[Installer] = [
    oauth.install,
    login.install,
    notifications.install,
    conversations.install,
    actions.install,
]


def create_double(world: GenesysWorld) -> web.Application:
    """The double's application, sharing ``world`` with the test."""
    app = web.Application(middlewares=[_record_requests, _rate_limit])
    app[WORLD] = world
    for install in INSTALLERS:
        install(app, world)
    return app


@web.middleware
async def _record_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    request.app[WORLD].requests.append((request.method, request.path))
    return await handler(request)


@web.middleware
async def _rate_limit(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    limit = request.app[WORLD].rate_limit
    if not request.path.startswith("/api/"):
        return await handler(request)
    if limit.remaining > 0:
        limit.remaining -= 1
        limit.log.append((429, time.monotonic()))
        body = error_body(429, "too.many.requests", "Rate limit exceeded")
        headers = {"Retry-After": str(limit.retry_after)}
        return web.json_response(body, status=429, headers=headers)
    response = await handler(request)
    if limit.armed:
        limit.log.append((response.status, time.monotonic()))
    return response
