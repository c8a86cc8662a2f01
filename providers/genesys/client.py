"""Genesys Cloud over HTTP: client-credentials tokens and the REST calls the adapter makes.

With its private helper :mod:`providers.genesys._socket` (the notification sockets) this is
the only module of the adapter that touches the network. aiohttp errors and HTTP statuses
are translated here, once, into classified ``ProviderError``\\ s whose messages an admin
can act on. Tokens and message text are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import aiohttp
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from providers.errors import (
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)
from providers.genesys._channels import NotificationStream
from providers.genesys._socket import Failed, Notification, Resync
from providers.genesys.config import GenesysSettings
from providers.genesys.const import MESSAGES_PER_BULK_READ, Timings

__all__ = [
    "Channel",
    "Failed",
    "GenesysClient",
    "Notification",
    "NotificationStream",
    "Resync",
]

logger = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
# What a Genesys id in a request path may be (UUIDs, hex message ids). Ids come from
# notification bodies: one with a "/" or ".." would steer the call elsewhere in the API.
PATH_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)


class Channel(NamedTuple):
    """A notification channel (protocols.md 1.2): where to connect and when it lapses."""

    id: str
    connect_uri: str
    expires: datetime


class Reply(NamedTuple):
    """One HTTP answer: status, headers and the JSON body (None if there was none)."""

    status: int
    headers: dict[str, str]
    body: Any


class GenesysClient:
    """One organization's API through one OAuth client-credentials grant.

    The token is fetched on first use, renewed ``timings.token_leeway`` seconds before it
    expires and again whenever the API answers 401. HTTP 429 is retried after the
    ``Retry-After`` the platform sends.
    """

    def __init__(self, settings: GenesysSettings, timings: Timings) -> None:
        self._settings = settings
        self._timings = timings
        self._session: aiohttp.ClientSession | None = None
        self._token: OAuth2Token | None = None
        self._token_lock = asyncio.Lock()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, opened on first use (inside the running event loop)."""
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._timings.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def aclose(self) -> None:
        """Close the HTTP session and forget the token."""
        self._token = None
        if self._session is not None:
            await self._session.close()

    async def access_token(self) -> str:
        """A valid access token, fetching a new one if there is none or it is about to lapse."""
        async with self._token_lock:
            if self._token is None or self._token.is_expired(leeway=self._timings.token_leeway):
                self._token = await self._fetch_token()
                logger.debug("Fetched a Genesys token for client %s", self._settings.client_id)
            return str(self._token["access_token"])

    async def _renew_token(self, refused: str) -> None:
        async with self._token_lock:
            if self._token is not None and self._token["access_token"] == refused:
                self._token = None

    async def _fetch_token(self) -> OAuth2Token:
        url = f"{self._settings.login_url}/oauth/token"
        basic = aiohttp.encode_basic_auth(
            self._settings.client_id, self._settings.client_secret.get_secret_value()
        )
        headers = {"Authorization": basic, "Content-Type": FORM}
        body = prepare_token_request("client_credentials")
        try:
            async with self.session.post(url, data=body, headers=headers) as response:
                reply = Reply(response.status, dict(response.headers), await _json(response))
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(f"cannot reach Genesys login at {url} ({_name(err)})") from err
        if reply.status == 200 and isinstance(reply.body, dict) and "access_token" in reply.body:
            return OAuth2Token(reply.body)
        raise token_error(reply, url, self._settings.client_id)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """Call the platform API and return its JSON body; None for 404 if ``missing_ok``."""
        renewed = False
        for attempt in range(self._timings.rate_limit_retries + 1):
            token = await self.access_token()
            reply = await self._send(method, path, token, json, params)
            if reply.status == 401 and not renewed:
                # A token can be revoked or expire early: get a new one and try once more.
                await self._renew_token(token)
                renewed = True
                continue
            if reply.status == 429 and attempt < self._timings.rate_limit_retries:
                await asyncio.sleep(self._retry_after(reply.headers))
                continue
            if reply.status == 404 and missing_ok:
                return None
            if 200 <= reply.status < 300:
                return reply.body
            raise api_error(reply, method, path)
        raise ProviderNotReady(f"Genesys kept rate-limiting {method} {path}")

    async def _send(
        self, method: str, path: str, token: str, json: Any, params: dict[str, str] | None
    ) -> Reply:
        url = f"{self._settings.api_url}{path}"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self.session.request(
                method, url, json=json, params=params, headers=headers
            ) as response:
                body = None if method == "HEAD" else await _json(response)
                return Reply(response.status, dict(response.headers), body)
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(f"cannot reach the Genesys API ({_name(err)})") from err

    def _retry_after(self, headers: dict[str, str]) -> float:
        wait = retry_after_seconds(headers.get("Retry-After"), datetime.now(UTC))
        logger.debug("Genesys rate limit: waiting %.1f s", wait)
        return min(wait, self._timings.retry_after_max)

    async def create_channel(self) -> Channel:
        """Open a notification channel."""
        body = await self.request("POST", "/api/v2/notifications/channels")
        fields = body if isinstance(body, dict) else {}
        channel_id, uri, expires = (fields.get(key) for key in ("id", "connectUri", "expires"))
        try:
            if isinstance(channel_id, str) and isinstance(uri, str) and isinstance(expires, str):
                return Channel(channel_id, uri, datetime.fromisoformat(expires))
        except ValueError:
            pass
        # A half-made answer is a passing failure: retried with back-off, never fatal.
        raise ProviderNotReady(
            "Genesys answered the channel request without an id, connectUri and expires"
        )

    async def subscribe(self, channel_id: str, topics: list[str], *, replace: bool) -> list[str]:
        """Subscribe ``topics`` (replacing the list or adding to it); return rejected ones."""
        listing = await self.request(
            "PUT" if replace else "POST",
            f"/api/v2/notifications/channels/{channel_id}/subscriptions",
            json=[{"id": topic} for topic in topics],
            params={"ignoreErrors": "true"},
        )
        rejected = [t for t in listing.get("entities", []) if t.get("state") == "Rejected"]
        for topic in rejected:
            missing = ", ".join(topic.get("missingPermissions") or []) or "unknown"
            logger.warning("Genesys rejected topic %s (missing: %s)", topic.get("id"), missing)
        return [str(topic.get("id")) for topic in rejected]

    async def unsubscribe_all(self, channel_id: str) -> None:
        """Drop every subscription of a channel we no longer use."""
        path = f"/api/v2/notifications/channels/{channel_id}/subscriptions"
        await self.request("DELETE", path, missing_ok=True)

    async def organization_id(self) -> str:
        """The organization the token belongs to (``GET /api/v2/tokens/me``, protocols.md 2.3)."""
        info = await self.request("GET", "/api/v2/tokens/me", params={"preserveIdleTTL": "true"})
        organization = info.get("organization") if isinstance(info, dict) else None
        if not isinstance(organization, dict) or not isinstance(organization.get("id"), str):
            raise ProviderNotReady("Genesys answered /api/v2/tokens/me without an organization id")
        return str(organization["id"])

    async def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation with every participant and communication; None if unknown."""
        if not PATH_ID.match(conversation_id):
            return None
        path = f"/api/v2/conversations/{conversation_id}"
        body: dict[str, Any] | None = await self.request("GET", path, missing_ok=True)
        return body

    async def message_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The messaging view of a conversation (message ids per participant)."""
        if not PATH_ID.match(conversation_id):
            return None
        path = f"/api/v2/conversations/messages/{conversation_id}"
        body: dict[str, Any] | None = await self.request("GET", path, missing_ok=True)
        return body

    async def messages(self, conversation_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """MessageData by id: one GET for a single id, bulk reads of up to 1000 otherwise; ids
        no Genesys id looks like are never asked for (and so never found)."""
        ids = [message_id for message_id in ids if PATH_ID.match(message_id)]
        if not ids or not PATH_ID.match(conversation_id):
            return {}
        base = f"/api/v2/conversations/messages/{conversation_id}/messages"
        if len(ids) == 1:
            data = await self.request("GET", f"{base}/{ids[0]}", missing_ok=True)
            return {ids[0]: data} if data else {}
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), MESSAGES_PER_BULK_READ):
            chunk = ids[start : start + MESSAGES_PER_BULK_READ]
            listing = await self.request("POST", f"{base}/bulk", json=chunk)
            found.update({item["id"]: item for item in listing.get("entities", [])})
        return found

    async def connect(self, uri: str) -> aiohttp.ClientWebSocketResponse:
        """Open a channel's WebSocket; Genesys needs no credentials on it (protocols.md 1.4)."""
        try:
            return await self.session.ws_connect(uri, autoping=True)
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(f"cannot open the notification socket ({_name(err)})") from err


def retry_after_seconds(value: str | None, now: datetime) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return 1.0


def token_error(reply: Reply, url: str, client_id: str) -> ProviderError:
    """Classify a refused token request with a message naming what to fix."""
    body = reply.body if isinstance(reply.body, dict) else {}
    code = str(body.get("error") or f"HTTP {reply.status}")
    if code == "invalid_client" or reply.status == 401:
        return ProviderAuthFailed(
            f"Genesys refused the client credentials ({code}) — check client id and secret"
        )
    if code in {"unauthorized_client", "unsupported_grant_type"}:
        return ProviderConfigError(
            f"Genesys OAuth client {client_id} may not use the client-credentials grant "
            f"({code}) — set its grant type to Client Credentials"
        )
    if reply.status == 404:
        return ProviderConfigError(f"no OAuth token endpoint at {url} — check the environment")
    if reply.status >= 500 or reply.status == 429:
        return ProviderNotReady(f"Genesys login answered HTTP {reply.status}")
    return ProviderAuthFailed(f"Genesys refused the token request ({code})")


def api_error(reply: Reply, method: str, path: str) -> ProviderError:
    """Classify a failed API call; the message names the call and status, never a token."""
    detail = _detail(reply)
    if reply.status == 401:
        return ProviderAuthFailed(
            f"the Genesys API refused a fresh token ({detail}) — check that the environment "
            "is the OAuth client's region"
        )
    if reply.status == 403:
        return ProviderConfigError(
            f"the OAuth client lacks a permission for {method} {path} ({detail})"
        )
    if reply.status >= 500 or reply.status == 429:
        return ProviderNotReady(f"Genesys answered {method} {path} with {detail}")
    return ProviderConfigError(f"Genesys rejected {method} {path} ({detail})")


def _detail(reply: Reply) -> str:
    body = reply.body if isinstance(reply.body, dict) else {}
    code = body.get("code")
    return f"HTTP {reply.status} {code}" if code else f"HTTP {reply.status}"


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _name(err: BaseException) -> str:
    # The exception's class is enough for an admin and never carries a token or a URL query.
    return type(err).__name__ if not str(err) else f"{type(err).__name__}: {err}"
