"""Agent session tokens: short-lived JWTs bound to one tenant and one agent."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
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
            decoded = jwt.decode(token, self._key, algorithms=[ALGORITHM])
            self._claims.validate(decoded.claims)
        except ExpiredTokenError as err:
            raise TokenExpired("the session token has expired") from err
        except (JoseError, ValueError) as err:
            raise Unauthenticated("the session token is not valid") from err
        claims = decoded.claims
        return AgentIdentity(
            # Every socket of a tenant holds its id for its life: one shared copy.
            tenant_id=sys.intern(str(claims["tid"])),
            agent_id=str(claims["sub"]),
            expires_at=int(claims["exp"]),
            supervisor=claims.get("role") == SUPERVISOR,
        )

    def verify_not_expired(self, identity: AgentIdentity) -> None:
        """Raise TokenExpired once the identity's token has expired."""
        if identity.expires_at <= time.time():
            raise TokenExpired("the session token has expired")
