"""Agent actions: send a reply into the conversation, save wrap-up notes.

Every request carries a client-chosen ``request_id``. The first request with an id is carried
out; a retry with the same id (a lost acknowledgement, a double click) gets the first one's
result and posts nothing again. A burst of actions from one agent is refused, not queued.

Example::

    result = await actions.send_reply(identity, "conv-1", "Your refund is on its way", "r-7f3a")
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from server.auth.tokens import AgentIdentity
from server.errors import Conflict, InvalidInput
from server.ratelimit import RateLimit, RateLimiter
from server.state.base import Claim, StateStore
from server.state.claims import ClaimKeeper

log = logging.getLogger(__name__)

ActionKind = Literal["reply", "notes"]
RESULT_SECONDS = 24 * 3600
# A burst of actions from one agent is refused, not queued.
ACTIONS_LIMIT = RateLimit("actions", limit=10, seconds=10.0)


class ActionResult(BaseModel):
    """What an action's acknowledgement carries; the same for every retry of one request."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    conversation_id: str
    message_id: str | None = None


class PlatformActions(Protocol):
    """One platform's way of carrying out agent actions with the agent's own credentials."""

    async def send_reply(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> str:
        """Post ``text`` into the conversation as the agent; the platform's message id."""

    async def save_notes(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> None:
        """Save ``text`` as the agent's wrap-up notes for the conversation."""


ProviderOf = Callable[[str, str], Awaitable[str | None]]
"""(tenant_id, conversation_id) -> the platform the conversation lives on, if known."""

SettingsLookup = Callable[[str, str], Awaitable[object | None]]
"""(tenant_id, platform) -> the tenant's enabled settings of the platform, None if none."""


class ConversationPlatforms:
    """Which platform a conversation lives on, for its agent actions (a ``ProviderOf``).

    The live state knows once cuecard saw the conversation's first event. A widget may act
    before that: the conversation is then taken to be on the first of ``candidates`` the
    tenant has an integration of; that platform itself refuses a conversation the agent is
    not on.
    """

    def __init__(
        self, state: StateStore, settings: SettingsLookup, candidates: Sequence[str]
    ) -> None:
        self._state = state
        self._settings = settings
        self._candidates = tuple(candidates)

    async def __call__(self, tenant_id: str, conversation_id: str) -> str | None:
        known = (await self._state.meta(tenant_id, conversation_id)).provider
        if known is not None:
            return known
        for platform in self._candidates:
            if await self._settings(tenant_id, platform) is not None:
                return platform
        return None


class ActionService:
    """Routes actions to the conversation's platform, once per request id."""

    def __init__(
        self,
        *,
        state: StateStore,
        platforms: Mapping[str, PlatformActions],
        provider_of: ProviderOf,
    ) -> None:
        self._state = state
        self._claims = ClaimKeeper(state)
        self._platforms = platforms
        self._provider_of = provider_of
        self._budget = RateLimiter(ACTIONS_LIMIT)

    async def send_reply(
        self, identity: AgentIdentity, conversation_id: str, text: str, request_id: str
    ) -> ActionResult:
        """Send ``text`` to the customer as the agent."""

        async def send(platform: PlatformActions) -> ActionResult:
            message_id = await platform.send_reply(
                identity.tenant_id, identity.agent_id, conversation_id, text
            )
            return ActionResult(
                request_id=request_id, conversation_id=conversation_id, message_id=message_id
            )

        return await self._once(identity, "reply", conversation_id, request_id, send)

    async def save_notes(
        self, identity: AgentIdentity, conversation_id: str, text: str, request_id: str
    ) -> ActionResult:
        """Save ``text`` as the agent's wrap-up notes."""

        async def save(platform: PlatformActions) -> ActionResult:
            await platform.save_notes(identity.tenant_id, identity.agent_id, conversation_id, text)
            return ActionResult(request_id=request_id, conversation_id=conversation_id)

        return await self._once(identity, "notes", conversation_id, request_id, save)

    async def _once(
        self,
        identity: AgentIdentity,
        kind: ActionKind,
        conversation_id: str,
        request_id: str,
        perform: Callable[[PlatformActions], Awaitable[ActionResult]],
    ) -> ActionResult:
        key = f"{identity.tenant_id}\x1faction\x1f{identity.agent_id}\x1f{kind}\x1f{request_id}"
        done = await self._state.get_ephemeral(f"action-result:{key}")
        if done is not None:
            return ActionResult.model_validate_json(done)
        self._check_rate(identity)
        platform = await self._platform(identity.tenant_id, conversation_id)
        if await self._state.claim_event(key) is not Claim.TAKEN:
            raise Conflict("this request is already being carried out", field="request_id")
        self._claims.hold(key)
        try:
            result = await perform(platform)
        except BaseException:
            self._claims.release(key)
            await self._state.release_event(key)
            raise
        self._claims.release(key)
        await self._state.put_ephemeral(
            f"action-result:{key}", result.model_dump_json(), RESULT_SECONDS
        )
        await self._state.complete_event(key)
        log.debug("agent %s: %s done for conversation %s", identity.agent_id, kind, conversation_id)
        return result

    async def _platform(self, tenant_id: str, conversation_id: str) -> PlatformActions:
        provider = await self._provider_of(tenant_id, conversation_id)
        platform = self._platforms.get(provider or "")
        if platform is None:
            raise InvalidInput(
                "this conversation's platform does not support agent actions",
                field="conversation_id",
            )
        return platform

    def _check_rate(self, identity: AgentIdentity) -> None:
        self._budget.spend(f"{identity.tenant_id}\x1f{identity.agent_id}")
