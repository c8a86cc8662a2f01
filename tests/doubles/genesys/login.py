"""The double's agent login: ``/oauth/authorize`` with PKCE, the code and refresh grants, and
the token checks ``/api/v2/tokens/me`` and ``/api/v2/users/me`` (protocols.md 2.1, 2.3).

The authorize page is a plain HTML form (e-mail and password of a ``world.users`` entry) so a
real browser can log in through it; its Cancel button answers ``error=access_denied``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.doubles.genesys import oauth
from tests.doubles.genesys.oauth import OAuthError, basic_client, token_response
from tests.doubles.genesys.world import GenesysWorld, OAuthClient, Token, User, error_body

CODE_SECONDS = 60
# RFC 7636 section 4.1: 43-128 characters of the unreserved set.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "response_type", "code_challenge", "state")


@dataclass
class IssuedCode:
    """An authorization code waiting to be redeemed once."""

    client_id: str
    user_id: str
    redirect_uri: str
    challenge: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class RefreshGrant:
    """Whom a refresh token was issued to."""

    client_id: str
    user_id: str


CODES = web.AppKey("authorization_codes", dict[str, IssuedCode])
REFRESH_TOKENS = web.AppKey("refresh_tokens", dict[str, RefreshGrant])


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add the authorize page, its form post, the two grants and the token checks."""
    app[CODES] = {}
    app[REFRESH_TOKENS] = {}

    async def authorize_page(request: web.Request) -> web.Response:
        return _authorize_page(world, request)

    async def authorize_submit(request: web.Request) -> web.StreamResponse:
        return await _authorize_submit(world, request)

    async def tokens_me(request: web.Request) -> web.Response:
        return web.json_response(_token_info(world, world.bearer(request)))

    async def users_me(request: web.Request) -> web.Response:
        return _users_me(world, world.bearer(request))

    app.router.add_get("/oauth/authorize", authorize_page)
    app.router.add_post("/oauth/authorize", authorize_submit)
    app.router.add_get("/api/v2/tokens/me", tokens_me)
    app.router.add_get("/api/v2/users/me", users_me)
    oauth.GRANTS["authorization_code"] = _authorization_code
    oauth.GRANTS["refresh_token"] = _refresh_token


def _checked_request(world: GenesysWorld, params: Mapping[str, str]) -> OAuthClient:
    """The PKCE client the authorize request names; 400 for anything malformed."""
    client = world.clients.get(params.get("client_id", ""))
    if client is None or "authorization_code" not in client.grants:
        raise _bad_request("unknown client_id or not a Code Authorization client")
    if params.get("redirect_uri") not in client.redirect_uris:
        raise _bad_request("redirect_uri does not match a registered URI exactly")
    if params.get("response_type") != "code":
        raise _bad_request("response_type must be code")
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        raise _bad_request("code_challenge with code_challenge_method=S256 is required")
    return client


def _bad_request(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f"Invalid authorization request: {reason}")


def _authorize_page(world: GenesysWorld, request: web.Request) -> web.Response:
    params = dict(request.query)
    _checked_request(world, params)
    return _login_form(params, error=None)


async def _authorize_submit(world: GenesysWorld, request: web.Request) -> web.StreamResponse:
    form = {key: str(value) for key, value in (await request.post()).items()}
    params = {key: form.get(key, "") for key in AUTHORIZE_FIELDS}
    params["code_challenge_method"] = form.get("code_challenge_method", "")
    client = _checked_request(world, params)
    if form.get("action") == "cancel":
        raise _redirect(params, error="access_denied")
    user = _user(world, form.get("email", ""), form.get("password", ""))
    if user is None:
        return _login_form(params, error="Wrong e-mail or password.")
    code = secrets.token_urlsafe(24)
    request.app[CODES][code] = IssuedCode(
        client_id=client.client_id,
        user_id=user.id,
        redirect_uri=params["redirect_uri"],
        challenge=params["code_challenge"],
        expires_at=time.time() + CODE_SECONDS,
    )
    raise _redirect(params, code=code)


def _user(world: GenesysWorld, email: str, password: str) -> User | None:
    for user in world.users.values():
        if user.email == email and secrets.compare_digest(user.password, password):
            return user
    return None


def _redirect(params: Mapping[str, str], **extra: str) -> web.HTTPFound:
    query = {**extra, "state": params.get("state", "")}
    return web.HTTPFound(f"{params['redirect_uri']}?{urlencode(query)}")


def _login_form(params: Mapping[str, str], *, error: str | None) -> web.Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
        for name in (*AUTHORIZE_FIELDS, "code_challenge_method")
    )
    alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    page = f"""<!doctype html><html><head><title>Genesys Cloud login</title></head><body>
<h1>Log in to Genesys Cloud</h1>{alert}
<form method="post" action="/oauth/authorize">{hidden}
<label>E-mail <input name="email" type="email" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="login">Log in</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form></body></html>"""
    return web.Response(text=page, content_type="text/html")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _public_or_basic_client(
    request: web.Request, form: Mapping[str, str], world: GenesysWorld
) -> OAuthClient:
    client = basic_client(request, world) or world.clients.get(form.get("client_id", ""))
    if client is None:
        raise OAuthError("invalid_client", "unknown client", 401)
    return client


async def _authorization_code(
    request: web.Request, form: Mapping[str, str], world: GenesysWorld
) -> dict[str, Any]:
    client = _public_or_basic_client(request, form, world)
    issued = request.app[CODES].get(form.get("code", ""))
    if issued is None or issued.used or issued.expires_at < time.time():
        raise OAuthError("invalid_grant", "authorization code is invalid, expired or used")
    # A code is single-use even when the redemption fails below.
    issued.used = True
    if issued.client_id != client.client_id:
        raise OAuthError("invalid_grant", "code was issued to another client")
    if form.get("redirect_uri") != issued.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request")
    verifier = form.get("code_verifier", "")
    if not _VERIFIER.fullmatch(verifier) or _s256(verifier) != issued.challenge:
        raise OAuthError("invalid_grant", "PKCE verification failed")
    return _user_tokens(request, world, client, issued.user_id)


async def _refresh_token(
    request: web.Request, form: Mapping[str, str], world: GenesysWorld
) -> dict[str, Any]:
    client = _public_or_basic_client(request, form, world)
    grant = request.app[REFRESH_TOKENS].get(form.get("refresh_token", ""))
    if grant is None or grant.client_id != client.client_id:
        raise OAuthError("invalid_grant", "refresh token is invalid")
    return _user_tokens(request, world, client, grant.user_id)


def _user_tokens(
    request: web.Request, world: GenesysWorld, client: OAuthClient, user_id: str
) -> dict[str, Any]:
    token = world.issue_token(client.client_id, user_id, ttl=world.token_ttl)
    extra: dict[str, Any] = {}
    if "refresh_token" in client.grants:
        refresh = secrets.token_urlsafe(32)
        request.app[REFRESH_TOKENS][refresh] = RefreshGrant(client.client_id, user_id)
        extra["refresh_token"] = refresh
    return token_response(token.value, int(world.token_ttl), **extra)


def _token_info(world: GenesysWorld, token: Token) -> dict[str, Any]:
    org_name = world.org_name if token.org_id == world.org_id else "Another organization"
    organization = {"id": token.org_id, "name": org_name}
    idles = datetime.fromtimestamp(token.expires_at, UTC).isoformat().replace("+00:00", "Z")
    return {
        "organization": organization,
        "homeOrganization": organization,
        "authorizedScope": ["conversations", "users"],
        "OAuthClient": {"id": token.client_id, "name": token.client_id, "organization": {}},
        "dateTokenIdles": idles,
    }


def _users_me(world: GenesysWorld, token: Token) -> web.Response:
    user = world.users.get(token.user_id or "")
    if user is None:
        body = error_body(
            400,
            "bad.request",
            "This request requires a user context. "
            "Client credentials cannot be used for requests to this resource.",
        )
        return web.json_response(body, status=400)
    return web.json_response({"id": user.id, "name": user.name, "email": user.email})
