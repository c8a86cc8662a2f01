"""Admin single sign-on with OpenID Connect: Authorization Code with PKCE (S256) and a nonce.

1. ``begin``: a random ``state``, ``nonce`` and PKCE ``code_verifier`` are kept server-side
   under the state, with the page to return to, bound to the browser by a secret that only an
   HttpOnly cookie holds (:mod:`server.auth.pkce`). The browser goes to the provider's
   authorization endpoint.
2. ``claim`` + ``finish`` at the callback: the state is taken once and must match the
   browser's cookie; the code is exchanged with the verifier; the ID token's signature is
   checked against the provider's JWKS (joserfc) and its ``iss``, ``aud``, ``exp``, ``nonce``
   and ``at_hash`` with authlib's ``CodeIDToken``; the identity then opens an existing admin
   account (:meth:`AdminService.sign_in_with_sso`), never a new one.

Example::

    start = await sso.begin(next_path="/admin/tenants", redirect_uri=callback_url, client=ip)
    # ... the provider redirects back with ?code=...&state=...
    admin = await sso.finish(await sso.claim(state, cookie), code)  # cookie: SSO_COOKIE
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict

from server.auth.admins import AdminService, SsoIdentity
from server.auth.errors import SsoStateInvalid, SsoTokenInvalid, SsoUnavailable
from server.auth.id_token import verified_claims
from server.auth.oidc_client import OidcClient, OidcTerms
from server.auth.pkce import BrowserCookie, Claimed, FlowStart, PendingFlows
from server.state.base import StateStore
from server.store.models import Admin

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
TERMS = OidcTerms(
    unavailable=SsoUnavailable,
    token_invalid=SsoTokenInvalid,
    issuer_setting="CUECARD_OIDC_ISSUER",
    client_settings="CUECARD_OIDC_CLIENT_ID and CUECARD_OIDC_CLIENT_SECRET",
    purpose="admin single sign-on",
)


# One cookie per sign-in in progress, so two tabs signing in at once do not clash.
SSO_COOKIE = BrowserCookie(prefix="cuecard_sso_", path="/admin/sso/")


class SsoContext(BaseModel):
    """What a sign-in needs after the provider sends the browser back."""

    model_config = ConfigDict(frozen=True)

    redirect_uri: str
    next_path: str


PendingSso = Claimed[SsoContext]


class AdminSso:
    """Signs admins in through the configured OpenID provider."""

    def __init__(self, client: OidcClient, state: StateStore, admins: AdminService) -> None:
        self._client = client
        self._flows = PendingFlows(
            state,
            namespace="admin-sso",
            model=SsoContext,
            refused=SsoStateInvalid,
            expired="this sign-in expired or was already used; please start again",
            other_browser="this sign-in was started in another browser; please start again here",
        )
        self._admins = admins

    async def begin(
        self, *, next_path: str, redirect_uri: str, client: str
    ) -> tuple[str, FlowStart]:
        """Start a sign-in from the ``client`` address: where to send the browser, and the
        flow its cookie binds."""
        await self._client.metadata()  # an unreachable provider is reported before any state
        context = SsoContext(redirect_uri=redirect_uri, next_path=next_path)
        start = await self._flows.begin(context, client=client)
        url = await self._client.authorize_url(start, redirect_uri=redirect_uri, scope=SCOPE)
        return url, start

    async def claim(self, state: str, browser_secret: str | None) -> PendingSso:
        """The pending sign-in for ``state``, taken once; refused for any other browser."""
        return await self._flows.claim(state, browser_secret)

    async def finish(self, pending: PendingSso, code: str) -> Admin:
        """Exchange the code, verify the ID token, and open the matching admin account."""
        redirect_uri = pending.context.redirect_uri
        tokens = await self._client.exchange_code(
            code, code_verifier=pending.code_verifier, redirect_uri=redirect_uri
        )
        identity = identity_of(await verified_claims(self._client, tokens, nonce=pending.nonce))
        admin = await self._admins.sign_in_with_sso(identity)
        log.info("admin %s signed in with single sign-on", admin.id)
        return admin


def identity_of(claims: Any) -> SsoIdentity:
    """Who verified claims speak for; some providers send ``email_verified`` as a string."""
    email = claims.get("email")
    return SsoIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") in (True, "true"),
    )
