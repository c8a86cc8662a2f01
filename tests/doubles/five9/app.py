"""The Five9 SDK double: an agent desktop host page and a stand-in CRM SDK, for Chromium.

``/host?widget=URL`` is Agent Desktop Plus as far as the widget can tell: it frames ``URL``
and answers the CRM SDK's postMessage handshake and requests (``static/host.js``, from
protocols.md 4.1), playing a scenario of recorded-shape ``callData``/``chatData`` events and
call-attached variables. ``/sdk/five9.crm.sdk.js`` is a stand-in for Five9's SDK speaking the
same protocol (the real one is never bundled or copied); point an integration's ``sdk_url``
at it. Serve the app on two ports to get two origins, desktop and widget.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

STATIC = Path(__file__).parent / "static"
SCENARIO = web.AppKey("five9_scenario", dict)
FILES = {
    "/host": ("host.html", "text/html"),
    "/host.js": ("host.js", "text/javascript"),
    "/frame.js": ("frame.js", "text/javascript"),
    "/sdk/five9.crm.sdk.js": ("five9.crm.sdk.js", "text/javascript"),
    "/probe": ("probe.html", "text/html"),
    "/probe.js": ("probe.js", "text/javascript"),
}


def create_double(scenario: dict[str, Any]) -> web.Application:
    """The double's application playing ``scenario`` (see :func:`load_scenario`)."""
    app = web.Application()
    app[SCENARIO] = scenario
    for path, (name, content_type) in FILES.items():
        app.router.add_get(path, _file(name, content_type))
    app.router.add_get("/scenario.json", _scenario)
    return app


def load_scenario(path: Path) -> dict[str, Any]:
    """A scenario file: ``{context, cavs: {interactionId: [cav]}, events: [{reason, payload}]}``.

    ``context`` is what the desktop answers to ``getApplicationContext`` (``getMetadata()``
    reads ``agentId`` and ``tenantId`` from it).
    """
    scenario: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in ("context", "cavs", "events"):
        if key not in scenario:
            raise ValueError(f"{path.name} has no {key!r}")
    return scenario


def _file(name: str, content_type: str) -> Any:
    async def serve(request: web.Request) -> web.Response:
        body = (STATIC / name).read_text(encoding="utf-8")
        return web.Response(text=body, content_type=content_type)

    return serve


async def _scenario(request: web.Request) -> web.Response:
    return web.json_response(request.app[SCENARIO])
