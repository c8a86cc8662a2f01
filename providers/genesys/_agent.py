"""Genesys Cloud calls made for one agent: code exchange, token checks, replies, wrap-up notes.

A private module of ``client.py``: the integration's own client there holds the
client-credentials grant; this one only ever uses an agent's token, passed per call. Tokens
are never logged and never part of an error message. Endpoints (platform-client-sdk
ConversationsApi / TokensApi / UsersApi):

- ``POST {login}/oauth/token`` grant_type=authorization_code | refresh_token (protocols.md 2.1)
- ``GET /api/v2/tokens/me`` -> TokenInfo, ``GET /api/v2/users/me`` -> User (protocols.md 2.3)
- ``GET /api/v2/conversations/{conversationId}`` -> Conversation
- ``POST /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages``
  body AdditionalMessage ``{"textBody": ...}`` -> MessageData
- ``POST /api/v2/conversations/messages/{conversationId}/participants/{participantId}/
  communications/{communicationId}/wrapup`` body WrapupInput -> 202
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from providers.base import AgentGrant
from providers.errors import (
    ActionRefused,
    AgentTokenRejected,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)
from providers.genesys.config import GenesysSettings

ModelT = TypeVar("ModelT", bound=BaseModel)


class LoginRefused(ProviderError):
    """The token endpoint refused the authorization code or refresh token."""

    code = "genesys_login_refused"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class OrganizationRef(_Model):
    """``{id, name}`` of an organization."""

    id: str
    name: str | None = None


class TokenInfo(_Model):
    """``GET /api/v2/tokens/me``: whose organization a token belongs to."""

    organization: OrganizationRef
    home_organization: OrganizationRef | None = Field(default=None, alias="homeOrganization")


class GenesysUser(_Model):
    """``GET /api/v2/users/me``: the signed-in user."""

    id: str
    name: str
    email: str | None = None


class Communication(_Model):
    """One media session of a participant (``participants[].messages[]``)."""

    id: str
    state: str | None = None
    type: str | None = None


class Participant(_Model):
    """A conversation participant, with its message communications."""

    id: str
    purpose: str | None = None
    user_id: str | None = Field(default=None, alias="userId")
    messages: tuple[Communication, ...] = ()


class Conversation(_Model):
    """``GET /api/v2/conversations/{conversationId}``, as far as agent actions need it."""

    id: str
    participants: tuple[Participant, ...] = ()


class AgentClient:
    """Agent-token calls over a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def exchange_code(
        self, settings: GenesysSettings, *, code: str, code_verifier: str, redirect_uri: str
    ) -> AgentGrant:
        """Trade an authorization code and its PKCE verifier for the agent's tokens."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "client_id": settings.agent_client_id or "",
            "redirect_uri": redirect_uri,
        }
        return await self._token(settings, form)

    async def refresh(self, settings: GenesysSettings, refresh_token: SecretStr) -> AgentGrant:
        """A fresh access token for a refresh token (public client: client_id, no secret)."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token.get_secret_value(),
            "client_id": settings.agent_client_id or "",
        }
        return await self._token(settings, form)

    async def token_info(self, settings: GenesysSettings, token: SecretStr) -> TokenInfo:
        """The organization the token belongs to."""
        body = await self._api(settings, token, "GET", "/api/v2/tokens/me")
        return _parse(TokenInfo, body, "tokens/me")

    async def me(self, settings: GenesysSettings, token: SecretStr) -> GenesysUser:
        """The user the token speaks for."""
        body = await self._api(settings, token, "GET", "/api/v2/users/me")
        return _parse(GenesysUser, body, "users/me")

    async def conversation(
        self, settings: GenesysSettings, token: SecretStr, conversation_id: str
    ) -> Conversation:
        """A conversation with its participants and their communications."""
        path = f"/api/v2/conversations/{_segment(conversation_id)}"
        return _parse(Conversation, await self._api(settings, token, "GET", path), "conversation")

    async def send_message(
        self,
        settings: GenesysSettings,
        token: SecretStr,
        conversation_id: str,
        communication_id: str,
        text: str,
    ) -> str:
        """Post ``text`` on the agent's communication; returns the new message's id."""
        path = (
            f"/api/v2/conversations/messages/{_segment(conversation_id)}"
            f"/communications/{_segment(communication_id)}/messages"
        )
        body = await self._api(settings, token, "POST", path, {"textBody": text})
        message_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(message_id, str):
            raise ProviderNotReady("Genesys Cloud accepted the message but returned no id")
        return message_id

    async def save_wrapup_notes(
        self,
        settings: GenesysSettings,
        token: SecretStr,
        *,
        conversation_id: str,
        participant_id: str,
        communication_id: str,
        notes: str,
    ) -> None:
        """Save ``notes`` as the agent's provisional wrap-up (no wrap-up code needed)."""
        path = (
            f"/api/v2/conversations/messages/{_segment(conversation_id)}"
            f"/participants/{_segment(participant_id)}"
            f"/communications/{_segment(communication_id)}/wrapup"
        )
        await self._api(settings, token, "POST", path, {"notes": notes, "provisional": True})

    async def _token(self, settings: GenesysSettings, form: dict[str, str]) -> AgentGrant:
        url = f"{settings.login_url}/oauth/token"
        try:
            async with self._session.post(url, data=form) as response:
                body = await _json(response)
                _check_token_response(response.status, body, settings)
        except aiohttp.ClientError as err:
            raise ProviderNotReady(
                f"Genesys Cloud login unreachable: {type(err).__name__}"
            ) from err
        return _parse(AgentGrant, body, "oauth/token")

    async def _api(
        self,
        settings: GenesysSettings,
        token: SecretStr,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
        try:
            async with self._session.request(
                method, settings.api_url + path, json=body, headers=headers
            ) as response:
                payload = await _json(response)
                _check_api_response(response.status, payload)
                return payload
        except aiohttp.ClientError as err:
            raise ProviderNotReady(f"Genesys Cloud unreachable: {type(err).__name__}") from err


def _segment(value: str) -> str:
    return quote(value, safe="")


async def _json(response: aiohttp.ClientResponse) -> Any:
    if response.status == 204 or not response.content_type.endswith("json"):
        return None
    try:
        return await response.json()
    except ValueError:
        return None


def _check_token_response(status: int, body: Any, settings: GenesysSettings) -> None:
    if status < 400:
        return
    fields = body if isinstance(body, dict) else {}
    error = fields.get("error")
    if status == 401 or error in {"invalid_client", "unauthorized_client"}:
        raise ProviderConfigError(
            f"Genesys Cloud refused OAuth client {settings.agent_client_id}: check that it is a "
            "Code Authorization client with cuecard's redirect URI"
        )
    if status >= 500 or status == 429:
        raise ProviderNotReady(f"Genesys Cloud login answered {status}")
    description = fields.get("description") or fields.get("error_description")
    raise LoginRefused(f"Genesys Cloud refused the sign-in: {description or error or status}")


def _check_api_response(status: int, body: Any) -> None:
    if status < 400:
        return
    message = body.get("message") if isinstance(body, dict) else None
    if status == 401:
        raise AgentTokenRejected("the Genesys Cloud session has expired or was signed out")
    if status >= 500 or status == 429:
        raise ProviderNotReady(f"Genesys Cloud answered {status}")
    raise ActionRefused(f"Genesys Cloud refused the request: {message or status}")


def _parse(model: type[ModelT], body: Any, what: str) -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as err:
        raise ProviderNotReady(f"Genesys Cloud sent an unexpected {what} response") from err
