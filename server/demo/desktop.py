"""The simulated agent desktop: a page that frames the widget and plays conversations into it.

Only ``cuecard demo`` and tests mount it (``cuecard serve`` never does). The page plays what
``next_conversation`` returns, posting each host message to the widget over postMessage, the
way a real agent desktop hands a framed app its conversation events::

    app.add_subapp("/demo/desktop/", create_desktop_app(page, playlist.next))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

PAGE_DIR = Path(__file__).resolve().parent / "desktop_page"
MOUNT = "/demo/desktop/"
_FILES = {
    "desktop.js": "text/javascript; charset=utf-8",
    "desktop.css": "text/css; charset=utf-8",
}
# The page and its own script and style; it frames the widget, served by the same server.
_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class DesktopPage:
    """Which widget page the desktop frames, and where it states its own origin."""

    platform: str
    host_origin_param: str

    def config(self) -> dict[str, str]:
        """What the page's script needs to frame the widget (its URL relative to the page,
        so a server behind a path prefix works too)."""
        return {
            "platform": self.platform,
            "widget_url": f"../../widget/{self.platform}",
            "host_origin_param": self.host_origin_param,
        }


PAGE_KEY = web.AppKey("desktop_page", DesktopPage)
Playlist = Callable[[], Mapping[str, Any] | None]
"""The next conversation to play (JSON-shaped), or None when every one was played."""
PLAYLIST_KEY: web.AppKey[Playlist] = web.AppKey("desktop_playlist")


def create_desktop_app(page: DesktopPage, next_conversation: Playlist) -> web.Application:
    """The desktop page, its script and style, its config, and the next conversation to play."""
    app = web.Application(middlewares=[_headers])
    app[PAGE_KEY] = page
    app[PLAYLIST_KEY] = next_conversation
    app.router.add_get("", _redirect_to_slash)
    app.router.add_get("/", _page)
    app.router.add_get("/config", _config)
    app.router.add_get("/conversations/next", _next_conversation)
    app.router.add_get("/{name}", _file)
    return app


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(_HEADERS)
        raise
    response.headers.update(_HEADERS)
    return response


async def _redirect_to_slash(request: web.Request) -> web.StreamResponse:
    """The page's relative URLs need the trailing slash; the query and fragment are kept."""
    target = request.rel_url.with_path(request.path + "/").with_query(request.rel_url.query)
    raise web.HTTPPermanentRedirect(target)


async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        PAGE_DIR / "desktop.html", headers={"Content-Type": "text/html; charset=utf-8"}
    )


async def _file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in _FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(PAGE_DIR / name, headers={"Content-Type": _FILES[name]})


async def _config(request: web.Request) -> web.Response:
    return web.json_response(request.app[PAGE_KEY].config())


async def _next_conversation(request: web.Request) -> web.Response:
    conversation = request.app[PLAYLIST_KEY]()
    if conversation is None:
        return web.Response(status=204)
    return web.json_response(dict(conversation))
