"""The admin sub-application, mounted at /admin/: its templates, static files and pages."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.admin import (
    api_keys,
    embedding,
    entities,
    events,
    health,
    integrations,
    knowledge,
    routing,
    signin,
    sso,
    tenants,
)
from server.admin.middlewares import admin_middleware, security_headers

STATIC = Path(__file__).parent / "static"
# Every page module's routes; a new page adds its module here (docs/admin.md).
PAGES: tuple[web.RouteTableDef, ...] = (
    signin.routes,
    sso.routes,
    tenants.routes,
    integrations.routes,
    routing.routes,
    knowledge.routes,
    embedding.routes,
    entities.routes,
    api_keys.routes,
    health.routes,
    events.routes,
)


def create_admin_app() -> web.Application:
    """The admin pages; services and settings come from the parent app's keys."""
    app = web.Application(middlewares=[security_headers, admin_middleware])
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("server.admin", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pair"] = lambda value: (value, value)
    app.router.add_static("/static/", STATIC, name="static")
    for routes in PAGES:
        app.add_routes(routes)
    return app
