"""Errors of agent sign-in and sessions; each ``code`` reaches the widget as is."""

from __future__ import annotations

from server.errors import CuecardError, Forbidden, TokenExpired, Unauthenticated


class LoginNotConfigured(CuecardError):
    """The tenant has no enabled Genesys integration with an agent login client."""

    code = "genesys_not_configured"
    status = 404


class LoginStateInvalid(Unauthenticated):
    """The callback's state is unknown, used, expired, or belongs to another browser."""

    code = "login_state_invalid"


class LoginCancelled(Unauthenticated):
    """The agent cancelled at Genesys Cloud, or Genesys answered with an OAuth error."""

    code = "login_cancelled"


class WrongOrganization(Forbidden):
    """The agent signed in to a Genesys organization other than the tenant's."""

    code = "wrong_organization"


class GenesysLoginFailed(CuecardError):
    """Genesys Cloud could not complete the sign-in (unreachable, refused the client...)."""

    code = "genesys_login_failed"
    status = 502


class GenesysSessionEnded(TokenExpired):
    """The agent's Genesys Cloud token expired or was revoked: sign in again."""

    code = "genesys_session_expired"


class RefreshRefused(Unauthenticated):
    """The refresh token is unknown, expired, or was already used."""

    code = "refresh_refused"
