"""Agent sign-in at the tenant's own identity provider: OpenID Connect, Authorization Code with
PKCE (S256) and a nonce, for platforms whose agents have no OAuth of their own.

1. ``begin``: the tenant's enabled identity provider (:class:`AgentIdps`) is discovered; a
   state, PKCE verifier, nonce and browser secret are kept (:mod:`server.auth.pkce`) with the
   tenant, the widget's nonce and the provider it was started at. The popup goes to the
   provider's authorization endpoint.
2. ``claim`` + ``finish`` at ``/auth/idp/callback`` (one redirect URI per deployment): the
   state is taken once and must come back with the browser's cookie; the code is exchanged
   at *that tenant's* provider; the ID token is verified (:mod:`server.auth.id_token`); the
   email domain is checked when the tenant restricts it; the platform agent id is the
   configured claim's value, unchanged; the browser gets a cuecard session.

Example::

    start = await idp.begin("acme", nonce, client=request_client(request))
    session = await idp.finish(await idp.claim(state, cookie), code)
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict

from server.auth.errors import IdpClaimMissing, IdpDomainRefused, LoginStateInvalid, RefreshRefused
from server.auth.id_token import verified_claims
from server.auth.idp_settings import AgentIdps
from server.auth.pkce import BrowserCookie, Claimed, PendingFlows
from server.auth.platform_login import LoginStart
from server.auth.sessions import AgentSession, AgentSessions, SignedInWith
from server.state.base import StateStore

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
LOGIN_PATH = "/auth/idp/login"
# The cookie binding a sign-in to its browser, sent only to the identity-provider routes.
IDP_COOKIE = BrowserCookie(prefix="cuecard_idp_", path="/auth/idp/")
MAX_AGENT_ID = 200


class PendingIdpLogin(BaseModel):
    """What a sign-in needs back at its callback."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    nonce: str
    # The provider the browser was sent to: the code is only ever redeemed there.
    issuer: str
    client_id: str


class TenantIdpSignIn:
    """Runs the OpenID Connect sign-in for every tenant that configured its identity provider."""

    def __init__(self, *, idps: AgentIdps, state: StateStore, sessions: AgentSessions) -> None:
        self._idps = idps
        self._flows = PendingFlows(
            state,
            namespace="idp-login",
            model=PendingIdpLogin,
            refused=LoginStateInvalid,
            expired="this sign-in expired or was already used; start again from the widget",
            other_browser=(
                "this sign-in was started in another browser; start again from the widget"
            ),
        )
        self._sessions = sessions

    async def provider_name(self, tenant_id: str) -> str:
        """What agents know the tenant's identity provider as; ``LoginNotConfigured`` if none."""
        row, _ = await self._idps.client(tenant_id)
        return row.display_name

    async def begin(self, tenant_id: str, nonce: str, *, client: str) -> LoginStart:
        """Start a sign-in for ``tenant_id`` from the ``client`` address; ``nonce`` comes back
        to the widget at the end."""
        row, oidc = await self._idps.client(tenant_id)
        await oidc.metadata()  # an unreachable provider is reported before any state
        pending = PendingIdpLogin(
            tenant_id=tenant_id, nonce=nonce, issuer=row.issuer, client_id=row.client_id
        )
        start = await self._flows.begin(pending, client=client)
        redirect_uri = self._idps.redirect_uri
        url = await oidc.authorize_url(start, redirect_uri=redirect_uri, scope=SCOPE)
        return LoginStart(url, start)

    async def claim(self, state: str, browser_secret: str | None) -> Claimed[PendingIdpLogin]:
        """The pending sign-in for ``state``, taken once; refused for any other browser."""
        return await self._flows.claim(state, browser_secret)

    async def finish(self, pending: Claimed[PendingIdpLogin], code: str) -> AgentSession:
        """Exchange the code, verify the ID token, read the agent id, open a cuecard session."""
        context = pending.context
        row, client = await self._idps.client(context.tenant_id)
        if (row.issuer, row.client_id) != (context.issuer, context.client_id):
            raise LoginStateInvalid(
                "the tenant's identity provider changed during this sign-in; start again"
            )
        tokens = await client.exchange_code(
            code, code_verifier=pending.code_verifier, redirect_uri=self._idps.redirect_uri
        )
        claims = await verified_claims(client, tokens, nonce=pending.nonce)
        check_email_domain(claims, row.allowed_email_domains)
        agent_id = agent_id_of(claims, row.agent_id_claim, row.display_name)
        name = claims.get("name")
        session = await self._sessions.open(
            context.tenant_id,
            agent_id,
            name if isinstance(name, str) and name.strip() else agent_id,
            issuer=row.issuer,
        )
        # The agent id may be an email address: log the tenant and the claim's name only.
        log.info(
            "an agent signed in to tenant %s at its identity provider (claim %s)",
            context.tenant_id,
            row.agent_id_claim,
        )
        return session

    async def check_signed_in(self, origin: SignedInWith) -> None:
        """Refuse to renew once the tenant's identity provider was removed, disabled or changed
        (its ID tokens are one-off: there is no sign-in at the provider to ask about)."""
        row = await self._idps.find(origin.tenant_id)
        if row is None or not row.enabled or row.issuer != origin.issuer:
            raise RefreshRefused(
                "this tenant's identity provider for agent sign-in changed; sign in again"
            )


def agent_id_of(claims: Any, claim: str, provider_name: str) -> str:
    """The platform agent id: the configured claim's value exactly as the provider sent it."""
    value = claims.get(claim)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None:
        raise IdpClaimMissing(
            f"{provider_name} sent no {claim!r} claim, which carries your agent id: an admin "
            f"must have {provider_name} include it in the ID token for cuecard"
        )
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_AGENT_ID:
        raise IdpClaimMissing(
            f"the {claim!r} claim {provider_name} sent is not an agent id (one piece of text "
            f"of 1 to {MAX_AGENT_ID} characters)"
        )
    return value


def check_email_domain(claims: Any, domains: tuple[str, ...]) -> None:
    """Refuse an identity outside the tenant's email domains, or with an unverified address."""
    if not domains:
        return
    email = claims.get("email")
    allowed = ", ".join(domains)
    if not isinstance(email, str) or "@" not in email:
        raise IdpDomainRefused(
            f"the identity provider sent no email address; this tenant admits {allowed} only"
        )
    if claims.get("email_verified") in (False, "false"):
        raise IdpDomainRefused(f"the identity provider has not verified the address {email}")
    if email.rsplit("@", 1)[1].lower() not in domains:
        raise IdpDomainRefused(f"{email} is not in a domain this tenant admits ({allowed})")
