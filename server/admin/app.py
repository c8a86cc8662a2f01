"""The admin sub-application, mounted at /admin/: its templates, static files and pages."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from server.admin import (
    agent_sign_in,
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
# Where an id may break across lines: after its separators, never inside a part.
_ID_PARTS = re.compile(r"(?<=[-_:./])")
# Every page module's routes; a new page adds its module here (docs/admin.md).
PAGES: tuple[web.RouteTableDef, ...] = (
    signin.routes,
    sso.routes,
    tenants.routes,
    integrations.routes,
    agent_sign_in.routes,
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
    env.filters["breakable"] = breakable
    app.router.add_static("/static/", STATIC, name="static")
    for routes in PAGES:
        app.add_routes(routes)
    return app


def breakable(value: object) -> Markup:
    """An id (``bill-higher-than-expected``) that a narrow column wraps between its parts only.

    ``<wbr>`` after each separator: "bill-higher-" / "than-expected", never "bill-hig" / "her".
    """
    return Markup("<wbr>").join(escape(part) for part in _ID_PARTS.split(str(value)))
