"""The widget pages of platforms that declare ``Capability.EMBEDDING``, for enabled tenants."""

from __future__ import annotations

from providers.base import Capability
from server.bridge.platforms import EnabledPlatforms
from widget.platforms import PlatformPage, PlatformPages


def platform_pages(platforms: EnabledPlatforms) -> PlatformPages:
    """``/widget/<platform>`` exists for a tenant whose integration of it is enabled."""

    async def page_for(platform: str, tenant_id: str) -> PlatformPage | None:
        manifest = platforms.manifest(platform)
        if manifest is None or not manifest.has(Capability.EMBEDDING) or not manifest.embedding:
            return None
        settings = await platforms.settings(tenant_id, platform)
        if settings is None:
            return None
        embedding = manifest.embedding
        return PlatformPage(embedding.host_origin_param, embedding.frame_origins(settings))

    return page_for
