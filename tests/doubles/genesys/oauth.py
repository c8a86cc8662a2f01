"""The double's token endpoint (login.<env>/oauth/token), protocols.md 2.1-2.2.

Grants are looked up in :data:`GRANTS`, so the PKCE login module adds
``authorization_code`` and ``refresh_token`` next to ``client_credentials`` here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from tests.doubles.genesys.world import GenesysWorld, OAuthClient

Grant = Callable[[web.Request, Mapping[str, str], GenesysWorld], Awaitable[dict[str, Any]]]
GRANTS: dict[str, Grant] = {}


class OAuthError(Exception):
    """An RFC 6749 error response: ``{"error": ..., "description": ...}`` with a status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> web.Response:
        body = {"error": self.error, "description": self.description}
        return web.json_response(body, status=self.status)


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add ``POST /oauth/token``."""

    async def token(request: web.Request) -> web.Response:
        if request.content_type != "application/x-www-form-urlencoded":
            return OAuthError("invalid_request", "form-encoded body required").response()
        form = {key: str(value) for key, value in (await request.post()).items()}
        grant = GRANTS.get(form.get("grant_type", ""))
        if grant is None:
            return OAuthError("unsupported_grant_type", "unknown grant_type").response()
        try:
            return web.json_response(await grant(request, form, world))
        except OAuthError as err:
            return err.response()

    app.router.add_post("/oauth/token", token)


def token_response(value: str, expires_in: int, **extra: Any) -> dict[str, Any]:
    """The token response fields (protocols.md 2.1 step 5)."""
    return {"access_token": value, "token_type": "bearer", "expires_in": expires_in, **extra}


def basic_client(request: web.Request, world: GenesysWorld) -> OAuthClient | None:
    """The confidential client named by a valid ``Authorization: Basic`` header, if any."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed basic credentials", 401) from None
    client = world.clients.get(client_id)
    if client is None or client.secret is None or client.secret != secret:
        raise OAuthError("invalid_client", "client authentication failed", 401)
    return client


async def client_credentials(
    request: web.Request, form: Mapping[str, str], world: GenesysWorld
) -> dict[str, Any]:
    client = basic_client(request, world)
    if client is None:
        raise OAuthError("invalid_client", "client authentication required", 401)
    if "client_credentials" not in client.grants:
        raise OAuthError("unauthorized_client", "grant not allowed for this client")
    ttl = world.token_ttl
    token = world.issue_token(client.client_id, ttl=ttl)
    return token_response(token.value, int(ttl))


GRANTS["client_credentials"] = client_credentials
