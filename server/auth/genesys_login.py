"""Agent sign-in with Genesys Cloud: OAuth 2.0 Authorization Code with PKCE (S256).

1. ``begin``: a random ``state`` and ``code_verifier`` are kept server-side under the state,
   with the tenant and the widget's nonce, bound to the browser by a secret that only an
   HttpOnly cookie holds. The popup goes to Genesys' ``/oauth/authorize``.
2. ``claim`` + ``finish`` at the callback: the state is taken once and must match the
   browser's cookie; the code is exchanged with the verifier; ``/api/v2/tokens/me`` must name
   the tenant's organization and ``/api/v2/users/me`` names the agent. The Genesys token stays
   in :class:`GenesysTokens`; the browser gets a cuecard session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from pydantic import BaseModel, ConfigDict

from providers.base import ProviderSettings
from providers.errors import ProviderError
from providers.genesys._agent import AgentClient, GenesysGrant, authorize_url
from providers.genesys.config import GenesysSettings
from providers.genesys.const import PROVIDER
from server.auth.custody import GenesysTokens
from server.auth.errors import (
    GenesysLoginFailed,
    LoginNotConfigured,
    LoginStateInvalid,
    WrongOrganization,
)
from server.auth.sessions import AgentSession, AgentSessions
from server.state.base import StateStore

log = logging.getLogger(__name__)

LOGIN_SECONDS = 600
CALLBACK_PATH = "/auth/genesys/callback"


SettingsLookup = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, provider) -> the tenant's enabled settings for it (IntegrationService)."""


@runtime_checkable
class UserWatching(Protocol):
    """A running adapter that can follow one more agent's conversations."""

    async def watch_user(self, user_id: str) -> None:
        """Subscribe to the user's conversation notifications."""


AgentSignedIn = Callable[[str, str], Awaitable[None]]
"""Called with (tenant_id, genesys_user_id) after each successful sign-in."""


async def genesys_settings(lookup: SettingsLookup, tenant_id: str) -> GenesysSettings:
    """The tenant's Genesys settings with an agent login client; LoginNotConfigured if none."""
    settings = await lookup(tenant_id, PROVIDER)
    if not isinstance(settings, GenesysSettings) or settings.agent_client_id is None:
        raise LoginNotConfigured(
            "Genesys Cloud sign-in is not set up for this tenant: an admin must add a Genesys "
            "integration with an agent_client_id"
        )
    return settings


class PendingLogin(BaseModel):
    """A sign-in between ``begin`` and the callback, kept server-side under its state."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    nonce: str
    code_verifier: str
    browser_digest: str


@dataclass(frozen=True)
class LoginStart:
    """Where to send the popup, and the secret its cookie must carry back."""

    authorize_url: str
    state: str
    browser_secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class GenesysLogin:
    """Runs the PKCE sign-in for every tenant with a Genesys integration."""

    def __init__(
        self,
        *,
        settings: SettingsLookup,
        state: StateStore,
        client: AgentClient,
        custody: GenesysTokens,
        sessions: AgentSessions,
        redirect_uri: str,
        signed_in: AgentSignedIn,
    ) -> None:
        self._settings = settings
        self._state = state
        self._client = client
        self._custody = custody
        self._sessions = sessions
        self._redirect_uri = redirect_uri
        self._signed_in = signed_in

    async def begin(self, tenant_id: str, nonce: str) -> LoginStart:
        """Start a sign-in for ``tenant_id``; ``nonce`` comes back to the widget at the end."""
        settings = await genesys_settings(self._settings, tenant_id)
        state, verifier, browser_secret = (secrets.token_urlsafe(n) for n in (32, 64, 32))
        pending = PendingLogin(
            tenant_id=tenant_id,
            nonce=nonce,
            code_verifier=verifier,
            browser_digest=_digest(browser_secret),
        )
        await self._state.put_ephemeral(f"login:{state}", pending.model_dump_json(), LOGIN_SECONDS)
        url = authorize_url(
            settings,
            redirect_uri=self._redirect_uri,
            state=state,
            code_challenge=create_s256_code_challenge(verifier),
        )
        return LoginStart(authorize_url=url, state=state, browser_secret=browser_secret)

    async def claim(self, state: str, browser_secret: str | None) -> PendingLogin:
        """The pending sign-in for ``state``, taken once; refused for any other browser."""
        raw = await self._state.take_ephemeral(f"login:{state}") if state else None
        if raw is None:
            raise LoginStateInvalid(
                "this sign-in expired or was already used; start again from the widget"
            )
        pending = PendingLogin.model_validate_json(raw)
        if browser_secret is None or not hmac.compare_digest(
            _digest(browser_secret), pending.browser_digest
        ):
            raise LoginStateInvalid(
                "this sign-in was started in another browser; start again from the widget"
            )
        return pending

    async def finish(self, pending: PendingLogin, code: str) -> AgentSession:
        """Exchange the code, check the organization, keep the token, open a cuecard session."""
        settings = await genesys_settings(self._settings, pending.tenant_id)
        try:
            grant = await self._client.exchange_code(
                settings,
                code=code,
                code_verifier=pending.code_verifier,
                redirect_uri=self._redirect_uri,
            )
            user_id, name = await self._verified_user(settings, grant)
        except ProviderError as err:
            log.info("Genesys sign-in failed for tenant %s: %s", pending.tenant_id, err.code)
            raise GenesysLoginFailed(f"Genesys Cloud sign-in failed: {err}") from err
        await self._custody.keep(pending.tenant_id, user_id, grant)
        session = await self._sessions.open(pending.tenant_id, user_id, name)
        log.info("agent %s signed in to tenant %s with Genesys Cloud", user_id, pending.tenant_id)
        await self._signed_in(pending.tenant_id, user_id)
        return session

    async def _verified_user(
        self, settings: GenesysSettings, grant: GenesysGrant
    ) -> tuple[str, str]:
        info = await self._client.token_info(settings, grant.access_token)
        if info.organization.id != settings.organization_id:
            name = info.organization.name or info.organization.id
            raise WrongOrganization(
                f"you signed in to the Genesys Cloud organization {name!r}, but this cuecard "
                "tenant is connected to another organization; sign in with an account of "
                "that organization"
            )
        user = await self._client.me(settings, grant.access_token)
        return user.id, user.name
