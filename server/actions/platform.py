"""One platform's agent actions, made with the agent's own token from custody.

The platform's :class:`providers.base.AgentActions` does the calls; this wraps it with what
every platform needs: the tenant's settings, the agent's token (refreshed when due), and the
translation of its classified errors into what the widget shows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from pydantic import SecretStr

from providers.base import AgentActions, ProviderSettings
from providers.errors import AgentTokenRejected, ProviderError, ProviderNotReady
from server.auth.custody import AgentTokens
from server.auth.errors import LoginNotConfigured, PlatformSessionEnded
from server.errors import CuecardError, Forbidden, Unavailable

log = logging.getLogger(__name__)

SettingsLookup = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, platform) -> the tenant's enabled settings for it (IntegrationService)."""


class TokenActions:
    """Replies and notes on one platform, as the signed-in agent (``PlatformActions``)."""

    def __init__(
        self,
        *,
        platform: str,
        display_name: str,
        actions: AgentActions,
        settings: SettingsLookup,
        custody: AgentTokens,
    ) -> None:
        self._platform = platform
        self._name = display_name
        self._actions = actions
        self._settings = settings
        self._custody = custody

    async def send_reply(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> str:
        """Post ``text`` into the conversation as the agent; the platform's message id."""
        settings, token = await self._credentials(tenant_id, agent_id)
        try:
            return await self._actions.send_reply(
                settings, token, agent_id=agent_id, conversation_id=conversation_id, text=text
            )
        except ProviderError as err:
            raise await self._translated(err, tenant_id, agent_id) from err

    async def save_notes(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> None:
        """Save ``text`` as the agent's wrap-up notes for the conversation."""
        settings, token = await self._credentials(tenant_id, agent_id)
        try:
            await self._actions.save_notes(
                settings, token, agent_id=agent_id, conversation_id=conversation_id, text=text
            )
        except ProviderError as err:
            raise await self._translated(err, tenant_id, agent_id) from err

    async def _credentials(
        self, tenant_id: str, agent_id: str
    ) -> tuple[ProviderSettings, SecretStr]:
        settings = await self._settings(tenant_id, self._platform)
        if settings is None:
            raise LoginNotConfigured(f"{self._name} is not set up for this tenant")
        token = await self._custody.access_token(self._platform, tenant_id, agent_id, settings)
        return settings, token

    async def _translated(self, err: ProviderError, tenant_id: str, agent_id: str) -> CuecardError:
        if isinstance(err, AgentTokenRejected):
            await self._custody.forget(self._platform, tenant_id, agent_id)
            return PlatformSessionEnded(f"your {self._name} session has expired; sign in again")
        if isinstance(err, ProviderNotReady):
            log.info("%s unavailable for an agent action: %s", self._platform, err)
            return Unavailable(f"{self._name} is not reachable right now; try again")
        return Forbidden(str(err), field="conversation_id")
