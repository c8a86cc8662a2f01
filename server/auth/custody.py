"""Agents' platform tokens, kept server-side for agent actions and never sent anywhere else.

Each signed-in agent's grant is sealed (Fernet, :class:`SecretBox`, one key per platform) into
the live state store under the platform, tenant and agent id, and expires with the platform's
session. Example::

    await custody.keep(platform, "acme", agent.agent_id, grant)
    token = await custody.access_token(platform, "acme", agent_id, settings)  # refreshed if due
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, SecretStr, field_serializer

from providers.base import AgentGrant, PlatformOAuth, ProviderSettings
from providers.errors import ProviderError
from server.auth.errors import PlatformSessionEnded
from server.secret_box import SecretBox
from server.state.base import StateStore

log = logging.getLogger(__name__)

# A grant with a refresh token is kept this long at most; one without dies with its token.
HOLD_SECONDS = 12 * 3600
# Refresh a little before expiry so an action in flight does not meet a dying token.
REFRESH_MARGIN_SECONDS = 120


class HeldGrant(BaseModel):
    """An agent's tokens and when the access token expires (epoch seconds)."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_at: float

    @field_serializer("access_token", "refresh_token", when_used="json")
    def _reveal(self, value: SecretStr | None) -> str | None:
        # Only ever serialised to be sealed just below; never logged or returned.
        return value.get_secret_value() if value is not None else None

    @classmethod
    def of(cls, grant: AgentGrant) -> HeldGrant:
        """The grant as held, its expiry counted from now."""
        return cls(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=time.time() + grant.expires_in,
        )


@dataclass(frozen=True, slots=True)
class TokenPlatform:
    """What custody needs of one platform: its OAuth, its sealing key and its name for people."""

    oauth: PlatformOAuth
    box: SecretBox
    display_name: str


def _key(platform: str, tenant_id: str, agent_id: str) -> str:
    # The same key the held tokens had when custody served one platform only.
    return f"{platform}-token:{tenant_id}:{agent_id}"


class AgentTokens:
    """Seals, keeps, refreshes and hands out agents' platform tokens, keyed by platform."""

    def __init__(self, state: StateStore, platforms: Mapping[str, TokenPlatform]) -> None:
        self._state = state
        self._platforms = platforms

    async def keep(self, platform: str, tenant_id: str, agent_id: str, grant: AgentGrant) -> None:
        """Hold ``grant`` for the agent, replacing any earlier one."""
        await self._store(platform, tenant_id, agent_id, HeldGrant.of(grant))

    async def signed_in(self, platform: str, tenant_id: str, agent_id: str) -> bool:
        """Whether the agent still has a usable (or refreshable) session at the platform."""
        held = await self._held(platform, tenant_id, agent_id)
        return held is not None and (held.refresh_token is not None or not _expired(held, 0))

    async def access_token(
        self, platform: str, tenant_id: str, agent_id: str, settings: ProviderSettings
    ) -> SecretStr:
        """The agent's access token, refreshed first when close to expiry."""
        name = self._platforms[platform].display_name
        held = await self._held(platform, tenant_id, agent_id)
        if held is None:
            raise PlatformSessionEnded(f"sign in with {name} again to act in {name}")
        if not _expired(held, REFRESH_MARGIN_SECONDS):
            return held.access_token
        if held.refresh_token is None:
            await self.forget(platform, tenant_id, agent_id)
            raise PlatformSessionEnded(f"your {name} session has expired; sign in again")
        return await self._refresh(platform, tenant_id, agent_id, settings, held.refresh_token)

    async def forget(self, platform: str, tenant_id: str, agent_id: str) -> None:
        """Drop the agent's tokens (signed out at the platform, or expired)."""
        await self._state.take_ephemeral(_key(platform, tenant_id, agent_id))

    async def _refresh(
        self,
        platform: str,
        tenant_id: str,
        agent_id: str,
        settings: ProviderSettings,
        refresh: SecretStr,
    ) -> SecretStr:
        held_by = self._platforms[platform]
        try:
            grant = await held_by.oauth.refresh(settings, refresh)
        except ProviderError as err:
            log.info("%s token refresh failed for agent %s: %s", platform, agent_id, err.code)
            await self.forget(platform, tenant_id, agent_id)
            raise PlatformSessionEnded(
                f"your {held_by.display_name} session could not be renewed; sign in again"
            ) from err
        held = HeldGrant.of(grant)
        if held.refresh_token is None:
            held = held.model_copy(update={"refresh_token": refresh})
        await self._store(platform, tenant_id, agent_id, held)
        return held.access_token

    async def _store(self, platform: str, tenant_id: str, agent_id: str, held: HeldGrant) -> None:
        sealed = self._platforms[platform].box.seal(held.model_dump_json()).ciphertext
        ttl = HOLD_SECONDS if held.refresh_token else max(1, int(held.expires_at - time.time()))
        await self._state.put_ephemeral(_key(platform, tenant_id, agent_id), sealed, ttl)

    async def _held(self, platform: str, tenant_id: str, agent_id: str) -> HeldGrant | None:
        held_by = self._platforms.get(platform)
        if held_by is None:
            return None
        sealed = await self._state.get_ephemeral(_key(platform, tenant_id, agent_id))
        if sealed is None:
            return None
        return HeldGrant.model_validate_json(held_by.box.open(sealed))


def _expired(held: HeldGrant, margin: float) -> bool:
    return held.expires_at - margin <= time.time()
