"""Each tenant's ``ConversationRecords`` of each platform that declares them.

Built from the platform's manifest with the tenant's enabled integration, and kept while its
settings stay the same (a changed integration, on any node, builds a new one on next use), so
one object per integration holds the platform's session and API-limit state. The platform's
latest API allowance is kept in the live state for every node's Health page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import aiohttp

from providers.base import (
    ApiAllowance,
    ConversationFacts,
    ConversationRecords,
    Manifest,
    ProviderSettings,
    WrapUp,
)
from providers.errors import ProviderConfigError, ProviderError
from providers.models import MediaType
from server.state.base import StateStore

log = logging.getLogger(__name__)

SettingsLookup = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, platform) -> settings of the tenant's enabled integration of it, if any."""

# Reading facts delays the conversation's first event: never by more than this.
FACTS_TIMEOUT_SECONDS = 5.0
ALLOWANCE_SECONDS = 24 * 3600


def allowance_key(tenant_id: str, platform: str) -> str:
    """Where the platform's latest API allowance for the tenant is kept in the live state."""
    return f"api-allowance:{tenant_id}:{platform}"


class PlatformRecords:
    """Finds, builds and keeps the tenants' ``ConversationRecords``; calls them."""

    def __init__(
        self,
        platforms: Mapping[str, Manifest],
        settings: SettingsLookup,
        session: aiohttp.ClientSession,
        state: StateStore,
        *,
        facts_timeout: float = FACTS_TIMEOUT_SECONDS,
    ) -> None:
        self._platforms = {name: m for name, m in platforms.items() if m.records is not None}
        self._settings = settings
        self._session = session
        self._state = state
        self._facts_timeout = facts_timeout
        self._built: dict[tuple[str, str], tuple[ProviderSettings, ConversationRecords]] = {}

    @property
    def platforms(self) -> Mapping[str, Manifest]:
        """The platforms whose conversations are written back."""
        return self._platforms

    def handles(self, platform: str) -> bool:
        """Whether ``platform`` declares conversation records."""
        return platform in self._platforms

    async def facts(
        self, tenant_id: str, platform: str, conversation_id: str, media: MediaType | None
    ) -> ConversationFacts | None:
        """What the platform says of a starting conversation; None if it cannot say in time."""
        try:
            records = await self._records(tenant_id, platform)
            async with asyncio.timeout(self._facts_timeout):
                return await records.facts(conversation_id, media)
        except (ProviderError, TimeoutError) as err:
            # The conversation goes on without the platform's queue: its default route.
            log.info("%s facts for conversation %s unavailable: %s", platform, conversation_id, err)
            return None
        except Exception:
            # Whatever failed (the settings could not be read...), the conversation goes on.
            log.warning(
                "%s facts for conversation %s failed", platform, conversation_id, exc_info=True
            )
            return None
        finally:
            await self._publish(tenant_id, platform)

    async def write_back(self, tenant_id: str, platform: str, wrap_up: WrapUp) -> str:
        """Write one wrap-up; the platform's classified errors pass through."""
        try:
            records = await self._records(tenant_id, platform)
            return await records.write_back(wrap_up)
        finally:
            await self._publish(tenant_id, platform)

    async def allowance(self, tenant_id: str, platform: str) -> ApiAllowance | None:
        """The platform's latest API allowance for the tenant, as any node last saw it."""
        kept = await self._state.get_ephemeral(allowance_key(tenant_id, platform))
        return None if kept is None else ApiAllowance.model_validate_json(kept)

    async def aclose(self) -> None:
        """Release every kept object."""
        built, self._built = self._built, {}
        for _, records in built.values():
            await records.aclose()

    async def _records(self, tenant_id: str, platform: str) -> ConversationRecords:
        manifest = self._platforms.get(platform)
        settings = await self._settings(tenant_id, platform) if manifest else None
        if manifest is None or manifest.records is None or settings is None:
            raise ProviderConfigError(f"{platform} is not set up (or not enabled) for this tenant")
        key = (tenant_id, platform)
        kept = self._built.get(key)
        if kept is not None and kept[0] == settings:
            return kept[1]
        records = manifest.records(settings, self._session)
        self._built[key] = (settings, records)
        if kept is not None:
            await kept[1].aclose()
        return records

    async def _publish(self, tenant_id: str, platform: str) -> None:
        kept = self._built.get((tenant_id, platform))
        allowance = kept[1].allowance() if kept is not None else None
        if allowance is None:
            return
        try:
            key = allowance_key(tenant_id, platform)
            await self._state.put_ephemeral(key, allowance.model_dump_json(), ALLOWANCE_SECONDS)
        except Exception:
            log.debug("API allowance of %s not kept", platform, exc_info=True)
