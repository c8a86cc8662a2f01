"""The 8x8 Agent Workspace double: the shell that frames a partner app, for Chromium tests.

``/?widget=URL`` frames ``URL`` as Agent Workspace's Platform UI Shell frames a partner app
and speaks the other side of ``@8x8/pui-partner-comm`` (``static/workspace.js``), written from
the package's types and 8x8's partner SDK guide (protocols.md 5.2): on the frame's load it
posts the string ``"init"`` with a ``MessagePort``; over that port the SDK reports
``setup-complete`` and ``capabilities`` (``{type: "sdk-message", message: {name, value}}``)
and sends requests (``{type: "request", message: {namespace, action, value?}}``), and the
shell answers (``{type: "response", message: {namespace, request, value}}``) and delivers
the events on the integration's allowlist (``{type: "event", message: {eventName, value},
schemaVersion}``) once the app has initialised. An SDK that got no port asks again
(``ask-initialisation`` posted to the parent). ``&beside=URL`` frames another partner app
next to it, from another origin, to attack the widget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

STATIC = Path(__file__).parent / "static"
WORKSPACE = web.AppKey("agent_workspace", dict)
FILES = {
    "/": ("workspace.html", "text/html"),
    "/workspace.js": ("workspace.js", "text/javascript"),
    "/beside": ("beside.html", "text/html"),
    "/beside.js": ("beside.js", "text/javascript"),
}
# What 8x8 configured for the partner integration: the events it may receive.
ALLOWLIST = {
    "aw-interaction-started-v1": ["1.0.0"],
    "aw-interaction-ended-v1": ["1.0.0"],
    "aw-interaction-focus-v3": ["3.0.0"],
    "aw-interaction-hold-v1": ["1.0.0"],
    "aw-interaction-resume-v1": ["1.0.0"],
}


def create_workspace(theme: str = "dark", locale: str = "en_GB") -> web.Application:
    """The double's application; its shell answers with this theme and locale."""
    app = web.Application()
    app[WORKSPACE] = {"theme": theme, "locale": locale, "events": ALLOWLIST}
    for path, (name, content_type) in FILES.items():
        app.router.add_get(path, _file(name, content_type))
    app.router.add_get("/shell.json", _shell)
    return app


def _file(name: str, content_type: str) -> Any:
    async def serve(request: web.Request) -> web.Response:
        body = (STATIC / name).read_text(encoding="utf-8")
        return web.Response(text=body, content_type=content_type)

    return serve


async def _shell(request: web.Request) -> web.Response:
    return web.json_response(request.app[WORKSPACE])
