"""Signing admins in through the configured OpenID provider ("Sign in with SSO")."""

from __future__ import annotations

import re

from aiohttp import web

from server.admin.pages import behind_tls, read_form, redirect, render, text, url
from server.admin.signin import check_signin_token, sign_in_page, start_session
from server.auth.admin_sso import SSO_COOKIE, AdminSso, PendingSso
from server.auth.errors import SsoCancelled, SsoNotConfigured
from server.clients import request_client
from server.errors import CuecardError, InvalidInput
from server.keys import ADMIN_SSO, SESSIONS, SETTINGS, SIGNED_IN

routes = web.RouteTableDef()
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")


def _sso(request: web.Request) -> AdminSso:
    sso = request.config_dict.get(ADMIN_SSO)
    if sso is None:
        raise SsoNotConfigured("single sign-on is not configured on this server")
    return sso


@routes.post("/sso", name="sso_start")
async def start_sso(request: web.Request) -> web.StreamResponse:
    """Send the browser to the identity provider, bound to it by a cookie."""
    sso = _sso(request)
    form = await read_form(request)
    next_path = text(form, "next")
    try:
        check_signin_token(request, text(form, "signin_token"))
        authorize_url, start = await sso.begin(
            next_path=next_path, redirect_uri=_callback_url(request), client=request_client(request)
        )
    except CuecardError as err:
        errors = {"form": f"Single sign-on: {err.message}"}
        return sign_in_page(request, "", errors, next_path=next_path, status=err.status)
    response = redirect(request, authorize_url)
    SSO_COOKIE.set(response, start, secure=behind_tls(request))
    return response


@routes.get("/sso/callback", name="sso_callback")
async def sso_callback(request: web.Request) -> web.StreamResponse:
    """Finish the sign-in: a session for the matching admin, or a page saying why not."""
    sso = _sso(request)
    state = request.query.get("state", "")
    cookie = SSO_COOKIE.secret(request, state)
    try:
        pending = await sso.claim(state, cookie)
        response = await _finish(request, sso, pending)
    except CuecardError as err:
        response = render(request, "sso_refused.html", {"error": err}, status=err.status)
    response.headers["Cache-Control"] = "no-store"
    if cookie is not None:
        SSO_COOKIE.clear(response, state)
    return response


async def _finish(request: web.Request, sso: AdminSso, pending: PendingSso) -> web.Response:
    error = request.query.get("error")
    if error is not None:
        reason = error if _OAUTH_ERROR.fullmatch(error) else "error"
        raise SsoCancelled(f"the identity provider did not sign you in ({reason})")
    code = request.query.get("code", "")
    if not code:
        raise InvalidInput("the callback carries no authorization code", field="code")
    admin = await sso.finish(pending, code)
    previous = request.get(SIGNED_IN)
    if previous is not None:
        await request.config_dict[SESSIONS].end(previous)
    return await start_session(request, admin_id=admin.id, next_path=pending.context.next_path)


def _callback_url(request: web.Request) -> str:
    base_url: str = request.config_dict[SETTINGS].base_url
    return base_url.rstrip("/") + url(request, "sso_callback")
