"""Agent sign-in at a platform's own OAuth server: Authorization Code with PKCE (S256).

One service for every platform whose manifest says ``SignInFlow.PLATFORM_OAUTH``:

1. ``begin``: the tenant's integration of the platform must be able to sign agents in; a
   state, PKCE verifier and browser secret are kept (:mod:`server.auth.pkce`) with the tenant
   and the widget's nonce. The popup goes to the platform's authorize URL.
2. ``claim`` + ``finish`` at ``/auth/<platform>/callback``: the state is taken once and must
   come back with the browser's cookie; the platform exchanges the code and identifies the
   agent (refusing another organization's); the platform's token stays in
   :class:`AgentTokens`; the browser gets a cuecard session.

Example::

    start = await sign_in.begin("acmedesk", "acme", nonce, client=request_client(request))
    pending = await sign_in.claim("acmedesk", state, cookie)
    session = await sign_in.finish(pending, code)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from providers.base import Manifest, PlatformOAuth, ProviderSettings
from providers.errors import ProviderConfigError, ProviderError, WrongOrganization
from server.auth.custody import AgentTokens
from server.auth.errors import (
    LoginNotConfigured,
    LoginStateInvalid,
    PlatformLoginFailed,
    PlatformSessionEnded,
)
from server.auth.errors import WrongOrganization as OrganizationRefused
from server.auth.pkce import BrowserCookie, Claimed, FlowStart, PendingFlows
from server.auth.sessions import AgentSession, AgentSessions, SignedInWith
from server.state.base import StateStore

log = logging.getLogger(__name__)

SettingsLookup = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, platform) -> the tenant's enabled settings for it (IntegrationService)."""

AgentSignedIn = Callable[[str, str, str], Awaitable[None]]
"""Called with (platform, tenant_id, agent_id) after each successful sign-in."""


def login_path(platform: str) -> str:
    """Where the widget's popup starts the sign-in."""
    return f"/auth/{platform}/login"


def callback_path(platform: str) -> str:
    """The one redirect URI registered at the platform; no query of our own."""
    return f"/auth/{platform}/callback"


def login_cookie(platform: str) -> BrowserCookie:
    """The cookie binding a sign-in to its browser, sent only to the platform's routes."""
    return BrowserCookie(prefix="cuecard_login_", path=f"/auth/{platform}/")


class PendingLogin(BaseModel):
    """What a sign-in needs back at its callback."""

    model_config = ConfigDict(frozen=True)

    platform: str
    tenant_id: str
    nonce: str


@dataclass(frozen=True, slots=True)
class LoginStart:
    """Where to send the popup, and the flow its cookie binds to the browser."""

    authorize_url: str
    flow: FlowStart


@dataclass(frozen=True, slots=True)
class OAuthPlatform:
    """One platform as sign-in sees it: its manifest and its OAuth client."""

    manifest: Manifest
    oauth: PlatformOAuth


class PlatformSignIn:
    """Runs the PKCE sign-in for every tenant of every platform-OAuth platform."""

    def __init__(
        self,
        *,
        platforms: Mapping[str, OAuthPlatform],
        settings: SettingsLookup,
        state: StateStore,
        custody: AgentTokens,
        sessions: AgentSessions,
        base_url: str,
        signed_in: AgentSignedIn,
    ) -> None:
        self._platforms = platforms
        self._settings = settings
        self._flows = PendingFlows(
            state,
            namespace="login",
            model=PendingLogin,
            refused=LoginStateInvalid,
            expired="this sign-in expired or was already used; start again from the widget",
            other_browser=(
                "this sign-in was started in another browser; start again from the widget"
            ),
        )
        self._custody = custody
        self._sessions = sessions
        self._base_url = base_url.rstrip("/")
        self._signed_in = signed_in

    def offers(self, platform: str) -> bool:
        """Whether agents sign in with ``platform`` here."""
        return platform in self._platforms

    def display_name(self, platform: str) -> str:
        """The platform's name as people know it."""
        return self._platforms[platform].manifest.display_name

    def redirect_uri(self, platform: str) -> str:
        """The absolute callback URL registered at the platform."""
        return self._base_url + callback_path(platform)

    async def begin(self, platform: str, tenant_id: str, nonce: str, *, client: str) -> LoginStart:
        """Start a sign-in for ``tenant_id`` from the ``client`` address; ``nonce`` comes back
        to the widget at the end."""
        settings = await self._tenant_settings(platform, tenant_id)
        start = await self._flows.begin(
            PendingLogin(platform=platform, tenant_id=tenant_id, nonce=nonce), client=client
        )
        try:
            url = self._oauth(platform).authorize_url(
                settings,
                redirect_uri=self.redirect_uri(platform),
                state=start.state,
                code_challenge=start.code_challenge,
            )
        except ProviderConfigError as err:
            name = self.display_name(platform)
            raise LoginNotConfigured(
                f"{name} sign-in is not set up for this tenant: {err}"
            ) from err
        return LoginStart(url, start)

    async def claim(
        self, platform: str, state: str, browser_secret: str | None
    ) -> Claimed[PendingLogin]:
        """The pending sign-in for ``state``, taken once; refused for any other browser."""
        pending = await self._flows.claim(state, browser_secret)
        if pending.context.platform != platform:
            raise LoginStateInvalid("this sign-in was started for another platform")
        return pending

    async def finish(self, pending: Claimed[PendingLogin], code: str) -> AgentSession:
        """Exchange the code, identify the agent, keep the token, open a cuecard session."""
        platform, tenant_id = pending.context.platform, pending.context.tenant_id
        settings = await self._tenant_settings(platform, tenant_id)
        oauth, name = self._oauth(platform), self.display_name(platform)
        try:
            grant = await oauth.exchange_code(
                settings,
                code=code,
                code_verifier=pending.code_verifier,
                redirect_uri=self.redirect_uri(platform),
            )
            agent = await oauth.identify(settings, grant.access_token)
        except WrongOrganization as err:
            raise OrganizationRefused(str(err)) from err
        except ProviderError as err:
            log.info("%s sign-in failed for tenant %s: %s", platform, tenant_id, err.code)
            raise PlatformLoginFailed(f"{name} sign-in failed: {err}") from err
        await self._custody.keep(platform, tenant_id, agent.agent_id, grant)
        session = await self._sessions.open(
            tenant_id, agent.agent_id, agent.name, platform=platform
        )
        log.info("agent %s signed in to tenant %s with %s", agent.agent_id, tenant_id, platform)
        await self._signed_in(platform, tenant_id, agent.agent_id)
        return session

    async def check_signed_in(self, origin: SignedInWith) -> None:
        """Raise ``PlatformSessionEnded`` once the agent's sign-in at their platform ended."""
        platform, tenant_id, agent_id = origin.platform, origin.tenant_id, origin.agent_id
        if platform is None and len(self._platforms) == 1:
            # Sessions opened before they recorded their platform had the only one there was.
            [platform] = self._platforms
        if platform is None or not self.offers(platform):
            raise PlatformSessionEnded("your sign-in has ended; sign in again")
        if not await self._custody.signed_in(platform, tenant_id, agent_id):
            name = self.display_name(platform)
            raise PlatformSessionEnded(f"your {name} session has ended; sign in again")

    async def _tenant_settings(self, platform: str, tenant_id: str) -> ProviderSettings:
        settings = await self._settings(tenant_id, platform)
        if settings is None:
            name = self.display_name(platform)
            raise LoginNotConfigured(
                f"{name} sign-in is not set up for this tenant: an admin must add a {name} "
                "integration"
            )
        return settings

    def _oauth(self, platform: str) -> PlatformOAuth:
        return self._platforms[platform].oauth
