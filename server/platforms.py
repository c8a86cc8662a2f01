"""Each platform's services, built from its manifest in the registry.

Sign-in for the platforms whose agents sign in with the platform's own OAuth, custody of
their tokens (sealed under a key per platform), and agent actions for the platforms that
declare them. ``server/wiring.py`` calls these; nothing here names a platform.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from pydantic import SecretStr

from providers.base import Manifest, SignInFlow
from server.actions.platform import TokenActions
from server.auth.custody import AgentTokens, TokenPlatform
from server.auth.platform_login import OAuthPlatform
from server.integrations.service import IntegrationService
from server.secret_box import SecretBox, agent_tokens_context


def oauth_platforms(
    platforms: Mapping[str, Manifest], session: aiohttp.ClientSession
) -> dict[str, OAuthPlatform]:
    """The platforms whose agents sign in with the platform's own OAuth."""
    return {
        name: OAuthPlatform(manifest, manifest.oauth(session))
        for name, manifest in platforms.items()
        if manifest.sign_in is SignInFlow.PLATFORM_OAUTH and manifest.oauth is not None
    }


def token_platforms(
    oauth: Mapping[str, OAuthPlatform], secret_key: SecretStr
) -> dict[str, TokenPlatform]:
    """Custody of each platform-OAuth platform's tokens, sealed under a key of its own."""
    return {
        name: TokenPlatform(
            platform.oauth,
            SecretBox(secret_key, agent_tokens_context(name)),
            platform.manifest.display_name,
        )
        for name, platform in oauth.items()
    }


def action_platforms(
    platforms: Mapping[str, Manifest],
    session: aiohttp.ClientSession,
    integrations: IntegrationService,
    custody: AgentTokens,
) -> dict[str, TokenActions]:
    """Agent actions of each platform that declares them, with the agent's token."""
    return {
        name: TokenActions(
            platform=name,
            display_name=manifest.display_name,
            actions=manifest.actions(session),
            settings=integrations.provider_settings,
            custody=custody,
        )
        for name, manifest in platforms.items()
        if manifest.actions is not None
    }
