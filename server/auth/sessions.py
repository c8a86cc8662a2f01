"""Agent sessions after a sign-in: a short-lived session token plus a refresh token.

Agents sign in at their platform (``platform=``) or at their tenant's identity provider
(``issuer=``). The refresh token is opaque, stored only as a hash, and rotated on every use.
Presenting a token that was already rotated revokes the whole session (it may have been
stolen), so the agent signs in again. A session lasts no longer than the sign-in behind it
(``check_signed_in`` raises when that ended). Example::

    session = await sessions.open("acme", "user-1", "Ada Agent", platform="acmedesk")
    later = await sessions.refresh(session.refresh_token, check_signed_in)
    # session.refresh_token is now dead
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from server.auth.errors import RefreshRefused
from server.auth.tokens import TokenService
from server.state.base import StateStore

# How long a session can be kept alive by refreshing, at most, before signing in again.
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class SignedInWith:
    """Where a session's agent signed in: their platform, or their tenant's identity provider."""

    tenant_id: str
    agent_id: str
    # The platform signed in with; None for IdP sessions and for sessions kept before it was
    # recorded (then the platform is the only one that signed agents in).
    platform: str | None
    # The tenant's identity provider signed in at, for sessions opened through it.
    issuer: str | None


CheckSignedIn = Callable[[SignedInWith], Awaitable[None]]
"""Raises (``PlatformSessionEnded``, ``RefreshRefused``) once the sign-in behind a session ended."""


class AgentProfile(BaseModel):
    """Who is signed in, as the widget shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str


class AgentSession(BaseModel):
    """What the widget receives after sign-in and after each refresh."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    agent: AgentProfile
    token: str
    expires_at: int
    refresh_token: str


class _Family(BaseModel):
    """What a refresh token stands for; ``family`` links the rotations of one sign-in."""

    tenant_id: str
    agent: AgentProfile
    # The platform the agent signed in with; None for families kept before it was recorded.
    platform: str | None = None
    # The tenant's identity provider the agent signed in at, instead of a platform.
    issuer: str | None = None
    family: str
    ends_at: float

    def seconds_left(self) -> int:
        """How long this sign-in may still be renewed."""
        return int(self.ends_at - time.time())

    def signed_in_with(self) -> SignedInWith:
        """The sign-in behind this family, for the check on each refresh."""
        return SignedInWith(self.tenant_id, self.agent.id, self.platform, self.issuer)


def _digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class AgentSessions:
    """Opens sessions and rotates their refresh tokens in the live state store."""

    def __init__(self, tokens: TokenService, state: StateStore) -> None:
        self._tokens = tokens
        self._state = state

    async def open(
        self,
        tenant_id: str,
        agent_id: str,
        name: str,
        *,
        platform: str | None = None,
        issuer: str | None = None,
    ) -> AgentSession:
        """A new session for an agent who just signed in with ``platform`` or at ``issuer``."""
        if (platform is None) == (issuer is None):
            raise ValueError("a session comes from one platform or one identity provider")
        family = _Family(
            tenant_id=tenant_id,
            agent=AgentProfile(id=agent_id, name=name),
            platform=platform,
            issuer=issuer,
            family=secrets.token_urlsafe(16),
            ends_at=time.time() + SESSION_SECONDS,
        )
        return await self._issue(family)

    async def refresh(self, refresh_token: str, check_signed_in: CheckSignedIn) -> AgentSession:
        """A new session token and refresh token; the presented refresh token stops working."""
        digest = _digest(refresh_token)
        raw = await self._state.take_ephemeral(f"session-refresh:{digest}")
        if raw is None:
            await self._revoke_if_reused(digest)
            raise RefreshRefused("the session can no longer be renewed; sign in again")
        family = _Family.model_validate_json(raw)
        await self._state.put_ephemeral(f"session-used:{digest}", family.family, SESSION_SECONDS)
        if family.seconds_left() <= 0:
            raise RefreshRefused("the session reached its maximum length; sign in again")
        await check_signed_in(family.signed_in_with())
        return await self._issue(family)

    async def _issue(self, family: _Family) -> AgentSession:
        token = self._tokens.mint(family.tenant_id, family.agent.id)
        identity = self._tokens.verify(token)
        refresh_token = secrets.token_urlsafe(32)
        digest = _digest(refresh_token)
        ttl = max(1, family.seconds_left())
        await self._state.put_ephemeral(f"session-refresh:{digest}", family.model_dump_json(), ttl)
        await self._state.put_ephemeral(f"session-family:{family.family}", digest, ttl)
        return AgentSession(
            tenant_id=family.tenant_id,
            agent=family.agent,
            token=token,
            expires_at=identity.expires_at,
            refresh_token=refresh_token,
        )

    async def _revoke_if_reused(self, digest: str) -> None:
        family = await self._state.get_ephemeral(f"session-used:{digest}")
        if family is None:
            return
        current = await self._state.take_ephemeral(f"session-family:{family}")
        if current is not None:
            await self._state.take_ephemeral(f"session-refresh:{current}")
