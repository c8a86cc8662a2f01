"""Errors of agent sign-in and sessions; each ``code`` reaches the widget as is."""

from __future__ import annotations

from server.errors import CuecardError, Forbidden, TokenExpired, Unauthenticated


class LoginNotConfigured(CuecardError):
    """The tenant has no enabled integration of the platform able to sign agents in."""

    code = "sign_in_not_configured"
    status = 404


class LoginStateInvalid(Unauthenticated):
    """The callback's state is unknown, used, expired, or belongs to another browser."""

    code = "login_state_invalid"


class LoginCancelled(Unauthenticated):
    """The agent cancelled at the platform, or the platform answered with an OAuth error."""

    code = "login_cancelled"


class WrongOrganization(Forbidden):
    """The agent signed in to another organization of the platform than the tenant's."""

    code = "wrong_organization"


class PlatformLoginFailed(CuecardError):
    """The platform could not complete the sign-in (unreachable, refused the client...)."""

    code = "platform_login_failed"
    status = 502


class PlatformSessionEnded(TokenExpired):
    """The agent's token at the platform expired or was revoked: sign in again."""

    code = "platform_session_expired"


class RefreshRefused(Unauthenticated):
    """The refresh token is unknown, expired, or was already used."""

    code = "refresh_refused"


class SsoNotConfigured(CuecardError):
    """Admin single sign-on is off: no OpenID provider is configured."""

    code = "sso_not_configured"
    status = 404


class SsoUnavailable(CuecardError):
    """The OpenID provider could not be reached, or answered something unusable."""

    code = "sso_unavailable"
    status = 502


class SsoStateInvalid(Unauthenticated):
    """The callback's state is unknown, used, expired, or belongs to another browser."""

    code = "sso_state_invalid"


class SsoCancelled(Unauthenticated):
    """The OpenID provider did not sign the admin in (cancelled, refused, an OAuth error)."""

    code = "sso_cancelled"


class SsoTokenInvalid(Unauthenticated):
    """The code or the ID token did not check out (signature, issuer, audience, expiry, nonce)."""

    code = "sso_token_invalid"


class SsoNoAccount(Forbidden):
    """The identity is genuine but matches no admin account (unknown or unverified email)."""

    code = "sso_no_account"


class IdpUnavailable(CuecardError):
    """The tenant's identity provider could not be reached, or answered something unusable."""

    code = "idp_unavailable"
    status = 502


class IdpTokenInvalid(Unauthenticated):
    """The code or the ID token from the tenant's identity provider did not check out."""

    code = "idp_token_invalid"


class IdpClaimMissing(Forbidden):
    """The ID token is genuine but lacks the claim that carries the platform agent id."""

    code = "idp_claim_missing"


class IdpDomainRefused(Forbidden):
    """The identity is genuine but its email is not in a domain the tenant admits."""

    code = "idp_domain_refused"
