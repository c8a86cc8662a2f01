"""The double's OAuth endpoints at My Domain (protocols.md 7.4).

- ``GET /services/oauth2/authorize``: approves the signed-in user at once; the client must be
  the External Client App, the redirect URI one of its callback URLs, and PKCE (S256) is
  required when the app requires it.
- ``POST /services/oauth2/token``: ``authorization_code`` (verifier, redirect URI and client
  checked; single use), ``refresh_token``, and the JWT bearer grant, whose RS256 assertion is
  verified against the certificate uploaded to the app (``iss`` the consumer key, ``aud`` the
  login URL, ``sub`` a pre-authorized user, ``exp`` at most five minutes ahead).
- ``GET /services/oauth2/userinfo``: the token's user and org.

Errors have Salesforce's OAuth shape: ``{"error": ..., "error_description": ...}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from tests.doubles.salesforce.world import CODE_SECONDS, Code, SalesforceWorld, User

WORLD = web.AppKey("salesforce_world", SalesforceWorld)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_MAX_SECONDS = 300


class OAuthError(Exception):
    """An OAuth error response."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> web.Response:
        body = {"error": self.error, "error_description": self.description}
        return web.json_response(body, status=self.status)


def install(app: web.Application) -> None:
    """Add the OAuth routes."""
    app.router.add_get("/services/oauth2/authorize", authorize)
    app.router.add_post("/services/oauth2/token", token)
    app.router.add_get("/services/oauth2/userinfo", userinfo)


async def authorize(request: web.Request) -> web.StreamResponse:
    """Approve the browser's signed-in user, or send an error back."""
    world, query = request.app[WORLD], request.query
    redirect_uri = query.get("redirect_uri", "")
    if query.get("client_id") != world.app.consumer_key:
        return web.Response(status=400, text="OAUTH_EC_APP_NOT_FOUND: app not found")
    if redirect_uri not in world.app.callback_urls:
        # Never redirect to an unregistered URI: Salesforce shows its own error page.
        return web.Response(status=400, text="error=redirect_uri_mismatch")
    state = query.get("state")
    problem = _authorize_problem(world, query)
    if problem is None and (world.signed_in is None or world.signed_in not in world.users):
        problem = ("access_denied", "end-user denied authorization")
    if problem is not None:
        return _back(redirect_uri, {"error": problem[0], "error_description": problem[1]}, state)
    code = secrets.token_urlsafe(32)
    world.codes[code] = Code(
        client_id=world.app.consumer_key,
        redirect_uri=redirect_uri,
        code_challenge=query.get("code_challenge"),
        user_id=str(world.signed_in),
        scope=query.get("scope", "api"),
        expires_at=time.time() + CODE_SECONDS,
    )
    return _back(redirect_uri, {"code": code}, state)


def _authorize_problem(world: SalesforceWorld, query: Mapping[str, str]) -> tuple[str, str] | None:
    if query.get("response_type") != "code":
        return ("unsupported_response_type", "response type not supported")
    challenge = query.get("code_challenge")
    if world.app.require_pkce and not challenge:
        return ("invalid_request", "missing required code challenge")
    if challenge and query.get("code_challenge_method", "S256") != "S256":
        return ("invalid_request", "invalid code challenge method")
    return None


def _back(redirect_uri: str, params: dict[str, str], state: str | None) -> web.Response:
    if state is not None:
        params = {**params, "state": state}
    return web.Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(params)}"})


async def token(request: web.Request) -> web.Response:
    """The token endpoint: form-encoded, one of three grants."""
    world = request.app[WORLD]
    if request.content_type != "application/x-www-form-urlencoded":
        return OAuthError("invalid_request", "form-encoded body required").response()
    form = {key: str(value) for key, value in (await request.post()).items()}
    world.token_requests.append(form)
    grants = {
        "authorization_code": _code_grant,
        "refresh_token": _refresh_grant,
        JWT_GRANT: _jwt_grant,
    }
    grant = grants.get(form.get("grant_type", ""))
    try:
        if grant is None:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        return web.json_response(grant(world, form), headers={"Cache-Control": "no-store"})
    except OAuthError as err:
        return err.response()


def _check_client(world: SalesforceWorld, form: Mapping[str, str]) -> None:
    app = world.app
    if form.get("client_id") != app.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if secret is not None and not secrets.compare_digest(secret, app.consumer_secret or ""):
        raise OAuthError("invalid_client", "invalid client credentials")
    if app.require_secret and secret is None:
        raise OAuthError("invalid_client", "invalid client credentials")


def _code_grant(world: SalesforceWorld, form: Mapping[str, str]) -> dict[str, Any]:
    _check_client(world, form)
    code = world.codes.pop(form.get("code", ""), None)
    if code is None or code.expires_at < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    if code.code_challenge is not None and _s256(form.get("code_verifier", "")) != (
        code.code_challenge
    ):
        raise OAuthError("invalid_grant", "invalid code verifier")
    user = world.users[code.user_id]
    body = _session(world, user, code.scope)
    if "refresh_token" in code.scope.split():
        body["refresh_token"] = world.issue(user.id, code.scope, refresh=True).value
    return body


def _refresh_grant(world: SalesforceWorld, form: Mapping[str, str]) -> dict[str, Any]:
    _check_client(world, form)
    refresh = world.refresh_tokens.get(form.get("refresh_token", ""))
    if refresh is None or refresh.expired:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    return _session(world, world.users[refresh.user_id], refresh.scope)


def _jwt_grant(world: SalesforceWorld, form: Mapping[str, str]) -> dict[str, Any]:
    assertion = form.get("assertion", "")
    header, claims = _unverified(assertion)
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "invalid assertion")
    if claims.get("iss") != world.app.consumer_key:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    try:
        jwt.decode(assertion, _certificate_key(world.app.certificate_pem), algorithms=["RS256"])
    except (JoseError, ValueError):
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if claims.get("aud") != world.audience:
        raise OAuthError("invalid_grant", "audience is invalid")
    expires = claims.get("exp")
    now = time.time()
    if not isinstance(expires, int | float) or not now < expires <= now + ASSERTION_MAX_SECONDS:
        raise OAuthError("invalid_grant", "expired authorization code")
    user = world.user_by_name(str(claims.get("sub", "")))
    if user is None or not user.preauthorized:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return _session(world, user, "api")


def _unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header_part, claims_part, _ = assertion.split(".")
        return _b64json(header_part), _b64json(claims_part)
    except ValueError:
        raise OAuthError("invalid_grant", "invalid assertion") from None


def _b64json(part: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _certificate_key(certificate_pem: str) -> RSAKey:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    public = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RSAKey.import_key(public)


def _session(world: SalesforceWorld, user: User, scope: str) -> dict[str, Any]:
    issued = world.issue(user.id, scope)
    return {
        "access_token": issued.value,
        "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        "scope": scope,
        "instance_url": world.base_url,
        "id": world.identity_url(user),
        "token_type": "Bearer",
        "issued_at": str(int(time.time() * 1000)),
    }


async def userinfo(request: web.Request) -> web.Response:
    """The OpenID Connect userinfo of the token's user."""
    world = request.app[WORLD]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    issued = world.tokens.get(value) if scheme.lower() == "bearer" else None
    if issued is None or issued.expired:
        return web.json_response(
            [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            status=401,
            headers={"WWW-Authenticate": "Token"},
        )
    user = world.users[issued.user_id]
    return web.json_response(
        {
            "sub": world.identity_url(user),
            "user_id": user.id,
            "organization_id": user.org_id,
            "preferred_username": user.username,
            "name": user.name,
            "email": user.email,
            "email_verified": True,
            "nickname": user.username.split("@")[0],
            "given_name": user.name.split()[0],
            "family_name": user.name.split()[-1],
            "zoneinfo": "Europe/London",
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_GB",
            "utcOffset": 0,
        }
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
