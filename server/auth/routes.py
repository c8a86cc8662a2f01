"""Sign-in routes: the Genesys Cloud login popup, its callback, and session refresh.

``GET /auth/genesys/login?tenant=<id>&nonce=<widget nonce>`` starts the popup;
``GET /auth/genesys/callback`` is the one redirect URI registered at Genesys (no query of our
own: the tenant and nonce travel server-side under ``state``);
``POST /auth/session/refresh`` ``{"refresh_token"}`` renews a session (docs/rest.md).
"""

from __future__ import annotations

import re
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from server.api.bodies import json_out, read_model
from server.auth.errors import LoginCancelled
from server.auth.genesys_login import CALLBACK_PATH, LOGIN_SECONDS, PendingLogin
from server.auth.pages import failed_page, signed_in_page
from server.auth.sessions import AgentSession
from server.errors import CuecardError, InvalidInput
from server.keys import AGENT_SESSIONS, GENESYS_LOGIN, GENESYS_TOKENS, SETTINGS
from widget.csp import valid_tenant_id

routes = web.RouteTableDef()

COOKIE_PREFIX = "cuecard_login_"
COOKIE_PATH = "/auth/genesys/"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_STATE = re.compile(r"[A-Za-z0-9_-]{20,128}")
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")


class RefreshBody(BaseModel):
    """``POST /auth/session/refresh``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


@routes.get("/auth/genesys/login")
async def genesys_login(request: web.Request) -> web.StreamResponse:
    """Send the popup to Genesys Cloud's authorize page, bound to this browser by a cookie."""
    base_url = request.app[SETTINGS].base_url
    nonce = request.query.get("nonce", "")
    if not _NONCE.fullmatch(nonce):
        return failed_page(
            base_url, None, InvalidInput("a widget nonce is required", field="nonce")
        )
    tenant_id = valid_tenant_id(request.query.get("tenant"))
    try:
        if tenant_id is None:
            raise InvalidInput("tenant must be a tenant id", field="tenant")
        start = await request.app[GENESYS_LOGIN].begin(tenant_id, nonce)
    except CuecardError as err:
        return failed_page(base_url, nonce, err)
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        COOKIE_PREFIX + start.state,
        start.browser_secret,
        max_age=LOGIN_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        secure=base_url.startswith("https://"),
        # Lax: the cookie must ride along on Genesys' top-level redirect back to us.
        samesite="Lax",
    )
    return response


@routes.get(CALLBACK_PATH)
async def genesys_callback(request: web.Request) -> web.StreamResponse:
    """Finish the sign-in and hand the cuecard session to the widget that opened the popup."""
    base_url = request.app[SETTINGS].base_url
    state = request.query.get("state", "")
    cookie = request.cookies.get(COOKIE_PREFIX + state) if _STATE.fullmatch(state) else None
    login = request.app[GENESYS_LOGIN]
    pending: PendingLogin | None = None
    try:
        pending = await login.claim(state, cookie)
        response = signed_in_page(base_url, pending.nonce, await _finish(request, pending))
    except CuecardError as err:
        response = failed_page(base_url, pending.nonce if pending else None, err)
    if cookie is not None:
        response.del_cookie(COOKIE_PREFIX + state, path=COOKIE_PATH)
    return response


async def _finish(request: web.Request, pending: PendingLogin) -> AgentSession:
    error = request.query.get("error")
    if error is not None:
        reason = error if _OAUTH_ERROR.fullmatch(error) else "error"
        raise LoginCancelled(f"Genesys Cloud did not sign you in ({reason}); try again")
    code = request.query.get("code", "")
    if not code:
        raise InvalidInput("the callback carries no authorization code", field="code")
    return await request.app[GENESYS_LOGIN].finish(pending, code)


@routes.post("/auth/session/refresh")
async def refresh_session(request: web.Request) -> web.Response:
    """A new session token and refresh token; the presented refresh token stops working."""
    body = await read_model(request, RefreshBody)
    custody = request.app[GENESYS_TOKENS]
    session = await request.app[AGENT_SESSIONS].refresh(body.refresh_token, custody.signed_in)
    return json_out(session)
