"""The ``/agent`` namespace: authenticated widgets join conversations of their own tenant."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import socketio

from server.actions.service import ActionService
from server.assist.base import Assistant, Route, SearchRequest
from server.auth.tokens import AgentIdentity, TokenService
from server.bridge.service import DesktopBridges
from server.errors import CuecardError, Forbidden
from server.integrations.models import IntegrationStatus
from server.metrics import Metrics
from server.observability.base import WidgetPresence
from server.queues.resolver import RouteSource
from server.realtime.payloads import (
    FeedbackPayload,
    JoinPayload,
    LeavePayload,
    NotesPayload,
    RenewPayload,
    ReplyPayload,
    SearchPayload,
    parse_payload,
)
from server.realtime.rooms import (
    NAMESPACE,
    agent_room,
    conversation_room,
    integration_status_payload,
    tenant_room,
)
from server.state.base import StateStore
from server.store.models import FeedbackAction

log = logging.getLogger(__name__)
Ack = dict[str, Any]
StatusSource = Callable[[str], Sequence[IntegrationStatus]]


class FeedbackLog(Protocol):
    """Where agents' verdicts on suggestions are kept."""

    async def record(
        self,
        tenant_id: str,
        conversation_id: str,
        suggestion_id: str,
        agent_id: str,
        action: FeedbackAction,
    ) -> object: ...


class AgentNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Handlers for widget connections; every handler acts within the token's tenant."""

    def __init__(
        self,
        *,
        tokens: TokenService,
        state: StateStore,
        assistant: Assistant,
        feedback: FeedbackLog,
        metrics: Metrics,
        presence: WidgetPresence,
        routes: RouteSource | None = None,
        integration_statuses: StatusSource | None = None,
        actions: ActionService | None = None,
        bridges: DesktopBridges | None = None,
    ) -> None:
        super().__init__(NAMESPACE)
        self._bridges = bridges
        self._actions = actions
        self._integration_statuses = integration_statuses
        self._tokens = tokens
        self._state = state
        self._assistant = assistant
        self._feedback = feedback
        self._metrics = metrics
        self._presence = presence
        self._routes = routes

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            identity = self._tokens.verify(token)
        except CuecardError as err:
            log.info("widget connection refused: %s", err.code)
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.to_dict()) from err
        await self.save_session(sid, {"identity": identity})
        await self.enter_room(sid, agent_room(identity.tenant_id, identity.agent_id))
        await self.enter_room(sid, tenant_room(identity.tenant_id))
        await self._presence.connected(identity.tenant_id, sid)
        self._metrics.connected_widgets.inc()
        log.debug("widget %s connected for agent %s", sid, identity.agent_id)
        assignment = await self._state.assignment(identity.tenant_id, identity.agent_id)
        if assignment is not None:
            await self.emit("assigned", assignment.model_dump(), to=sid)
        await self._send_integration_statuses(sid, identity.tenant_id)

    async def _send_integration_statuses(self, sid: str, tenant_id: str) -> None:
        """A widget opened during an outage learns of it at once, not at the next change."""
        if self._integration_statuses is None:
            return
        for status in self._integration_statuses(tenant_id):
            if status.state != "connected":
                payload = integration_status_payload(status)
                await self.emit("integration.status", payload, to=sid)

    async def trigger_event(self, event: str, *args: Any) -> Any:
        # Dotted event names (``reply.send``) dispatch to ``on_reply_send``.
        return await super().trigger_event(event.replace(".", "_") if event else event, *args)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._metrics.connected_widgets.dec()
        await self._presence.disconnected(sid)
        if self._bridges is not None:
            self._bridges.forget(sid)

    async def on_join(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._join, data)

    async def on_leave(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._leave, data)

    async def on_search(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._search, data)

    async def on_feedback(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._give_feedback, data)

    async def on_reply_send(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._send_reply, data)

    async def on_notes_save(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._save_notes, data)

    async def on_session_renew(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._renew, data)

    async def on_bridge_event(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._bridge_event, data)

    async def _handle(self, sid: str, handler: Any, data: Any) -> Ack:
        try:
            identity = await self._identity(sid)
            result: Ack = await handler(sid, identity, data)
        except CuecardError as err:
            await self.emit("error", err.to_dict(), to=sid)
            return {"ok": False, "error": err.to_dict()}
        return {"ok": True, **result}

    async def _identity(self, sid: str) -> AgentIdentity:
        session = await self.get_session(sid)
        identity: AgentIdentity = session["identity"]
        # Tokens are checked again on every event, so a long-lived socket outlives no token.
        self._tokens.verify_not_expired(identity)
        return identity

    async def _join(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(JoinPayload, data)
        room = conversation_room(identity.tenant_id, payload.conversation_id)
        # Enter the room before reading the snapshot: a line emitted in between is then
        # both in the snapshot and live, and the widget de-duplicates it by seq.
        await self.enter_room(sid, room)
        snapshot = await self._state.snapshot(identity.tenant_id, payload.conversation_id)
        await self.emit("snapshot", snapshot.model_dump(mode="json"), to=sid)
        return {}

    async def _leave(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(LeavePayload, data)
        await self.leave_room(sid, conversation_room(identity.tenant_id, payload.conversation_id))
        return {}

    async def _search(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(SearchPayload, data)
        provider, queue = None, None
        if payload.conversation_id is not None:
            meta = await self._state.meta(identity.tenant_id, payload.conversation_id)
            provider, queue = meta.provider, meta.queue
        route = (
            await self._routes.resolve(identity.tenant_id, provider, queue)
            if self._routes is not None
            else Route()
        )
        request = SearchRequest(
            tenant_id=identity.tenant_id, query=payload.query, queue=queue, route=route
        )
        results = await self._assistant.search(request)
        return {"results": [item.model_dump(mode="json") for item in results]}

    async def _give_feedback(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(FeedbackPayload, data)
        room = conversation_room(identity.tenant_id, payload.conversation_id)
        if room not in self.rooms(sid):
            raise Forbidden("join the conversation before giving feedback", field="conversation_id")
        await self._feedback.record(
            identity.tenant_id,
            payload.conversation_id,
            payload.suggestion_id,
            identity.agent_id,
            payload.action,
        )
        return {}

    async def _send_reply(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(ReplyPayload, data)
        self._require_joined(sid, identity, payload.conversation_id)
        result = await self._agent_actions().send_reply(
            identity, payload.conversation_id, payload.text, payload.request_id
        )
        return result.model_dump()

    async def _save_notes(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(NotesPayload, data)
        self._require_joined(sid, identity, payload.conversation_id)
        result = await self._agent_actions().save_notes(
            identity, payload.conversation_id, payload.text, payload.request_id
        )
        return result.model_dump()

    async def _renew(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(RenewPayload, data)
        renewed = self._tokens.verify(payload.token)
        if (renewed.tenant_id, renewed.agent_id) != (identity.tenant_id, identity.agent_id):
            raise Forbidden("the new token is for another agent", field="token")
        await self.save_session(sid, {"identity": renewed})
        return {"expires_at": renewed.expires_at}

    async def _bridge_event(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        if self._bridges is None:
            raise Forbidden("the desktop bridge is not available on this server")
        return await self._bridges.report(sid, identity, data)

    def _require_joined(self, sid: str, identity: AgentIdentity, conversation_id: str) -> None:
        if conversation_room(identity.tenant_id, conversation_id) not in self.rooms(sid):
            raise Forbidden("join the conversation first", field="conversation_id")

    def _agent_actions(self) -> ActionService:
        if self._actions is None:
            raise Forbidden("agent actions are not available on this server")
        return self._actions
