"""The ``/agent`` namespace: authenticated widgets join conversations of their own tenant."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import socketio

from server.actions.service import ActionService
from server.assist.base import Assistant, Route, SearchRequest
from server.assist.followup import FollowUp
from server.auth.tokens import AgentIdentity, TokenService
from server.bridge.service import DesktopBridges
from server.errors import CuecardError, Forbidden, NotAssigned, TokenExpired
from server.handoff.store import HandoffStore
from server.integrations.models import IntegrationStatus
from server.journal.service import Journal
from server.metrics import Metrics
from server.observability.base import WidgetPresence
from server.queues.resolver import RouteSource
from server.ratelimit import RateLimit, RateLimiter
from server.realtime.catchup import replay_payload
from server.realtime.expiry import ExpiryTimers
from server.realtime.payloads import (
    FeedbackPayload,
    JoinPayload,
    LeavePayload,
    NotesPayload,
    RenewPayload,
    ReplyPayload,
    SearchPayload,
    StepTickPayload,
    parse_payload,
)
from server.realtime.rooms import (
    NAMESPACE,
    agent_room,
    conversation_room,
    integration_status_payload,
    tenant_room,
)
from server.state.base import Claim, StateStore, event_key
from server.store.models import FeedbackAction

log = logging.getLogger(__name__)
Ack = dict[str, Any]
StatusSource = Callable[[str], Sequence[IntegrationStatus]]
# Raised by python-socketio itself; a client naming them is ignored.
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect"})
# Per agent (all of its sockets on this node): searches cost engine time, verdicts a row each.
SEARCH_LIMIT = RateLimit("searches", limit=20, seconds=10, field="search")
FEEDBACK_LIMIT = RateLimit("feedback verdicts", limit=30, seconds=60, field="feedback")
# Each join is answered from the record (a snapshot or a replay): a widget joins once per
# connection or conversation switch, so this bounds a client asking for them in a loop.
JOIN_LIMIT = RateLimit("joins", limit=30, seconds=10, field="join")


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
        journal: Journal,
        assistant: Assistant,
        feedback: FeedbackLog,
        metrics: Metrics,
        presence: WidgetPresence,
        routes: RouteSource | None = None,
        integration_statuses: StatusSource | None = None,
        actions: ActionService | None = None,
        bridges: DesktopBridges | None = None,
        handoffs: HandoffStore | None = None,
        followup: FollowUp | None = None,
    ) -> None:
        super().__init__(NAMESPACE)
        self._handoffs = handoffs
        self._bridges = bridges
        self._followup = followup
        self._actions = actions
        self._integration_statuses = integration_statuses
        self._tokens = tokens
        self._state = state
        self._journal = journal
        self._assistant = assistant
        self._feedback = feedback
        self._metrics = metrics
        self._presence = presence
        self._routes = routes
        # Sockets counted in the gauge: each is counted down once, however it leaves.
        self._connected: set[str] = set()
        self._expiry = ExpiryTimers(self._cut_off)
        self._searches = RateLimiter(SEARCH_LIMIT)
        self._verdicts = RateLimiter(FEEDBACK_LIMIT)
        self._joins = RateLimiter(JOIN_LIMIT)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            identity = self._tokens.verify(token)
        except CuecardError as err:
            log.info("widget connection refused: %s", err.code)
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.to_dict()) from err
        await self.save_session(sid, {"identity": identity})
        self._expiry.watch(sid, identity.expires_at)
        await self.enter_room(sid, agent_room(identity.tenant_id, identity.agent_id))
        await self.enter_room(sid, tenant_room(identity.tenant_id))
        await self._presence.connected(identity.tenant_id, sid)
        self._connected.add(sid)
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
        if event in LIFECYCLE_EVENTS:
            if self._sent_by_client(args):
                log.debug("client-sent %r event ignored", event)
                return None
            return await super().trigger_event(event, *args)
        # Dotted event names (``reply.send``) dispatch to ``on_reply_send``. Every handler
        # takes one payload: arguments a client adds after it are not passed on.
        return await super().trigger_event(event.replace(".", "_"), *args[:2])

    def _sent_by_client(self, args: tuple[Any, ...]) -> bool:
        """A lifecycle event named by a connected client, not raised by the server itself.

        python-socketio dispatches a client's ``connect`` or ``disconnect`` event like any
        other; the server's own are raised while the socket is still connecting or already
        disconnecting, when the manager does not count it as connected.
        """
        return bool(args) and self.server.manager.is_connected(args[0], self.namespace)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._expiry.forget(sid)
        if sid not in self._connected:
            return
        self._connected.discard(sid)
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

    async def on_steps_tick(self, sid: str, data: Any = None) -> Ack:
        return await self._handle(sid, self._tick, data)

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
        self._joins.spend(_agent_key(identity))
        await self._require_visible(identity, payload.conversation_id)
        tenant_id, conversation_id = identity.tenant_id, payload.conversation_id
        # Enter the room before reading the record: an entry written in between then comes
        # live (and maybe in the replay too), and the widget keeps each position once.
        await self.enter_room(sid, conversation_room(tenant_id, conversation_id))
        ack: Ack = {}
        if payload.after is not None:
            replay = await self._journal.replay(tenant_id, conversation_id, payload.after)
            if replay is not None:
                await self.emit("replay", replay_payload(replay), to=sid)
                ack = {"replayed": len(replay.items)}
        if not ack:
            snapshot = await self._journal.snapshot(tenant_id, conversation_id)
            if self._handoffs is not None:
                handoff = await self._handoffs.get(tenant_id, conversation_id)
                if handoff is not None:  # most conversations have none: no copy for them
                    snapshot = snapshot.model_copy(update={"handoff": handoff})
            await self.emit("snapshot", snapshot.model_dump(mode="json"), to=sid)
        # Step card and details are whole-state events outside the record: sent again on
        # every join, a re-join with ``after`` included, so a widget that missed one catches up.
        if self._followup is not None:
            for event, extra in await self._followup.replay(tenant_id, conversation_id):
                await self.emit(event, extra, to=sid)
        return ack

    async def _leave(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(LeavePayload, data)
        await self.leave_room(sid, conversation_room(identity.tenant_id, payload.conversation_id))
        return {}

    async def _search(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(SearchPayload, data)
        self._searches.spend(_agent_key(identity))
        provider, queue = None, None
        if payload.conversation_id is not None and await self._visible(
            identity, payload.conversation_id
        ):
            # Only a conversation the agent may see chooses the knowledge base: naming another
            # queue's conversation must not open that queue's knowledge base to this agent.
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
        self._verdicts.spend(_agent_key(identity))
        # One row per verdict: a repeated click or a retry is acknowledged, not stored again.
        key = verdict_key(identity, payload)
        if await self._state.claim_event(key) is not Claim.TAKEN:
            return {}
        try:
            await self._feedback.record(
                identity.tenant_id,
                payload.conversation_id,
                payload.suggestion_id,
                identity.agent_id,
                payload.action,
            )
        except BaseException:
            await self._state.release_event(key)
            raise
        await self._state.complete_event(key)
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

    async def _tick(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(StepTickPayload, data)
        self._require_joined(sid, identity, payload.conversation_id)
        if self._followup is None:
            raise Forbidden("step cards are not available on this server")
        card = await self._followup.tick(
            identity.tenant_id,
            payload.conversation_id,
            payload.document_id,
            payload.step,
            payload.done,
        )
        return {"next": card.next}

    async def _renew(self, sid: str, identity: AgentIdentity, data: Any) -> Ack:
        payload = parse_payload(RenewPayload, data)
        renewed = self._tokens.verify(payload.token)
        if (renewed.tenant_id, renewed.agent_id) != (identity.tenant_id, identity.agent_id):
            raise Forbidden("the new token is for another agent", field="token")
        await self.save_session(sid, {"identity": renewed})
        self._expiry.watch(sid, renewed.expires_at)
        return {"expires_at": renewed.expires_at}

    async def _cut_off(self, sid: str) -> None:
        """The socket's token expired unrenewed: say so, then disconnect it."""
        identity = await self._identity_or_none(sid)
        if identity is None:
            return
        expired = TokenExpired("the session token has expired")
        await self.emit("error", expired.to_dict(), to=sid)
        await self.disconnect(sid)
        log.debug("widget %s of agent %s cut off at token expiry", sid, identity.agent_id)

    async def _identity_or_none(self, sid: str) -> AgentIdentity | None:
        try:
            session = await self.get_session(sid)
        except KeyError:  # already gone
            return None
        identity: AgentIdentity | None = session.get("identity")
        return identity

    async def aclose(self) -> None:
        """Stop every expiry timer (at shutdown)."""
        await self._expiry.aclose()

    async def _visible(self, identity: AgentIdentity, conversation_id: str) -> bool:
        """Whether the agent may see the conversation (see ``_require_visible``)."""
        try:
            await self._require_visible(identity, conversation_id)
        except NotAssigned:
            return False
        return True

    async def _require_visible(self, identity: AgentIdentity, conversation_id: str) -> None:
        """An agent sees the conversations assigned to them (or reported by their own
        desktop); a supervisor every conversation of the tenant."""
        if identity.supervisor:
            return
        agents = await self._state.conversation_agents(identity.tenant_id, conversation_id)
        if identity.agent_id in agents:
            return
        reporter = await self._state.reporting_agent(identity.tenant_id, conversation_id)
        if reporter == identity.agent_id:
            return
        # Live state may have lost the assignment (a Redis restart); the journal has not.
        if not await self._journal.assigned(identity.tenant_id, conversation_id, identity.agent_id):
            raise NotAssigned(
                "this conversation is not assigned to you; it opens once it is",
                field="conversation_id",
            )

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


def _agent_key(identity: AgentIdentity) -> str:
    return f"{identity.tenant_id}\x1f{identity.agent_id}"


def verdict_key(identity: AgentIdentity, payload: FeedbackPayload) -> str:
    """The de-duplication key of one agent's verdict on one suggestion."""
    parts = (payload.conversation_id, payload.suggestion_id, identity.agent_id, payload.action)
    return event_key(identity.tenant_id, "feedback", "\x1f".join(parts))
