"""Agent sign-in with Salesforce: Authorization Code + PKCE (S256) against the org's My Domain.

The server keeps the state, the PKCE verifier and the browser binding; this module builds the
authorize URL, trades the code at ``/services/oauth2/token`` and identifies the agent with
``/services/oauth2/userinfo``, whose ``organization_id`` must be the integration's org (an
agent of any other org is refused with :class:`WrongOrganization` naming it). The agent's
token is only ever used to identify them: cuecard writes to Salesforce as its own
integration user (``client.py``). Tokens never reach a log or an error message.

Token response (Salesforce sends no ``expires_in``; sessions last the org's timeout)::

    {"access_token": "00D…!AQ…", "instance_url": "https://acme.my.salesforce.com",
     "id": "https://login.salesforce.com/id/00D…/005…", "token_type": "Bearer",
     "scope": "openid id", "signature": "…", "issued_at": "1732183200000"}
"""

from __future__ import annotations

from typing import Any

import aiohttp
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from pydantic import SecretStr, ValidationError

from providers.base import AgentGrant, PlatformAgent
from providers.errors import (
    AgentTokenRejected,
    ProviderConfigError,
    ProviderNotReady,
    WrongOrganization,
)
from providers.salesforce._errors import GrantRefused
from providers.salesforce.client import UserInfo
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.const import (
    AGENT_SCOPE,
    AUTHORIZE_PATH,
    SESSION_SECONDS,
    TOKEN_PATH,
    USERINFO_PATH,
)

FORM = "application/x-www-form-urlencoded"
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)


class SalesforceOAuth:
    """:class:`providers.base.PlatformOAuth` for Salesforce orgs, over a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._http = session

    def authorize_url(
        self, settings: SalesforceSettings, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """The org's ``/services/oauth2/authorize`` with PKCE (S256) and our state."""
        return str(
            prepare_grant_uri(
                settings.base_url + AUTHORIZE_PATH,
                settings.consumer_key,
                "code",
                redirect_uri=redirect_uri,
                scope=AGENT_SCOPE,
                state=state,
                code_challenge=code_challenge,
                code_challenge_method="S256",
            )
        )

    async def exchange_code(
        self, settings: SalesforceSettings, *, code: str, code_verifier: str, redirect_uri: str
    ) -> AgentGrant:
        """Trade the authorization code and its PKCE verifier for the agent's tokens."""
        form = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            **_client(settings),
        )
        return await self._token(settings, form)

    async def refresh(self, settings: SalesforceSettings, refresh_token: SecretStr) -> AgentGrant:
        """A new access token; ``AgentTokenRejected`` once the refresh token is revoked."""
        form = prepare_token_request(
            "refresh_token", refresh_token=refresh_token.get_secret_value(), **_client(settings)
        )
        try:
            return await self._token(settings, form)
        except GrantRefused as err:
            raise AgentTokenRejected("Salesforce refused the agent's refresh token") from err

    async def identify(
        self, settings: SalesforceSettings, access_token: SecretStr
    ) -> PlatformAgent:
        """The agent behind the token; ``WrongOrganization`` unless in the integration's org."""
        info = await self._userinfo(settings, access_token)
        if info.organization_id != settings.organization_id:
            raise WrongOrganization(
                f"this Salesforce user belongs to org {info.organization_id}, not "
                f"{settings.organization_id}: sign in with your {settings.base_url} account"
            )
        return PlatformAgent(agent_id=info.user_id, name=info.name)

    async def _userinfo(self, settings: SalesforceSettings, token: SecretStr) -> UserInfo:
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
        url = settings.base_url + USERINFO_PATH
        status, payload = await self._request("GET", url, headers=headers)
        if status in (401, 403):
            raise AgentTokenRejected("Salesforce refused the agent's session")
        if status != 200:
            raise ProviderNotReady(f"Salesforce's userinfo endpoint answered {status}")
        try:
            return UserInfo.model_validate(payload)
        except ValidationError as err:
            raise ProviderNotReady("Salesforce sent an unexpected userinfo response") from err

    async def _token(self, settings: SalesforceSettings, form: str) -> AgentGrant:
        headers = {"Content-Type": FORM, "Accept": "application/json"}
        url = settings.base_url + TOKEN_PATH
        status, body = await self._request("POST", url, headers=headers, data=form)
        if status != 200:
            raise _refusal(settings, status, body)
        fields = body if isinstance(body, dict) else {}
        try:
            return AgentGrant(
                access_token=fields.get("access_token"),
                refresh_token=fields.get("refresh_token"),
                expires_in=SESSION_SECONDS,
            )
        except ValidationError as err:
            raise ProviderNotReady("Salesforce sent an unexpected token response") from err

    async def _request(
        self, method: str, url: str, *, headers: dict[str, str], data: str | None = None
    ) -> tuple[int, Any]:
        try:
            async with self._http.request(method, url, headers=headers, data=data) as response:
                if "json" not in response.content_type:
                    return response.status, None
                return response.status, await response.json()
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(
                f"cannot reach Salesforce at {url.split('/services/')[0]}: {type(err).__name__}"
            ) from err
        except ValueError:
            return 502, None


def _client(settings: SalesforceSettings) -> dict[str, str]:
    # A public client (PKCE) sends only its id; a secret only if the app requires one.
    fields = {"client_id": settings.consumer_key}
    if settings.consumer_secret is not None:
        fields["client_secret"] = settings.consumer_secret.get_secret_value()
    return fields


def _refusal(settings: SalesforceSettings, status: int, body: Any) -> Exception:
    fields = body if isinstance(body, dict) else {}
    error = str(fields.get("error") or status)
    description = str(fields.get("error_description") or "")
    if status >= 500:
        return ProviderNotReady(f"Salesforce's token endpoint answered {status}")
    if error in {"invalid_client_id", "invalid_client", "redirect_uri_mismatch"}:
        return ProviderConfigError(
            f"Salesforce refused the External Client App {settings.consumer_key} ({error}): "
            "check its consumer key, callback URL and whether it requires a secret"
        )
    said = f"{error}: {description}" if description else error
    return GrantRefused(f"Salesforce refused the sign-in ({said})")
