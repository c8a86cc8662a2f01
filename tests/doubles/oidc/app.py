"""An OpenID provider double on loopback: discovery, JWKS, authorize (auto-approve), token.

It speaks OpenID Connect Core 1.0 (Authorization Code flow) with RFC 7636 PKCE as a real
provider does: the redirect URI must be registered, PKCE (S256) is required, codes are single
use and bound to their client, redirect URI and verifier, and the ID token is RS256-signed
with the key published at ``jwks_uri``. Faults come from :class:`OidcWorld`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import unquote, urlencode

from aiohttp import web
from joserfc import jwt

from tests.doubles.oidc.world import Grant, OidcWorld

WORLD = web.AppKey("world", OidcWorld)
CODE_SECONDS = 60


def create_oidc_double(world: OidcWorld) -> web.Application:
    """The provider's application, sharing ``world`` with the test."""
    app = web.Application()
    app[WORLD] = world
    app.router.add_get("/.well-known/openid-configuration", discovery)
    app.router.add_get("/jwks", jwks)
    app.router.add_get("/authorize", authorize)
    app.router.add_post("/token", token)
    return app


async def discovery(request: web.Request) -> web.Response:
    """OpenID Connect Discovery 1.0, section 3."""
    issuer = request.app[WORLD].issuer
    return web.json_response(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "nonce",
                "name",
                "email",
                "email_verified",
                "preferred_username",
            ],
        }
    )


async def jwks(request: web.Request) -> web.Response:
    """The provider's public signing keys."""
    return web.json_response(request.app[WORLD].jwks())


async def authorize(request: web.Request) -> web.StreamResponse:
    """Approve the signed-in person at once, or answer ``access_denied``."""
    world, query = request.app[WORLD], request.query
    client = world.client
    redirect_uri = query.get("redirect_uri", "")
    if query.get("client_id") != client.client_id or redirect_uri not in client.redirect_uris:
        # Never redirect to an unregistered URI (RFC 6749 4.1.2.1): say so on our own page.
        return web.Response(status=400, text="unknown client or unregistered redirect_uri")
    state = query.get("state")
    problem = _authorize_problem(query)
    if problem is None and world.signed_in is None:
        problem = "access_denied"
    if problem is not None:
        return _back(redirect_uri, {"error": problem, "state": state})
    code = secrets.token_urlsafe(24)
    world.codes[code] = Grant(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        code_challenge=query["code_challenge"],
        nonce=query.get("nonce"),
        subject=str(world.signed_in),
        expires_at=time.time() + CODE_SECONDS,
    )
    return _back(redirect_uri, {"code": code, "state": state})


def _authorize_problem(query: Any) -> str | None:
    if query.get("response_type") != "code":
        return "unsupported_response_type"
    if "openid" not in query.get("scope", "").split():
        return "invalid_scope"
    if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
        return "invalid_request"
    return None


def _back(redirect_uri: str, params: dict[str, str | None]) -> web.Response:
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return web.Response(status=302, headers={"Location": f"{redirect_uri}?{query}"})


async def token(request: web.Request) -> web.Response:
    """Exchange a code for tokens, checking the client, redirect URI and PKCE verifier."""
    world = request.app[WORLD]
    form = {name: str(value) for name, value in (await request.post()).items()}
    world.token_requests.append(form)
    if not _client_authenticated(request, form, world):
        return _error(401, "invalid_client")
    if form.get("grant_type") != "authorization_code":
        return _error(400, "unsupported_grant_type")
    grant = world.codes.pop(form.get("code", ""), None)
    if grant is None or grant.expires_at < time.time():
        return _error(400, "invalid_grant")
    if form.get("redirect_uri") != grant.redirect_uri:
        return _error(400, "invalid_grant")
    if _s256(form.get("code_verifier", "")) != grant.code_challenge:
        return _error(400, "invalid_grant")
    return web.json_response(_tokens(world, grant), headers={"Cache-Control": "no-store"})


def _client_authenticated(request: web.Request, form: dict[str, str], world: OidcWorld) -> bool:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        # RFC 6749 2.3.1: id and secret are form-encoded before base64.
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    client = world.client
    return client_id == client.client_id and secrets.compare_digest(secret, client.secret)


def _tokens(world: OidcWorld, grant: Grant) -> dict[str, Any]:
    access_token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(access_token.encode()).digest()
    at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    claims = world.id_token_claims(grant, at_hash)
    key = world.forge_with or world.key
    header = {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid email profile",
        "id_token": jwt.encode(header, claims, key),
    }


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)
