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

    start = await sso.begin(next_path="/admin/tenants", redirect_uri=callback_url)
    # ... the provider redirects back with ?code=...&state=...
    admin = await sso.finish(await sso.claim(state, cookie), code)  # cookie: SSO_COOKIE
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from pydantic import BaseModel, ConfigDict

from server.auth.admins import AdminService, SsoIdentity
from server.auth.errors import SsoStateInvalid, SsoTokenInvalid
from server.auth.oidc_client import OidcClient, TokenResponse
from server.auth.pkce import BrowserCookie, Claimed, FlowStart, PendingFlows
from server.state.base import StateStore
from server.store.models import Admin

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
# Clock skew tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 60
_WRONG_CLAIM = {
    "iss": "was issued by another identity provider",
    "aud": "was issued to another client",
    "azp": "was issued to another client",
    "nonce": "does not belong to this sign-in (its nonce differs)",
    "at_hash": "does not match its access token",
}


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

    def __init__(
        self, client: OidcClient, state: StateStore, admins: AdminService, *, client_id: str
    ) -> None:
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
        self._client_id = client_id

    async def begin(self, *, next_path: str, redirect_uri: str) -> tuple[str, FlowStart]:
        """Start a sign-in: where to send the browser, and the flow its cookie binds."""
        metadata = await self._client.metadata()
        start = await self._flows.begin(SsoContext(redirect_uri=redirect_uri, next_path=next_path))
        url = prepare_grant_uri(
            metadata.authorization_endpoint,
            self._client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=SCOPE,
            state=start.state,
            nonce=start.nonce,
            code_challenge=start.code_challenge,
            code_challenge_method="S256",
        )
        return str(url), start

    async def claim(self, state: str, browser_secret: str | None) -> PendingSso:
        """The pending sign-in for ``state``, taken once; refused for any other browser."""
        return await self._flows.claim(state, browser_secret)

    async def finish(self, pending: PendingSso, code: str) -> Admin:
        """Exchange the code, verify the ID token, and open the matching admin account."""
        redirect_uri = pending.context.redirect_uri
        tokens = await self._client.exchange_code(
            code, code_verifier=pending.code_verifier, redirect_uri=redirect_uri
        )
        identity = await self._verified_identity(tokens, pending.nonce)
        admin = await self._admins.sign_in_with_sso(identity)
        log.info("admin %s signed in with single sign-on", admin.id)
        return admin

    async def _verified_identity(self, tokens: TokenResponse, nonce: str) -> SsoIdentity:
        if tokens.id_token is None:
            raise SsoTokenInvalid(
                "the identity provider returned no ID token; allow the openid scope for cuecard"
            )
        decoded = await self._decode(tokens.id_token)
        metadata = await self._client.metadata()
        claims = check_claims(
            decoded,
            issuer=metadata.issuer,
            client_id=self._client_id,
            nonce=nonce,
            access_token=tokens.access_token.get_secret_value(),
        )
        return identity_of(claims)

    async def _decode(self, id_token: str) -> jwt.Token:
        algorithms = (await self._client.metadata()).algorithms
        try:
            try:
                return jwt.decode(id_token, await self._client.key_set(), algorithms=algorithms)
            except InvalidKeyIdError:
                # A key id we have not seen: the provider may have rotated its keys.
                keys = await self._client.key_set(refresh=True)
                return jwt.decode(id_token, keys, algorithms=algorithms)
        except (JoseError, ValueError) as err:
            raise SsoTokenInvalid(
                "the ID token's signature does not verify against the identity provider's "
                "published keys"
            ) from err


def check_claims(
    decoded: jwt.Token, *, issuer: str, client_id: str, nonce: str, access_token: str
) -> Any:
    """The ID token's claims once iss, aud, exp, nonce (and azp, at_hash) check out."""
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as err:
        raise SsoTokenInvalid("the ID token has expired; please sign in again") from err
    except ClaimError as err:
        problem = _WRONG_CLAIM.get(err.claim, f"has a missing or wrong {err.claim!r} claim")
        raise SsoTokenInvalid(f"the ID token {problem}; please sign in again") from err
    return claims


def identity_of(claims: Any) -> SsoIdentity:
    """Who verified claims speak for; some providers send ``email_verified`` as a string."""
    email = claims.get("email")
    return SsoIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") in (True, "true"),
    )
