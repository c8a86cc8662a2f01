"""The widget page of a platform's agent desktop, ``/widget/<platform>``.

A desktop that frames the widget states its origin in a query parameter the platform names
(its ``Embedding.host_origin_param``). The page loads only when that origin is one the tenant's
integration allows, and only those origins may frame it: the widget then trusts messages
from exactly that origin (widget/src/host.ts).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from .csp import same_origin, valid_tenant_id

_LOGGER = logging.getLogger(__name__)
PLATFORM_ENTRY = "platform-entry"
PLATFORM_PATTERN = "[a-z][a-z0-9-]{0,39}"


@dataclass(frozen=True, slots=True)
class PlatformPage:
    """How one tenant's desktop of a platform frames the widget."""

    # The query parameter naming the framing desktop's origin; None if the desktop names none.
    host_origin_param: str | None
    frame_origins: tuple[str, ...]


PlatformPages = Callable[[str, str], Awaitable[PlatformPage | None]]
"""(platform, tenant_id) -> the tenant's page of that platform; None when it has none."""

PAGES_KEY: web.AppKey[PlatformPages] = web.AppKey("widget_platform_pages")


async def no_platform_pages(platform: str, tenant_id: str) -> PlatformPage | None:
    """The default: no platform has a page."""
    return None


async def platform_page(request: web.Request) -> PlatformPage | None:
    """The page the request names (``/widget/<platform>?tenant=``), failing closed."""
    tenant_id = valid_tenant_id(request.query.get("tenant"))
    if tenant_id is None:
        return None
    platform = request.match_info["platform"]
    try:
        return await request.app[PAGES_KEY](platform, tenant_id)
    except Exception:
        _LOGGER.warning("%s page lookup failed for tenant %s", platform, tenant_id, exc_info=True)
        return None


def platform_frame_origins(page: PlatformPage | None) -> Sequence[str]:
    """Who may frame a platform page: the integration's desktop origins, else nobody."""
    return page.frame_origins if page is not None else ()


def check_host_origin(request: web.Request, page: PlatformPage | None) -> None:
    """Refuse the page unless the platform is set up and its desktop states an allowed origin."""
    platform = request.match_info["platform"]
    if page is None:
        raise _refused(404, f"{platform} is not set up for this tenant (check ?tenant=).")
    if page.host_origin_param is None:
        return
    host = request.query.get(page.host_origin_param, "")
    if not any(same_origin(host, allowed) for allowed in page.frame_origins):
        raise _refused(
            400,
            f"{page.host_origin_param} {host!r} is not one of this tenant's {platform} "
            "desktops; check the widget URL the desktop frames.",
        )


def _refused(status: int, message: str) -> web.HTTPException:
    error = web.HTTPException(text=message, content_type="text/plain")
    error.set_status(status)
    return error
