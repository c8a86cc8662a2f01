"""The widget sub-app: serves the built page and its assets with the widget's security headers.

``/widget/`` is the generic page; ``/widget/<platform>`` is the entry of each platform whose
manifest declares ``Capability.EMBEDDING``: framed only by the origins the tenant's integration
of that platform yields, and loaded only when the desktop's stated origin is one of them. An
entry whose desktop SDK comes from the platform (``HostScripts``) may load scripts from those
URLs' origins, on that page only; ``/widget/<platform>/embedding`` tells the page the origins
allowed to frame it and the scripts to load. The
server mounts it under ``/widget/`` and, once its services run, tells it where the tenants'
origins come from (read through ``request.config_dict``; until then nothing may frame it)::

    app.add_subapp("/widget/", create_widget_app(dist, embedded))
    app[WIDGET_SOURCES] = WidgetSources(tenants.allowed_origins, integrations.provider_settings)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from providers.base import Embedding, HostScripts, Manifest, ProviderSettings
from widget.csp import (
    STATIC_HEADERS,
    FrameAncestors,
    SettingsLookup,
    content_security_policy,
    same_origin,
    tenant_origins,
    valid_tenant_id,
)

_LOGGER = logging.getLogger(__name__)


async def _no_settings(tenant_id: str, platform: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class WidgetSources:
    """Where the framing policy comes from: the tenants' own origins, and their settings of
    each embedded platform (None when the tenant has no enabled integration of it)."""

    frame_ancestors: FrameAncestors
    platform_settings: SettingsLookup = _no_settings


DIST_KEY = web.AppKey("widget_dist", Path)
EMBEDDED_KEY: web.AppKey[Mapping[str, Manifest]] = web.AppKey("widget_embedded_platforms")
# Set on the parent app by the server once its services exist; read via request.config_dict.
SOURCES_KEY = web.AppKey("widget_sources", WidgetSources)
ENTRY_PREFIX = "platform-entry:"
EMBEDDING_PREFIX = "platform-embedding:"

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
    dist: Path, embedded: Mapping[str, Manifest] | None = None
) -> web.Application:
    """Builds the sub-app serving ``dist`` (the output of ``npm run build``).

    ``embedded`` are the platforms with an entry page. ``/widget/<platform>`` may be framed by
    that platform's origins only, the generic page by them as well as the tenant's own list.
    """
    app = web.Application(middlewares=[_security_headers])
    app[DIST_KEY] = dist
    app[EMBEDDED_KEY] = dict(embedded or {})
    app.router.add_get("", _redirect_to_slash)
    app.router.add_get("/", _index)
    for platform in app[EMBEDDED_KEY]:
        app.router.add_get(f"/{platform}", _platform_index, name=ENTRY_PREFIX + platform)
        app.router.add_get(
            f"/{platform}/embedding", _platform_embedding, name=EMBEDDING_PREFIX + platform
        )
    app.router.add_get("/{name}", _asset)
    return app


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Adds the CSP and hardening headers to every response, errors included."""
    origins = await _frame_origins(request)
    scripts = await _entry_scripts(request)
    policy = content_security_policy(origins, scripts=[_origin(url) for url in scripts])
    headers = {"Content-Security-Policy": policy, **STATIC_HEADERS}
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


async def _frame_origins(request: web.Request) -> Sequence[str]:
    """Who may frame this response: a platform's entry only that platform's desktop."""
    tenant = request.query.get("tenant")
    platform = _entry_platform(request)
    if platform is not None:
        return await _platform_origins(request, platform, tenant)
    sources = request.config_dict.get(SOURCES_KEY)
    if sources is None:
        return []
    origins = list(await tenant_origins(sources.frame_ancestors, tenant))
    for embedded in request.app[EMBEDDED_KEY]:
        origins += await _platform_origins(request, embedded, tenant)
    return origins


def _entry_platform(request: web.Request, prefix: str = ENTRY_PREFIX) -> str | None:
    name = request.match_info.route.name or ""
    return name.removeprefix(prefix) if name.startswith(prefix) else None


async def _entry_scripts(request: web.Request) -> tuple[str, ...]:
    """The desktop SDK scripts the platform's entry page loads (none on other responses)."""
    platform = _entry_platform(request)
    if platform is None:
        return ()
    return await _platform_scripts(request, platform, request.query.get("tenant"))


async def _platform_origins(
    request: web.Request, platform: str, tenant: str | None
) -> tuple[str, ...]:
    """Origins the tenant's integration of ``platform`` may frame the widget from."""
    found = await _platform_settings(request, platform, tenant)
    if found is None:
        return ()
    embedding, settings = found
    try:
        return tuple(embedding.frame_origins(settings))
    except Exception:
        # Fail closed: without the origins the page cannot be framed by the platform.
        _LOGGER.warning("%s origins failed for tenant %s", platform, tenant, exc_info=True)
        return ()


async def _platform_scripts(
    request: web.Request, platform: str, tenant: str | None
) -> tuple[str, ...]:
    """The https scripts the tenant's integration of ``platform`` has its page load."""
    found = await _platform_settings(request, platform, tenant)
    if found is None or not isinstance(found[0], HostScripts):
        return ()
    try:
        urls = found[0].script_urls(found[1])
    except Exception:
        _LOGGER.warning("%s scripts failed for tenant %s", platform, tenant, exc_info=True)
        return ()
    return tuple(url for url in urls if _origin(url))


async def _platform_settings(
    request: web.Request, platform: str, tenant: str | None
) -> tuple[Embedding, ProviderSettings | None] | None:
    """The platform's embedding and the tenant's settings of it; None when not set up."""
    tenant_id = valid_tenant_id(tenant)
    embedding = request.app[EMBEDDED_KEY][platform].embedding
    storable = request.app[EMBEDDED_KEY][platform].storable
    sources = request.config_dict.get(SOURCES_KEY)
    if tenant_id is None or embedding is None or sources is None:
        return None
    try:
        settings = await sources.platform_settings(tenant_id, platform)
    except Exception:
        # Fail closed: the page can then be framed by no desktop and loads no SDK.
        _LOGGER.warning("%s settings failed for tenant %s", platform, tenant_id, exc_info=True)
        return None
    if settings is None and storable:
        return None
    return embedding, settings


def _origin(url: str) -> str:
    """The https (or loopback http) origin of a script URL; '' for anything else."""
    try:
        parsed = URL(url)
    except ValueError:
        return ""
    if not parsed.is_absolute() or parsed.scheme not in ("https", "http"):
        return ""
    return str(parsed.origin())


async def _platform_index(request: web.Request) -> web.StreamResponse:
    """The widget inside a platform's desktop, once the desktop's stated origin checks out.

    A desktop that interpolates its own origin into the URL (``Embedding.host_origin_param``,
    e.g. ``gcHostOrigin``) must state one of the tenant's configured origins, or the page refuses
    to load.
    """
    platform = _entry_platform(request) or ""
    manifest = request.app[EMBEDDED_KEY][platform]
    origins = await _platform_origins(request, platform, request.query.get("tenant"))
    if not origins:
        raise _refused(
            404, f"{manifest.display_name} is not set up for this tenant (check ?tenant=)."
        )
    param = manifest.embedding.host_origin_param if manifest.embedding else None
    host = request.query.get(param, "") if param else ""
    if param and not any(same_origin(host, origin) for origin in origins):
        raise _refused(
            400,
            f"{param} {host!r} is not this tenant's {manifest.display_name} desktop "
            f"({', '.join(origins)}); check the widget URL configured in "
            f"{manifest.display_name}.",
        )
    return await _index(request)


async def _platform_embedding(request: web.Request) -> web.StreamResponse:
    """What the page needs before it talks to its desktop: who may frame it (the only
    origins whose messages it takes) and the desktop SDK scripts to load, in order."""
    platform = _entry_platform(request, EMBEDDING_PREFIX) or ""
    tenant = request.query.get("tenant")
    origins = await _platform_origins(request, platform, tenant)
    if not origins:
        manifest = request.app[EMBEDDED_KEY][platform]
        raise _refused(
            404, f"{manifest.display_name} is not set up for this tenant (check ?tenant=)."
        )
    scripts = await _platform_scripts(request, platform, tenant)
    response = web.json_response({"frame_origins": list(origins), "scripts": list(scripts)})
    response.headers["Cache-Control"] = "no-store"
    return response


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
