"""The widget sub-app: serves the built page and its assets with the widget's security headers.

The server mounts it under ``/widget/``::

    app.add_subapp("/widget/", create_widget_app(settings.widget_dist, store.desktop_origins))
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from .csp import STATIC_HEADERS, FrameAncestors, content_security_policy, tenant_origins

DIST_KEY = web.AppKey("widget_dist", Path)
FRAME_ANCESTORS_KEY: web.AppKey[FrameAncestors] = web.AppKey("widget_frame_ancestors")

INDEX = "index.html"
# Build output is flat: a plain file name, no directories, no dot files.
_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+")
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
NOT_BUILT_MESSAGE = "The widget has not been built; run: make widget"


def create_widget_app(dist: Path, frame_ancestors: FrameAncestors) -> web.Application:
    """Builds the sub-app serving ``dist`` (the output of ``npm run build``)."""
    app = web.Application(middlewares=[_security_headers])
    app[DIST_KEY] = dist
    app[FRAME_ANCESTORS_KEY] = frame_ancestors
    app.router.add_get("", _redirect_to_slash)
    app.router.add_get("/", _index)
    app.router.add_get("/{name}", _asset)
    return app


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Adds the CSP and hardening headers to every response, errors included."""
    origins = await tenant_origins(request.app[FRAME_ANCESTORS_KEY], request.query.get("tenant"))
    headers = {"Content-Security-Policy": content_security_policy(origins), **STATIC_HEADERS}
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


async def _redirect_to_slash(request: web.Request) -> web.StreamResponse:
    """``/widget`` → ``/widget/`` so the page's relative asset URLs resolve; keeps the query."""
    target = request.rel_url.with_path(request.path + "/").with_query(request.rel_url.query)
    raise web.HTTPPermanentRedirect(target)


async def _index(request: web.Request) -> web.StreamResponse:
    """The widget page; never cached, since it carries the tenant's framing policy."""
    path = _built_file(request.app[DIST_KEY], INDEX)
    response = web.FileResponse(path, headers={"Content-Type": "text/html; charset=utf-8"})
    response.headers["Cache-Control"] = "no-store"
    return response


async def _asset(request: web.Request) -> web.StreamResponse:
    """A built asset by plain file name; anything else is 404."""
    name = request.match_info["name"]
    if not _ASSET_NAME.fullmatch(name):
        raise web.HTTPNotFound()
    path = _built_file(request.app[DIST_KEY], name)
    content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    response = web.FileResponse(path, headers={"Content-Type": content_type})
    # Asset names are not content-hashed, so browsers revalidate instead of trusting a copy.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _built_file(dist: Path, name: str) -> Path:
    """``dist/name`` if it is a regular file inside dist; 503 when the widget is not built."""
    if not (dist / INDEX).is_file():
        raise _not_built()
    path = (dist / name).resolve()
    if path.parent != dist.resolve() or not path.is_file():
        raise web.HTTPNotFound()
    return path


def _not_built() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(
        text=json.dumps({"code": "widget_not_built", "message": NOT_BUILT_MESSAGE}),
        content_type="application/json",
    )
