"""Agents' Genesys Cloud tokens, kept server-side for agent actions and never sent anywhere else.

Each signed-in agent's grant is sealed (Fernet, :class:`SecretBox`) into the live state store
under the tenant and Genesys user id, and expires with the Genesys session. Example::

    await custody.keep("acme", user.id, grant)
    token = await custody.access_token("acme", user.id, settings)  # refreshed when near expiry
"""

from __future__ import annotations

import logging
import time

from pydantic import BaseModel, ConfigDict, SecretStr, field_serializer

from providers.errors import ProviderError
from providers.genesys._agent import AgentClient, GenesysGrant
from providers.genesys.config import GenesysSettings
from server.auth.errors import GenesysSessionEnded
from server.secret_box import SecretBox
from server.state.base import StateStore

log = logging.getLogger(__name__)

# A grant with a refresh token is kept this long at most; one without dies with its token.
HOLD_SECONDS = 12 * 3600
# Refresh a little before expiry so an action in flight does not meet a dying token.
REFRESH_MARGIN_SECONDS = 120


class HeldGrant(BaseModel):
    """An agent's Genesys tokens and when the access token expires (epoch seconds)."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_at: float

    @field_serializer("access_token", "refresh_token", when_used="json")
    def _reveal(self, value: SecretStr | None) -> str | None:
        # Only ever serialised to be sealed just below; never logged or returned.
        return value.get_secret_value() if value is not None else None

    @classmethod
    def of(cls, grant: GenesysGrant) -> HeldGrant:
        """The grant as held, its expiry counted from now."""
        return cls(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=time.time() + grant.expires_in,
        )


def _key(tenant_id: str, user_id: str) -> str:
    return f"genesys-token:{tenant_id}:{user_id}"


class GenesysTokens:
    """Seals, keeps, refreshes and hands out agents' Genesys tokens."""

    def __init__(self, state: StateStore, box: SecretBox, client: AgentClient) -> None:
        self._state = state
        self._box = box
        self._client = client

    async def keep(self, tenant_id: str, user_id: str, grant: GenesysGrant) -> None:
        """Hold ``grant`` for the agent, replacing any earlier one."""
        await self._store(tenant_id, user_id, HeldGrant.of(grant))

    async def signed_in(self, tenant_id: str, user_id: str) -> bool:
        """Whether the agent still has a usable (or refreshable) Genesys session."""
        held = await self._held(tenant_id, user_id)
        return held is not None and (held.refresh_token is not None or not _expired(held, 0))

    async def access_token(
        self, tenant_id: str, user_id: str, settings: GenesysSettings
    ) -> SecretStr:
        """The agent's access token, refreshed first when close to expiry."""
        held = await self._held(tenant_id, user_id)
        if held is None:
            raise GenesysSessionEnded("sign in with Genesys Cloud again to act in Genesys Cloud")
        if not _expired(held, REFRESH_MARGIN_SECONDS):
            return held.access_token
        if held.refresh_token is None:
            await self.forget(tenant_id, user_id)
            raise GenesysSessionEnded("your Genesys Cloud session has expired; sign in again")
        return await self._refresh(tenant_id, user_id, settings, held.refresh_token)

    async def forget(self, tenant_id: str, user_id: str) -> None:
        """Drop the agent's tokens (signed out at Genesys, or expired)."""
        await self._state.take_ephemeral(_key(tenant_id, user_id))

    async def _refresh(
        self, tenant_id: str, user_id: str, settings: GenesysSettings, refresh: SecretStr
    ) -> SecretStr:
        try:
            grant = await self._client.refresh(settings, refresh)
        except ProviderError as err:
            log.info("Genesys token refresh failed for user %s: %s", user_id, err.code)
            await self.forget(tenant_id, user_id)
            raise GenesysSessionEnded(
                "your Genesys Cloud session could not be renewed; sign in again"
            ) from err
        held = HeldGrant.of(grant)
        if held.refresh_token is None:
            held = held.model_copy(update={"refresh_token": refresh})
        await self._store(tenant_id, user_id, held)
        return held.access_token

    async def _store(self, tenant_id: str, user_id: str, held: HeldGrant) -> None:
        sealed = self._box.seal(held.model_dump_json()).ciphertext
        ttl = HOLD_SECONDS if held.refresh_token else max(1, int(held.expires_at - time.time()))
        await self._state.put_ephemeral(_key(tenant_id, user_id), sealed, ttl)

    async def _held(self, tenant_id: str, user_id: str) -> HeldGrant | None:
        sealed = await self._state.get_ephemeral(_key(tenant_id, user_id))
        if sealed is None:
            return None
        return HeldGrant.model_validate_json(self._box.open(sealed))


def _expired(held: HeldGrant, margin: float) -> bool:
    return held.expires_at - margin <= time.time()
