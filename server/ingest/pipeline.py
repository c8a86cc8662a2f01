"""The assist pipeline: validate → de-duplicate → update state → assist → emit."""

from __future__ import annotations

import logging
import time
from enum import StrEnum
from typing import Protocol

from providers.models import (
    AgentAssigned,
    ConversationAlert,
    ConversationEnded,
    ConversationStarted,
    Event,
    ExternalSuggestions,
    HandoffContext,
    Message,
    ParticipantHeld,
    ParticipantResumed,
    Speaker,
    Transcript,
    is_utterance,
)
from server.assist.base import Assistant, AssistRequest, Route
from server.conversation import Line, LineIn, Suggestion
from server.errors import InProgress
from server.handoff.models import Handoff
from server.handoff.store import HandoffStore
from server.metrics import Metrics
from server.queues.resolver import RouteSource
from server.realtime.rooms import Broadcaster
from server.state.base import Claim, StateStore, event_key
from server.state.claims import claim_kept
from server.state.models import Assignment, ConversationMeta, MetaChanges

log = logging.getLogger(__name__)

# The assist step reads this many recent lines; the engine decides which of them matter.
CONTEXT_LINES = 12
# A live node finishes an event within milliseconds; a dead node's claim lapses within
# CLAIM_SECONDS. Retrying a little later covers the first case and repeats through the second.
IN_PROGRESS_RETRY_SECONDS = 2


class Outcome(StrEnum):
    """What happened to one accepted event."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    # Another delivery of the same event is being processed; nothing was done with this one.
    IN_PROGRESS = "in_progress"


def in_progress(event: Event, results: list[dict[str, str]], field: str | None) -> InProgress:
    """The answer for a pushed event another delivery is still processing: not success, so
    the sender retries until that delivery has finished (or its claim lapsed)."""
    return InProgress(
        f"event {event.provider_event_id} is being processed by another delivery; "
        f"retry in {IN_PROGRESS_RETRY_SECONDS} s",
        retry_after=IN_PROGRESS_RETRY_SECONDS,
        field=field,
        results=results,
    )


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
        handoffs: HandoffStore | None = None,
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
        self._handoffs = handoffs

    async def process(self, event: Event) -> Outcome:
        """Run one event through the pipeline unless another delivery already did."""
        started = time.perf_counter()
        key = event_key(event.tenant_id, event.provider, event.provider_event_id)
        claim = await self._state.claim_event(key)
        if claim is Claim.DONE:
            self._metrics.duplicate(event.provider)
            self._observer.duplicate(event, time.perf_counter() - started)
            log.debug("duplicate %s/%s dropped", event.provider, event.provider_event_id)
            return Outcome.DUPLICATE
        if claim is Claim.IN_PROGRESS:
            log.debug("%s/%s in progress elsewhere", event.provider, event.provider_event_id)
            return Outcome.IN_PROGRESS
        try:
            async with claim_kept(self._state, key):
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
        self._metrics.ingested(event.provider, event.kind)
        self._observer.delivered(event, elapsed, suggested=suggested)
        return Outcome.PROCESSED

    async def _apply(self, event: Event) -> bool:
        """Apply the event; True if suggestions were pushed for it."""
        changes = meta_changes(event)
        if changes is not None:
            await self._change_status(event, changes)
        if is_utterance(event):
            return await self._add_line(event)
        if isinstance(event, HandoffContext):
            return await self._handoff(event)
        return await self._pass_on(event)

    async def _pass_on(self, event: Event) -> bool:
        """Events shown live and not kept: partial lines, the platform's cards, alerts."""
        match event:
            case Transcript(is_final=False):
                await self._broadcaster.partial(event)
            case ExternalSuggestions():
                await self._broadcaster.external_suggestions(event)
                return True
            case ConversationAlert():
                await self._broadcaster.alert(event)
        return False

    async def _change_status(self, event: Event, changes: MetaChanges) -> None:
        # The provider rides along so the widget's search can route like the pipeline does.
        changes = changes.model_copy(update={"provider": event.provider})
        meta = await self._state.update_meta(event.tenant_id, event.conversation_id, changes)
        await self._recorder.record(event, meta)
        await self._broadcaster.status(event.tenant_id, meta)
        if isinstance(event, AgentAssigned):
            assignment = Assignment(conversation_id=event.conversation_id, queue=event.queue)
            # Recorded before the agent hears of it, so the widget's join that follows passes.
            await self._state.add_conversation_agent(
                event.tenant_id, event.conversation_id, event.agent_id
            )
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

    async def _handoff(self, event: HandoffContext) -> bool:
        """Keep and show the context, and search with it before anyone speaks."""
        handoff = Handoff.of(event)
        if self._handoffs is not None:
            await self._handoffs.put(event.tenant_id, event.conversation_id, handoff)
        await self._broadcaster.handoff(event.tenant_id, event.conversation_id, handoff)
        turn = handoff.as_customer_turn()
        return turn is not None and await self._assist(event, opening=turn)

    async def _assist(self, event: Event, opening: LineIn | None = None) -> bool:
        """Suggest for the conversation's newest customer turn (``opening``: the handoff's
        intent and summary, searched as if the customer had said them; never stored)."""
        try:
            lines = await self._state.recent_lines(
                event.tenant_id, event.conversation_id, CONTEXT_LINES
            )
            if opening is not None:
                seq = lines[-1].seq + 1 if lines else 1
                lines = [*lines, Line(**opening.model_dump(), seq=seq)]
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
