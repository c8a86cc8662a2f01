"""The integration's session: the OAuth 2.0 JWT bearer flow (RFC 7523, RS256 only).

``POST {my domain}/services/oauth2/token`` with ``grant_type=urn:ietf:params:oauth:grant-type:
jwt-bearer`` and an assertion signed with the integration's private key: ``iss`` the External
Client App's consumer key, ``sub`` the integration user, ``aud`` the login URL, ``exp`` under
three minutes ahead (protocols.md 7.4). No client secret. The answer's ``instance_url`` is the
REST base. Sessions last the org's session timeout; a 401 makes the client ask for a new one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from authlib.oauth2.rfc7523 import JWTBearerGrant
from joserfc.jwk import RSAKey
from pydantic import SecretStr, ValidationError

from providers.errors import ProviderNotReady
from providers.salesforce._errors import grant_error
from providers.salesforce._models import Session
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.const import JWT_GRANT_TYPE, SESSION_SECONDS, TOKEN_PATH, Timings

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)


class JwtBearer:
    """Mints the integration user's session once and again only when it is stale."""

    def __init__(
        self, settings: SalesforceSettings, http: aiohttp.ClientSession, timings: Timings
    ) -> None:
        self._settings = settings
        self._http = http
        self._timings = timings
        self._session: Session | None = None
        self._minted_at = 0.0
        self._minting = asyncio.Lock()

    @property
    def instance_url(self) -> str:
        """The REST base: the session's ``instance_url`` (My Domain before the first mint)."""
        session = self._session
        return session.instance_url.rstrip("/") if session else self._settings.base_url

    async def token(self, *, stale: SecretStr | None = None) -> SecretStr:
        """The current access token; a new one if it is old or is ``stale`` (refused)."""
        async with self._minting:
            session = self._session
            now = asyncio.get_running_loop().time()
            fresh = now - self._minted_at < SESSION_SECONDS - self._timings.token_leeway
            if session is not None and fresh and session.access_token != stale:
                return session.access_token
            self._session = await self._mint()
            self._minted_at = now
            return self._session.access_token

    def forget(self) -> None:
        """Drop the session; the next call mints a new one."""
        self._session = None

    def _assertion(self) -> str:
        settings = self._settings
        return str(
            JWTBearerGrant.sign(
                RSAKey.import_key(settings.private_key.get_secret_value()),
                issuer=settings.consumer_key,
                audience=settings.audience,
                subject=settings.username,
                expires_in=self._timings.assertion_seconds,
                header={"alg": "RS256"},
            )
        )

    async def _mint(self) -> Session:
        settings = self._settings
        form = {"grant_type": JWT_GRANT_TYPE, "assertion": self._assertion()}
        timeout = aiohttp.ClientTimeout(total=self._timings.request_timeout)
        try:
            async with self._http.post(
                settings.base_url + TOKEN_PATH, data=form, timeout=timeout
            ) as response:
                status, body = response.status, await _json(response)
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(
                f"cannot reach Salesforce at {settings.base_url}: {type(err).__name__}"
            ) from err
        if status != 200:
            raise grant_error(settings.username, status, body)
        try:
            return Session.model_validate(body)
        except ValidationError as err:
            raise ProviderNotReady("Salesforce sent an unexpected token response") from err


async def _json(response: aiohttp.ClientResponse) -> Any:
    if "json" not in response.content_type:
        return None
    try:
        return await response.json()
    except ValueError:
        return None
