"""The assist pipeline: validate → de-duplicate → update state → assist → emit."""

from __future__ import annotations

import logging
import time
from enum import StrEnum
from typing import Protocol

from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    Message,
    ParticipantHeld,
    ParticipantResumed,
    Speaker,
    Transcript,
    is_utterance,
)
from server.assist.base import Assistant, AssistRequest, Route
from server.conversation import LineIn, Suggestion
from server.metrics import Metrics
from server.queues.resolver import RouteSource
from server.realtime.rooms import Broadcaster
from server.state.base import StateStore, event_key
from server.state.models import Assignment, ConversationMeta, MetaChanges

log = logging.getLogger(__name__)

# The assist step reads this many recent lines; the engine decides which of them matter.
CONTEXT_LINES = 12


class Outcome(StrEnum):
    """What happened to one accepted event."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"


class ConversationRecorder(Protocol):
    """Durable conversation records (the storage layer)."""

    async def record(self, event: Event, meta: ConversationMeta) -> None: ...


class EventObserver(Protocol):
    """Told what became of each event (the event inspector); must return at once."""

    def delivered(self, event: Event, seconds: float, *, suggested: bool) -> None: ...

    def duplicate(self, event: Event, seconds: float) -> None: ...

    def failed(self, event: Event, error: BaseException, seconds: float) -> None: ...


class AnswerStarter(Protocol):
    """Answers a customer turn in the background (server.answers), never blocking the event."""

    def start(self, request: AssistRequest, items: list[Suggestion]) -> None: ...


class Pipeline:
    """Processes each platform event exactly once, however often it is delivered."""

    def __init__(
        self,
        *,
        state: StateStore,
        assistant: Assistant,
        broadcaster: Broadcaster,
        recorder: ConversationRecorder,
        metrics: Metrics,
        observer: EventObserver,
        suggestions_per_event: int = 3,
        answers: AnswerStarter | None = None,
        routes: RouteSource | None = None,
    ) -> None:
        self._state = state
        self._assistant = assistant
        self._broadcaster = broadcaster
        self._recorder = recorder
        self._metrics = metrics
        self._observer = observer
        self._limit = suggestions_per_event
        self._answers = answers
        self._routes = routes

    async def process(self, event: Event) -> Outcome:
        """Run one event through the pipeline unless another delivery already did."""
        started = time.perf_counter()
        key = event_key(event.tenant_id, event.provider, event.provider_event_id)
        if not await self._state.claim_event(key):
            self._metrics.duplicates_dropped.labels(event.provider).inc()
            self._observer.duplicate(event, time.perf_counter() - started)
            log.debug("duplicate %s/%s dropped", event.provider, event.provider_event_id)
            return Outcome.DUPLICATE
        try:
            suggested = await self._apply(event)
        except BaseException as err:
            if isinstance(err, Exception):
                self._observer.failed(event, err, time.perf_counter() - started)
            # Give the event back so the platform's retry can process it.
            await self._state.release_event(key)
            raise
        await self._state.complete_event(key)
        elapsed = time.perf_counter() - started
        self._metrics.pipeline_latency.observe(elapsed)
        self._metrics.events_ingested.labels(event.provider, event.kind).inc()
        self._observer.delivered(event, elapsed, suggested=suggested)
        return Outcome.PROCESSED

    async def _apply(self, event: Event) -> bool:
        """Apply the event; True if suggestions were pushed for it."""
        changes = meta_changes(event)
        if changes is not None:
            await self._change_status(event, changes)
        if is_utterance(event):
            return await self._add_line(event)
        return False

    async def _change_status(self, event: Event, changes: MetaChanges) -> None:
        # The provider rides along so the widget's search can route like the pipeline does.
        changes = changes.model_copy(update={"provider": event.provider})
        meta = await self._state.update_meta(event.tenant_id, event.conversation_id, changes)
        await self._recorder.record(event, meta)
        await self._broadcaster.status(event.tenant_id, meta)
        if isinstance(event, AgentAssigned):
            assignment = Assignment(conversation_id=event.conversation_id, queue=event.queue)
            await self._state.assign(event.tenant_id, event.agent_id, assignment)
            await self._broadcaster.assigned(event.tenant_id, event.agent_id, assignment)

    async def _add_line(self, event: Message | Transcript) -> bool:
        line = LineIn(
            event_id=event.provider_event_id,
            speaker=event.speaker,
            text=event.text,
            occurred_at=event.occurred_at,
        )
        numbered = await self._state.append_line(event.tenant_id, event.conversation_id, line)
        await self._broadcaster.transcript(event.tenant_id, event.conversation_id, numbered)
        if line.speaker is Speaker.CUSTOMER:
            return await self._assist(event)
        return False

    async def _assist(self, event: Event) -> bool:
        try:
            lines = await self._state.recent_lines(
                event.tenant_id, event.conversation_id, CONTEXT_LINES
            )
            meta = await self._state.meta(event.tenant_id, event.conversation_id)
            queue = event.queue or meta.queue
            request = AssistRequest(
                tenant_id=event.tenant_id,
                conversation_id=event.conversation_id,
                provider=event.provider,
                queue=queue,
                route=await self._route(event.tenant_id, event.provider, queue),
                lines=lines,
                trigger_event_id=event.provider_event_id,
                limit=self._limit,
            )
            items = await self._assistant.suggest(request)
        except Exception:
            # A failed suggestion must not fail the event: the transcript line stands.
            self._metrics.assist_failures.inc()
            log.exception("assist failed for conversation %s", event.conversation_id)
            return False
        if items:
            await self._state.set_suggestions(event.tenant_id, event.conversation_id, items)
            await self._broadcaster.suggestions(
                event.tenant_id, event.conversation_id, event.provider_event_id, items
            )
            self._metrics.suggestions_emitted.inc(len(items))
        if self._answers is not None:
            # Even a turn without suggestions supersedes the previous turn's answer.
            self._answers.start(request, items)
        return bool(items)

    async def _route(self, tenant_id: str, provider: str, queue: str | None) -> Route:
        if self._routes is None:
            return Route()
        return await self._routes.resolve(tenant_id, provider, queue)


def meta_changes(event: Event) -> MetaChanges | None:
    """How an event changes the conversation's status, or None if it does not."""
    match event:
        case ConversationStarted():
            return MetaChanges(status="open", media=event.media, queue=event.queue)
        case AgentAssigned():
            return MetaChanges(agent_id=event.agent_id, queue=event.queue)
        case ParticipantHeld():
            return MetaChanges(status="held")
        case ParticipantResumed():
            return MetaChanges(status="open")
        case ConversationEnded():
            return MetaChanges(status="ended")
    return None
