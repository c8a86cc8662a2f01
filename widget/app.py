"""The widget sub-app: serves the built page and its assets with the widget's security headers.

The server mounts it under ``/widget/``::

    app.add_subapp("/widget/", create_widget_app(settings.widget_dist, store.desktop_origins))
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from .csp import (
    STATIC_HEADERS,
    FrameAncestors,
    PlatformOrigin,
    content_security_policy,
    same_origin,
    tenant_origins,
    valid_tenant_id,
)
from .platforms import (
    PAGES_KEY,
    PLATFORM_ENTRY,
    PLATFORM_PATTERN,
    PlatformPages,
    check_host_origin,
    no_platform_pages,
    platform_frame_origins,
    platform_page,
)

_LOGGER = logging.getLogger(__name__)
DIST_KEY = web.AppKey("widget_dist", Path)
FRAME_ANCESTORS_KEY: web.AppKey[FrameAncestors] = web.AppKey("widget_frame_ancestors")
GENESYS_ORIGIN_KEY: web.AppKey[PlatformOrigin] = web.AppKey("widget_genesys_origin")
GENESYS_ENTRY = "genesys-entry"

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


def create_widget_app(
    dist: Path,
    frame_ancestors: FrameAncestors,
    genesys_origin: PlatformOrigin | None = None,
    platform_pages: PlatformPages | None = None,
) -> web.Application:
    """Builds the sub-app serving ``dist`` (the output of ``npm run build``).

    ``genesys_origin`` gives a tenant's Genesys Cloud desktop origin: ``/widget/genesys`` may
    be framed by that origin only, and the generic page by it as well as the tenant's own list.
    ``platform_pages`` gives the other desktops' pages, ``/widget/<platform>`` (platforms.py).
    """
    app = web.Application(middlewares=[_security_headers])
    app[DIST_KEY] = dist
    app[FRAME_ANCESTORS_KEY] = frame_ancestors
    app[GENESYS_ORIGIN_KEY] = genesys_origin or _no_platform
    app[PAGES_KEY] = platform_pages or no_platform_pages
    app.router.add_get("", _redirect_to_slash)
    app.router.add_get("/", _index)
    app.router.add_get("/genesys", _genesys_index, name=GENESYS_ENTRY)
    # Asset names always have a dot, platform names never: the two routes cannot overlap.
    app.router.add_get(f"/{{platform:{PLATFORM_PATTERN}}}", _platform_index, name=PLATFORM_ENTRY)
    app.router.add_get("/{name}", _asset)
    return app


async def _no_platform(tenant_id: str) -> str | None:
    return None


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Adds the CSP and hardening headers to every response, errors included."""
    origins = await _frame_origins(request)
    headers = {"Content-Security-Policy": content_security_policy(origins), **STATIC_HEADERS}
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


async def _frame_origins(request: web.Request) -> Sequence[str]:
    """Who may frame this response: the Genesys entry only the tenant's Genesys desktop."""
    if request.match_info.route.name == PLATFORM_ENTRY:
        return platform_frame_origins(await platform_page(request))
    tenant = request.query.get("tenant")
    genesys = await _genesys_origin(request, tenant)
    if request.match_info.route.name == GENESYS_ENTRY:
        return [genesys] if genesys else []
    origins = await tenant_origins(request.app[FRAME_ANCESTORS_KEY], tenant)
    return [*origins, genesys] if genesys else origins


async def _genesys_origin(request: web.Request, tenant: str | None) -> str | None:
    tenant_id = valid_tenant_id(tenant)
    if tenant_id is None:
        return None
    try:
        return await request.app[GENESYS_ORIGIN_KEY](tenant_id)
    except Exception:
        # Fail closed: without the origin the page cannot be framed by Genesys.
        _LOGGER.warning("Genesys origin lookup failed for tenant %s", tenant_id, exc_info=True)
        return None


async def _genesys_index(request: web.Request) -> web.StreamResponse:
    """The widget inside a Genesys Cloud interaction, once ``gcHostOrigin`` checks out.

    Genesys interpolates ``gcHostOrigin`` into the Application URL; it must be the tenant's
    configured Genesys desktop, or the page refuses to load (protocols.md 2.4).
    """
    tenant = request.query.get("tenant")
    expected = await _genesys_origin(request, tenant)
    if expected is None:
        raise _refused(404, "Genesys Cloud is not set up for this tenant (check ?tenant=).")
    host = request.query.get("gcHostOrigin", "")
    if not same_origin(host, expected):
        raise _refused(
            400,
            f"gcHostOrigin {host!r} is not this tenant's Genesys Cloud desktop ({expected}); "
            "check the Application URL of the Interaction Widget.",
        )
    return await _index(request)


async def _platform_index(request: web.Request) -> web.StreamResponse:
    """The widget inside a platform's desktop, once the desktop's stated origin checks out."""
    check_host_origin(request, await platform_page(request))
    return await _index(request)


def _refused(status: int, message: str) -> web.HTTPException:
    error = web.HTTPException(text=message, content_type="text/plain")
    error.set_status(status)
    return error


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
