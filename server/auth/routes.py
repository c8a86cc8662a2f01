"""Sign-in routes: a platform's sign-in popup, its callback, and session refresh.

``GET /auth/<platform>/login?tenant=<id>&nonce=<widget nonce>`` starts the popup for any
platform whose agents sign in with its own OAuth; ``GET /auth/<platform>/callback`` is the one
redirect URI registered at the platform (no query of our own: the tenant and nonce travel
server-side under ``state``); ``POST /auth/session/refresh`` ``{"refresh_token"}`` renews a
session (docs/rest.md).
"""

from __future__ import annotations

import re
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from server.api.bodies import json_out, read_model
from server.auth.errors import LoginCancelled
from server.auth.pages import failed_page, signed_in_page
from server.auth.pkce import Claimed
from server.auth.platform_login import PendingLogin, PlatformSignIn, login_cookie
from server.auth.sessions import AgentSession
from server.errors import CuecardError, InvalidInput, NotFound
from server.keys import AGENT_SESSIONS, PLATFORM_SIGN_IN, SETTINGS
from widget.csp import valid_tenant_id

routes = web.RouteTableDef()

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")


class RefreshBody(BaseModel):
    """``POST /auth/session/refresh``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


@routes.get("/auth/{platform}/login")
async def platform_login(request: web.Request) -> web.StreamResponse:
    """Send the popup to the platform's authorize page, bound to this browser by a cookie."""
    sign_in, platform = _sign_in(request)
    base_url = request.app[SETTINGS].base_url
    name = sign_in.display_name(platform)
    nonce = request.query.get("nonce", "")
    if not _NONCE.fullmatch(nonce):
        error = InvalidInput("a widget nonce is required", field="nonce")
        return failed_page(base_url, None, error, name)
    tenant_id = valid_tenant_id(request.query.get("tenant"))
    try:
        if tenant_id is None:
            raise InvalidInput("tenant must be a tenant id", field="tenant")
        start = await sign_in.begin(platform, tenant_id, nonce)
    except CuecardError as err:
        return failed_page(base_url, nonce, err, name)
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    login_cookie(platform).set(response, start.flow, secure=base_url.startswith("https://"))
    return response


@routes.get("/auth/{platform}/callback")
async def platform_callback(request: web.Request) -> web.StreamResponse:
    """Finish the sign-in and hand the cuecard session to the widget that opened the popup."""
    sign_in, platform = _sign_in(request)
    base_url = request.app[SETTINGS].base_url
    state = request.query.get("state", "")
    cookie = login_cookie(platform)
    secret = cookie.secret(request, state)
    pending: Claimed[PendingLogin] | None = None
    name = sign_in.display_name(platform)
    try:
        pending = await sign_in.claim(platform, state, secret)
        session = await _finish(request, sign_in, pending)
        response = signed_in_page(base_url, pending.context.nonce, session, name)
    except CuecardError as err:
        response = failed_page(base_url, pending.context.nonce if pending else None, err, name)
    if secret is not None:
        cookie.clear(response, state)
    return response


async def _finish(
    request: web.Request, sign_in: PlatformSignIn, pending: Claimed[PendingLogin]
) -> AgentSession:
    error = request.query.get("error")
    if error is not None:
        reason = error if _OAUTH_ERROR.fullmatch(error) else "error"
        name = sign_in.display_name(pending.context.platform)
        raise LoginCancelled(f"{name} did not sign you in ({reason}); try again")
    code = request.query.get("code", "")
    if not code:
        raise InvalidInput("the callback carries no authorization code", field="code")
    return await sign_in.finish(pending, code)


def _sign_in(request: web.Request) -> tuple[PlatformSignIn, str]:
    sign_in, platform = request.app[PLATFORM_SIGN_IN], request.match_info["platform"]
    if not sign_in.offers(platform):
        raise NotFound(f"agents do not sign in with {platform!r} here")
    return sign_in, platform


@routes.post("/auth/session/refresh")
async def refresh_session(request: web.Request) -> web.Response:
    """A new session token and refresh token; the presented refresh token stops working."""
    body = await read_model(request, RefreshBody)
    sign_in = request.app[PLATFORM_SIGN_IN]
    session = await request.app[AGENT_SESSIONS].refresh(body.refresh_token, sign_in.check_signed_in)
    return json_out(session)
