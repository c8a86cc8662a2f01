"""Which platforms a tenant has enabled, and with which settings.

A platform admins can configure is enabled by a stored, enabled integration. A platform they
cannot store (its settings name files on the server) is enabled only where this server runs
it from its own configuration: ``cuecard demo`` and tests pass its settings to ``create_app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from providers.base import Manifest, ProviderSettings

StoredSettings = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, platform) -> settings of the tenant's first enabled stored integration, if any."""


class EnabledPlatforms:
    """Settings of a tenant's enabled integration of a platform, stored or run locally."""

    def __init__(
        self,
        manifests: Mapping[str, Manifest],
        stored: StoredSettings,
        local: Mapping[str, Sequence[ProviderSettings]] | None = None,
    ) -> None:
        self._manifests = manifests
        self._stored = stored
        self._local = {
            (settings.tenant_id, platform): settings
            for platform, runs in (local or {}).items()
            for settings in runs
        }

    def manifest(self, platform: str) -> Manifest | None:
        """The platform's manifest, if it has one."""
        return self._manifests.get(platform)

    async def settings(self, tenant_id: str, platform: str) -> ProviderSettings | None:
        """The settings the tenant's integration of ``platform`` runs with; None if not enabled."""
        manifest = self._manifests.get(platform)
        if manifest is None:
            return None
        if not manifest.storable:
            return self._local.get((tenant_id, platform))
        return await self._stored(tenant_id, platform)
