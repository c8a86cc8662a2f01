"""Agent sign-in with Genesys Cloud: Authorization Code with PKCE (S256), protocols.md 2.1-2.3.

The popup goes to ``{login}/oauth/authorize`` with the integration's ``agent_client_id`` (a
Code Authorization client, no secret); the code comes back to the one redirect URI registered
there, ``/auth/genesys/callback``. The agent is identified by ``GET /api/v2/tokens/me`` (its
organization must be the integration's ``organization_id``) then ``GET /api/v2/users/me``.
Example::

    oauth = GenesysOAuth(session)
    url = oauth.authorize_url(settings, redirect_uri=cb, state=s, code_challenge=c)
    agent = await oauth.identify(settings, grant.access_token)   # WrongOrganization if not ours
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from pydantic import SecretStr

from providers.base import AgentGrant, PlatformAgent
from providers.errors import ProviderConfigError, WrongOrganization
from providers.genesys._agent import AgentClient
from providers.genesys.config import GenesysSettings


class GenesysOAuth:
    """Genesys Cloud's agent OAuth (``PlatformOAuth``) over a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._client = AgentClient(session)

    def authorize_url(
        self, settings: GenesysSettings, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """``/oauth/authorize`` with PKCE (S256) and our state; no agent client, no sign-in."""
        if settings.agent_client_id is None:
            raise ProviderConfigError(
                "an admin must add the agent_client_id (the PKCE login client) to the "
                "tenant's Genesys Cloud integration"
            )
        query = {
            "client_id": settings.agent_client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "state": state,
        }
        return f"{settings.login_url}/oauth/authorize?{urlencode(query)}"

    async def exchange_code(
        self, settings: GenesysSettings, *, code: str, code_verifier: str, redirect_uri: str
    ) -> AgentGrant:
        """Trade the authorization code and its PKCE verifier for the agent's tokens."""
        return await self._client.exchange_code(
            settings, code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
        )

    async def refresh(self, settings: GenesysSettings, refresh_token: SecretStr) -> AgentGrant:
        """A fresh access token for a refresh token (public client: client_id, no secret)."""
        return await self._client.refresh(settings, refresh_token)

    async def identify(self, settings: GenesysSettings, access_token: SecretStr) -> PlatformAgent:
        """The signed-in user, once their token is shown to belong to the tenant's org."""
        info = await self._client.token_info(settings, access_token)
        if info.organization.id != settings.organization_id:
            name = info.organization.name or info.organization.id
            raise WrongOrganization(
                f"you signed in to the Genesys Cloud organization {name!r}, but this cuecard "
                "tenant is connected to another organization; sign in with an account of "
                "that organization"
            )
        user = await self._client.me(settings, access_token)
        return PlatformAgent(agent_id=user.id, name=user.name)
