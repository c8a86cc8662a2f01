"""The Genesys double as one aiohttp application serving both api.<env> and login.<env>."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.doubles.genesys import oauth
from tests.doubles.genesys.world import GenesysWorld

WORLD = web.AppKey("world", GenesysWorld)

# Each route module of the double adds its routes here: ``install(app, world)``.
Installer = Callable[[web.Application, GenesysWorld], None]
INSTALLERS: list[Installer] = [oauth.install]


def create_double(world: GenesysWorld) -> web.Application:
    """The double's application, sharing ``world`` with the test."""
    app = web.Application(middlewares=[_record_requests])
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
