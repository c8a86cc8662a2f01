"""``bridge.event``: check a desktop's message, bind its conversation, run its events.

Example::

    bridges = DesktopBridges(platforms=enabled, state=state, pipeline=pipeline)
    ack = await bridges.report(sid, identity, {"platform": platform, "message": posted})
    # {"accepted": 1, "duplicates": 0, "results": [{"provider_event_id": ..., "status": ...}]}
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pydantic import BaseModel, RootModel, ValidationError

from providers.base import BridgeContext, Capability, DesktopBridge
from providers.errors import BridgeRefused, PayloadInvalid
from providers.models import Event
from server.auth.tokens import AgentIdentity
from server.bridge.limits import SocketRateLimit
from server.bridge.platforms import EnabledPlatforms
from server.errors import Forbidden, InvalidInput, invalid_input
from server.ingest.pipeline import Outcome, in_progress
from server.realtime.payloads import BridgeEventPayload, parse_payload
from server.state.base import StateStore

log = logging.getLogger(__name__)


class DesktopRefused(Forbidden):
    """The platform's bridge refused the message (e.g. another agent's desktop)."""

    code = "bridge_refused"


class EventSink(Protocol):
    """Where accepted events go: the pipeline, as for every other source."""

    async def process(self, event: Event) -> Outcome: ...


class DesktopBridges:
    """Turns ``bridge.event`` messages into pipeline events, within the session's tenant."""

    def __init__(
        self,
        *,
        platforms: EnabledPlatforms,
        state: StateStore,
        pipeline: EventSink,
        rate_limit: SocketRateLimit | None = None,
    ) -> None:
        self._platforms = platforms
        self._state = state
        self._pipeline = pipeline
        self._rate_limit = rate_limit or SocketRateLimit()

    async def report(self, sid: str, identity: AgentIdentity, data: Any) -> dict[str, Any]:
        """Process one forwarded desktop message; the ack mirrors POST /api/v1/events."""
        self._rate_limit.hit(sid)
        payload = parse_payload(BridgeEventPayload, data)
        bridge, context = await self._bridge(identity, payload.platform)
        message = _validate(bridge.message_model, payload.message)
        events = _map(bridge, message, context, payload.platform)
        field = _conversation_field(payload.message)
        for conversation_id in dict.fromkeys(event.conversation_id for event in events):
            await self._claim(identity, payload.platform, conversation_id, field)
        results: list[dict[str, str]] = []
        for event in events:
            outcome = await self._pipeline.process(event)
            if outcome is Outcome.IN_PROGRESS:
                # Not done: another delivery (the agent's other tab) holds it and may yet fail.
                # Refused, so the widget sends it again, as a platform retries a webhook.
                raise in_progress(event, results, "message")
            results.append({"provider_event_id": event.provider_event_id, "status": outcome.value})
        accepted = sum(1 for result in results if result["status"] == Outcome.PROCESSED)
        return {"accepted": accepted, "duplicates": len(results) - accepted, "results": results}

    def forget(self, sid: str) -> None:
        """The socket disconnected: drop what is kept about it."""
        self._rate_limit.forget(sid)

    async def _bridge(
        self, identity: AgentIdentity, platform: str
    ) -> tuple[DesktopBridge, BridgeContext]:
        manifest = self._platforms.manifest(platform)
        if manifest is None or not manifest.has(Capability.DESKTOP_BRIDGE) or not manifest.bridge:
            raise InvalidInput(f"{platform!r} has no desktop bridge", field="platform")
        settings = await self._platforms.settings(identity.tenant_id, platform)
        if settings is None:
            raise Forbidden(
                f"{manifest.display_name} is not enabled for this tenant", field="platform"
            )
        context = BridgeContext(identity.tenant_id, identity.agent_id, settings)
        return manifest.bridge, context

    async def _claim(
        self, identity: AgentIdentity, platform: str, conversation_id: str, field: str
    ) -> None:
        """Refuse a conversation another agent (or another source) owns; bind it otherwise."""
        tenant_id, agent_id = identity.tenant_id, identity.agent_id
        meta = await self._state.meta(tenant_id, conversation_id)
        if meta.provider not in (None, platform):
            raise Forbidden(
                f"conversation {conversation_id} comes from another source, not this desktop",
                field=field,
            )
        assigned_elsewhere = meta.agent_id not in (None, agent_id)
        if assigned_elsewhere or (
            await self._state.bind_reporting_agent(tenant_id, conversation_id, agent_id) != agent_id
        ):
            log.debug("bridge: agent %s refused for conversation %s", agent_id, conversation_id)
            raise Forbidden(
                f"conversation {conversation_id} belongs to another agent's desktop", field=field
            )


def _validate(model: type[BaseModel], message: Any) -> BaseModel:
    """The message as the platform's model reads it; errors name ``message.<field>``."""
    try:
        return model.model_validate(message)
    except ValidationError as err:
        raise invalid_input(err, prefix="message", tagged=_is_tagged_union(model)) from err


def _is_tagged_union(model: type[BaseModel]) -> bool:
    # pydantic puts the tag first in the error locations of a discriminated union.
    return issubclass(model, RootModel) and model.model_fields["root"].discriminator is not None


def _map(
    bridge: DesktopBridge, message: BaseModel, context: BridgeContext, platform: str
) -> list[Event]:
    try:
        events = bridge.to_events(message, context)
    except BridgeRefused as err:
        raise DesktopRefused(str(err), field="message") from err
    except PayloadInvalid as err:
        raise InvalidInput(str(err), field="message") from err
    for event in events:
        # A bridge speaks for the session's tenant and its own platform only, whatever it maps.
        if event.tenant_id != context.tenant_id or event.provider != platform:
            log.error("bridge %s mapped an event outside its tenant or platform", platform)
            raise Forbidden("the desktop message maps outside this tenant", field="message")
    return events


def _conversation_field(message: Any) -> str:
    """Where the message names its conversation, for errors about it."""
    if isinstance(message, dict) and "conversation_id" in message:
        return "message.conversation_id"
    return "message"
