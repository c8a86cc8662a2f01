"""Sign-in routes: how a platform's agents sign in, the sign-in popups, and session refresh.

``GET /auth/sign-in?tenant=<id>&platform=<name>`` tells the widget which sign-in the platform's
manifest asks for and what its button says. ``GET /auth/<platform>/login?tenant=&nonce=`` starts
the popup for any platform whose agents sign in with its own OAuth, ``GET /auth/idp/login``
the same at the tenant's own identity provider; ``GET /auth/<platform>/callback`` and
``GET /auth/idp/callback`` are the redirect URIs registered at the platform and at the
providers (no query of our own: the tenant and nonce travel server-side under ``state``);
``POST /auth/session/refresh`` ``{"refresh_token"}`` renews a session of either kind
(docs/rest.md).
"""

from __future__ import annotations

import re
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from providers.base import SignInFlow
from server.api.bodies import json_out, read_model
from server.auth.errors import LoginCancelled
from server.auth.idp_login import IDP_COOKIE, LOGIN_PATH
from server.auth.idp_models import SignInOption
from server.auth.pages import failed_page, signed_in_page
from server.auth.pkce import Claimed
from server.auth.platform_login import PendingLogin, PlatformSignIn, login_cookie, login_path
from server.auth.sessions import AgentSession, SignedInWith
from server.clients import request_client
from server.errors import CuecardError, InvalidInput, NotFound
from server.keys import AGENT_SESSIONS, IDP_SIGN_IN, PLATFORM_SIGN_IN, PLATFORMS, SETTINGS
from widget.csp import valid_tenant_id

routes = web.RouteTableDef()

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")
# Where the popup's last page sends agents of an identity-provider sign-in back to.
_DESKTOP = "your agent desktop"


class RefreshBody(BaseModel):
    """``POST /auth/session/refresh``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=20, max_length=200)]


@routes.get("/auth/sign-in")
async def sign_in_option(request: web.Request) -> web.Response:
    """How agents of ``?platform=`` sign in for ``?tenant=``, as its manifest says."""
    platform = request.query.get("platform", "")
    manifest = request.app[PLATFORMS].get(platform)
    if manifest is None or manifest.sign_in is None:
        raise NotFound(f"agents do not sign in with {platform!r} here")
    tenant_id = _tenant(request)
    if manifest.sign_in is SignInFlow.TENANT_IDP:
        name = await request.app[IDP_SIGN_IN].provider_name(tenant_id)
        option = SignInOption(flow=manifest.sign_in, provider_name=name, login_path=LOGIN_PATH)
    else:
        sign_in = _sign_in(request, platform)
        option = SignInOption(
            flow=manifest.sign_in,
            provider_name=sign_in.display_name(platform),
            login_path=login_path(platform),
        )
    response = json_out(option)
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/auth/idp/login")
async def idp_login(request: web.Request) -> web.StreamResponse:
    """Send the popup to the tenant's identity provider, bound to this browser by a cookie."""
    base_url = request.app[SETTINGS].base_url
    try:
        nonce = _widget_nonce(request)
    except InvalidInput as error:
        return failed_page(base_url, None, error, _DESKTOP)
    try:
        idp = request.app[IDP_SIGN_IN]
        start = await idp.begin(_tenant(request), nonce, client=request_client(request))
    except CuecardError as err:
        return failed_page(base_url, nonce, err, _DESKTOP)
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    IDP_COOKIE.set(response, start.flow, secure=base_url.startswith("https://"))
    return response


@routes.get("/auth/idp/callback")
async def idp_callback(request: web.Request) -> web.StreamResponse:
    """Finish the sign-in and hand the cuecard session to the widget that opened the popup."""
    sign_in, base_url = request.app[IDP_SIGN_IN], request.app[SETTINGS].base_url
    state = request.query.get("state", "")
    secret = IDP_COOKIE.secret(request, state)
    nonce: str | None = None
    try:
        pending = await sign_in.claim(state, secret)
        nonce = pending.context.nonce
        session = await sign_in.finish(pending, _code(request, "your identity provider"))
        response = signed_in_page(base_url, nonce, session, _DESKTOP)
    except CuecardError as err:
        response = failed_page(base_url, nonce, err, _DESKTOP)
    if secret is not None:
        IDP_COOKIE.clear(response, state)
    return response


@routes.get("/auth/{platform}/login")
async def platform_login(request: web.Request) -> web.StreamResponse:
    """Send the popup to the platform's authorize page, bound to this browser by a cookie."""
    platform = request.match_info["platform"]
    sign_in = _sign_in(request, platform)
    base_url = request.app[SETTINGS].base_url
    name = sign_in.display_name(platform)
    try:
        nonce = _widget_nonce(request)
    except InvalidInput as error:
        return failed_page(base_url, None, error, name)
    try:
        client = request_client(request)
        start = await sign_in.begin(platform, _tenant(request), nonce, client=client)
    except CuecardError as err:
        return failed_page(base_url, nonce, err, name)
    response = web.Response(status=302, headers={"Location": start.authorize_url})
    login_cookie(platform).set(response, start.flow, secure=base_url.startswith("https://"))
    return response


@routes.get("/auth/{platform}/callback")
async def platform_callback(request: web.Request) -> web.StreamResponse:
    """Finish the sign-in and hand the cuecard session to the widget that opened the popup."""
    platform = request.match_info["platform"]
    sign_in = _sign_in(request, platform)
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
    code = _code(request, sign_in.display_name(pending.context.platform))
    return await sign_in.finish(pending, code)


def _code(request: web.Request, provider_name: str) -> str:
    """The callback's authorization code, or why the provider sent none."""
    error = request.query.get("error")
    if error is not None:
        reason = error if _OAUTH_ERROR.fullmatch(error) else "error"
        raise LoginCancelled(f"{provider_name} did not sign you in ({reason}); try again")
    code = request.query.get("code", "")
    if not code:
        raise InvalidInput("the callback carries no authorization code", field="code")
    return code


def _widget_nonce(request: web.Request) -> str:
    nonce = request.query.get("nonce", "")
    if not _NONCE.fullmatch(nonce):
        raise InvalidInput("a widget nonce is required", field="nonce")
    return nonce


def _tenant(request: web.Request) -> str:
    tenant_id = valid_tenant_id(request.query.get("tenant"))
    if tenant_id is None:
        raise InvalidInput("tenant must be a tenant id", field="tenant")
    return tenant_id


def _sign_in(request: web.Request, platform: str) -> PlatformSignIn:
    sign_in = request.app[PLATFORM_SIGN_IN]
    if not sign_in.offers(platform):
        raise NotFound(f"agents do not sign in with {platform!r} here")
    return sign_in


@routes.post("/auth/session/refresh")
async def refresh_session(request: web.Request) -> web.Response:
    """A new session token and refresh token; the presented refresh token stops working."""
    body = await read_model(request, RefreshBody)

    async def check_signed_in(origin: SignedInWith) -> None:
        if origin.issuer is not None:
            await request.app[IDP_SIGN_IN].check_signed_in(origin)
        else:
            await request.app[PLATFORM_SIGN_IN].check_signed_in(origin)

    session = await request.app[AGENT_SESSIONS].refresh(body.refresh_token, check_signed_in)
    return json_out(session)
