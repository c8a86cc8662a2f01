"""Agent session tokens: short-lived JWTs bound to one tenant and one agent.

Every widget presents its token when it connects, so a connect storm verifies thousands a
second. joserfc decodes a token's header, checks it against its registry and decodes the
signature on every call (~45 µs, a twentieth of a widget's whole connect and join). A token
in the exact form minted here (the same header segment, three parts) has its HMAC checked
directly instead; its claims are still validated by joserfc's registry, and any other form
goes through joserfc whole, which refuses what is not ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidPayloadError, JoseError
from joserfc.jwk import OctKey
from pydantic import SecretStr

from server.errors import TokenExpired, Unauthenticated

ISSUER = "cuecard"
AUDIENCE = "cuecard-agent"
ALGORITHM = "HS256"
# The ``role`` claim of a supervisor's token; an agent's token has none.
SUPERVISOR = "supervisor"


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    """Who a verified session token speaks for.

    An agent sees the conversations assigned to them; a ``supervisor`` sees every
    conversation of the tenant.
    """

    tenant_id: str
    agent_id: str
    expires_at: int
    supervisor: bool = False


class TokenService:
    """Mints and verifies agent session tokens with the server's signing key."""

    def __init__(self, secret: SecretStr, ttl_seconds: int) -> None:
        self._key = OctKey.import_key(secret.get_secret_value())
        # The header segment joserfc writes for every token minted here.
        self._header = jwt.encode({"alg": ALGORITHM}, {}, self._key).partition(".")[0]
        self._ttl = ttl_seconds
        self._claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ISSUER},
            aud={"essential": True, "value": AUDIENCE},
            exp={"essential": True},
            sub={"essential": True},
            tid={"essential": True},
        )

    def mint(
        self,
        tenant_id: str,
        agent_id: str,
        *,
        ttl_seconds: int | None = None,
        supervisor: bool = False,
    ) -> str:
        """A signed token for ``agent_id`` of ``tenant_id``, valid for the configured TTL."""
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": agent_id,
            "tid": tenant_id,
            "iat": now,
            "exp": now + (ttl_seconds or self._ttl),
        }
        if supervisor:
            claims["role"] = SUPERVISOR
        return jwt.encode({"alg": ALGORITHM}, claims, self._key)

    def verify(self, token: object) -> AgentIdentity:
        """The identity a token carries; raises Unauthenticated or TokenExpired."""
        if not isinstance(token, str) or not token:
            raise Unauthenticated("a session token is required")
        try:
            claims = self._minted_claims(token)
            if claims is None:
                claims = jwt.decode(token, self._key, algorithms=[ALGORITHM]).claims
            self._claims.validate(claims)
        except ExpiredTokenError as err:
            raise TokenExpired("the session token has expired") from err
        except (JoseError, ValueError) as err:
            raise Unauthenticated("the session token is not valid") from err
        return AgentIdentity(
            # Every socket of a tenant holds its id for its life: one shared copy.
            tenant_id=sys.intern(str(claims["tid"])),
            agent_id=str(claims["sub"]),
            expires_at=int(claims["exp"]),
            supervisor=claims.get("role") == SUPERVISOR,
        )

    def _minted_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token in the form minted here, its signature checked; None for a
        token of any other form. Raises ``BadSignatureError`` or ``ValueError``."""
        header, _, rest = token.partition(".")
        payload, dot, signature = rest.partition(".")
        if header != self._header or not dot or "." in signature:
            return None
        signing_input = f"{header}.{payload}".encode()
        mac = hmac.new(self._key.raw_value, signing_input, hashlib.sha256).digest()
        # Compared as text, so only the one encoding of the right signature passes.
        if not hmac.compare_digest(_b64url(mac), signature.encode()):
            raise BadSignatureError()
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if not isinstance(claims, dict):
            raise InvalidPayloadError()
        return claims

    def verify_not_expired(self, identity: AgentIdentity) -> None:
        """Raise TokenExpired once the identity's token has expired."""
        if identity.expires_at <= time.time():
            raise TokenExpired("the session token has expired")


def _b64url(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")
