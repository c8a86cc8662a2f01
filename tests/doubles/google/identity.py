"""Google's side of authenticated push: its published key set, and the tokens it signs.

A push subscription with authentication (protocols.md 8.2) sends
``Authorization: Bearer <JWT>``: RS256, header ``kid`` naming a key at
``https://www.googleapis.com/oauth2/v3/certs`` (a JWK set served with ``Cache-Control:
public, max-age=…``), claims ``aud``, ``azp``, ``email``, ``email_verified``, ``exp``,
``iat`` (an hour apart), ``iss`` and ``sub``. The double serves the key set on loopback and
signs such tokens; tests bend what they need (expiry, audience, signer, headers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

ISSUER = "https://accounts.google.com"
PUSH_ACCOUNT = "ccai-push@acme-ccai.iam.gserviceaccount.com"
PUSH_AUDIENCE = "https://cuecard.acme.example/api/v1/webhooks/google_ccai/int-1"


def google_key(kid: str) -> RSAKey:
    """A fresh RS256 key pair carrying ``kid``, as Google's keys do."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class GoogleIdentity:
    """The keys Google publishes, how it says to cache them, and who fetched them."""

    keys: list[RSAKey] = field(default_factory=lambda: [google_key("google-key-1")])
    cache_control: str | None = "public, max-age=21600, must-revalidate, no-transform"
    age: int | None = None
    fetches: int = 0
    broken: bool = False

    def key_set(self) -> dict[str, Any]:
        """The published JWK set: public halves only."""
        return KeySet(self.keys).as_dict(private=False)

    def token(
        self, *, key: RSAKey | None = None, header: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        """A push token as Google signs it; ``claims`` override or (with None) remove claims."""
        signer = key or self.keys[0]
        now = int(time.time())
        body: dict[str, Any] = {
            "aud": PUSH_AUDIENCE,
            "azp": "110123456789012345678",
            "email": PUSH_ACCOUNT,
            "email_verified": True,
            "exp": now + 3600,
            "iat": now,
            "iss": ISSUER,
            "sub": "110123456789012345678",
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        head = {"alg": "RS256", "kid": signer.kid, "typ": "JWT", **(header or {})}
        return jwt.encode(head, body, signer, algorithms=[head["alg"]])


def create_certs_app(identity: GoogleIdentity) -> web.Application:
    """Serves ``/oauth2/v3/certs`` the way Google does."""

    async def certs(request: web.Request) -> web.Response:
        identity.fetches += 1
        if identity.broken:
            return web.Response(status=503, text="backend unavailable")
        headers = {}
        if identity.cache_control is not None:
            headers["Cache-Control"] = identity.cache_control
        if identity.age is not None:
            headers["Age"] = str(identity.age)
        return web.json_response(identity.key_set(), headers=headers)

    app = web.Application()
    app.router.add_get("/oauth2/v3/certs", certs)
    return app
