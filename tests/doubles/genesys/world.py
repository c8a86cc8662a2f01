"""What the Genesys double knows: one organization, its users, OAuth clients and tokens.

Route modules of the double share one :class:`GenesysWorld`; tests arrange it (add users,
conversations, messages) and inspect it (what was posted, which channels exist).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.genesys.channels import ChannelHub

DEFAULT_TOKEN_TTL = 86399
ORG_ID = "7a1c4e7e-0rg0-4c1a-9f0e-000000000001"


@dataclass
class OAuthClient:
    """A registered OAuth client: confidential (secret) or public (PKCE, no secret)."""

    client_id: str
    secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    grants: frozenset[str] = frozenset({"client_credentials"})


@dataclass
class User:
    """A Genesys user (agent) who can log in."""

    id: str
    name: str
    email: str
    password: str = "agent-password"


@dataclass
class Token:
    """An access token the double issued, and whom it speaks for."""

    value: str
    org_id: str
    client_id: str
    user_id: str | None
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass
class RateLimit:
    """Answer the next ``remaining`` API requests with 429 and ``Retry-After``."""

    remaining: int = 0
    retry_after: int = 1
    # (status, monotonic time) of every API request since a limit was first armed.
    log: list[tuple[int, float]] = field(default_factory=list)
    armed: bool = False

    def limit_next(self, requests: int, *, retry_after: int = 1) -> None:
        """Refuse the next ``requests`` API calls with HTTP 429."""
        self.remaining, self.retry_after, self.armed = requests, retry_after, True


@dataclass
class GenesysWorld:
    """The double's whole state. Mutable on purpose: tests drive it."""

    org_id: str = ORG_ID
    org_name: str = "Acme Contact Center"
    users: dict[str, User] = field(default_factory=dict)
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    # Conversation id → conversation body as the conversations API returns it.
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Message id → MessageData (protocols.md 1.8).
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Requests the double received, (method, path) in order, for assertions on call patterns.
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Lifetime of tokens the token endpoint issues; tests shorten it to force renewals.
    token_ttl: float = DEFAULT_TOKEN_TTL
    # Notification channels, their sockets and the controls that break them.
    channels: ChannelHub = field(default_factory=ChannelHub)
    rate_limit: RateLimit = field(default_factory=lambda: RateLimit())

    def issue_token(
        self,
        client_id: str,
        user_id: str | None = None,
        *,
        ttl: float = DEFAULT_TOKEN_TTL,
        org_id: str | None = None,
    ) -> Token:
        """A fresh opaque bearer token for ``client_id`` (and ``user_id`` for user grants)."""
        token = Token(
            value=secrets.token_urlsafe(32),
            org_id=org_id or self.org_id,
            client_id=client_id,
            user_id=user_id,
            expires_at=time.time() + ttl,
        )
        self.tokens[token.value] = token
        return token

    def expire(self, value: str) -> None:
        """Make an issued token expire now, as if its lifetime ran out."""
        self.tokens[value].expires_at = time.time() - 1

    def bearer(self, request: web.Request) -> Token:
        """The request's valid bearer token, or a Genesys-shaped 401."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        token = self.tokens.get(value) if scheme.lower() == "bearer" else None
        if token is None or token.expired:
            raise unauthorized()
        return token


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The platform API's error shape: ``{message, code, status}``."""
    return {"message": message, "code": code, "status": status}


def unauthorized() -> web.HTTPUnauthorized:
    body = error_body(401, "authentication.required", "No authentication bearer token specified")
    return web.HTTPUnauthorized(text=json.dumps(body), content_type="application/json")
