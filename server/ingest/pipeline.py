"""The assist pipeline: validate → de-duplicate → update state → assist → emit."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from enum import StrEnum
from typing import NamedTuple, Protocol

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
from server.assist.followup import FollowUp
from server.assist.models import CardSet
from server.conversation import Line, LineIn, Suggestion
from server.errors import CuecardError, InProgress
from server.handoff.models import Handoff
from server.handoff.store import HandoffStore
from server.ingest.live import LiveWriter
from server.metrics import Metrics
from server.queues.resolver import RouteSource
from server.realtime.rooms import Broadcaster
from server.state.base import Claim, StateStore, event_key
from server.state.claims import ClaimKeeper
from server.state.models import Assignment, ConversationMeta, MetaChanges

log = logging.getLogger(__name__)

# The assist step reads this many recent lines; the engine decides which of them matter. A
# problem stated before a long run of verification questions must still be in reach.
CONTEXT_LINES = 40
# A live node finishes an event within milliseconds; a dead node's claim lapses within
# CLAIM_SECONDS. Retrying a little later covers the first case and repeats through the second.
IN_PROGRESS_RETRY_SECONDS = 2
# A platform retries a failed delivery within minutes; an hour covers slow back-offs.
FAILED_MEMORY_SECONDS = 3600


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


class Applied(NamedTuple):
    """What applying an event did."""

    # The journal had everything the event shows: an earlier delivery processed it (and
    # Redis forgot, or the delivery failed after recording).
    recorded_before: bool
    suggested: bool


class ConversationRecorder(Protocol):
    """Durable conversation records (the storage layer)."""

    async def record(self, event: Event, meta: ConversationMeta) -> None: ...


class EventObserver(Protocol):
    """Told what became of each event (the event inspector); must return at once."""

    def delivered(self, event: Event, seconds: float, *, suggested: bool) -> None: ...

    def duplicate(self, event: Event, seconds: float) -> None: ...

    def failed(self, event: Event, error: BaseException, seconds: float) -> None: ...


class AnswerStarter(Protocol):
    """Answers a customer turn (server.answers): the extractive answer at once, a model's in
    the background, never blocking the event; failures are its own to log."""

    async def start(self, request: AssistRequest, items: list[Suggestion]) -> None: ...


class Pipeline:
    """Processes each platform event exactly once, however often it is delivered."""

    def __init__(
        self,
        *,
        state: StateStore,
        live: LiveWriter,
        assistant: Assistant,
        broadcaster: Broadcaster,
        recorder: ConversationRecorder,
        metrics: Metrics,
        observer: EventObserver,
        suggestions_per_event: int = 3,
        answers: AnswerStarter | None = None,
        routes: RouteSource | None = None,
        handoffs: HandoffStore | None = None,
        followup: FollowUp | None = None,
    ) -> None:
        self._state = state
        self._claims = ClaimKeeper(state)
        self._live = live
        self._assistant = assistant
        self._broadcaster = broadcaster
        self._recorder = recorder
        self._metrics = metrics
        self._observer = observer
        self._limit = suggestions_per_event
        self._answers = answers
        self._routes = routes
        self._handoffs = handoffs
        self._followup = followup

    async def process(self, event: Event) -> Outcome:
        """Run one event through the pipeline unless another delivery already did."""
        started = time.perf_counter()
        key = event_key(event.tenant_id, event.provider, event.provider_event_id)
        claim = await self._state.claim_event(key)
        if claim is Claim.DONE:
            return self._duplicate(event, started)
        if claim is Claim.IN_PROGRESS:
            log.debug("%s/%s in progress elsewhere", event.provider, event.provider_event_id)
            return Outcome.IN_PROGRESS
        self._claims.hold(key)
        try:
            applied = await self._apply(event)
        except BaseException as err:
            self._claims.release(key)
            if isinstance(err, Exception):
                self._observer.failed(event, err, time.perf_counter() - started)
            await self._note_failed(key)
            # Give the event back so the platform's retry can process it.
            await self._state.release_event(key)
            raise
        self._claims.release(key)
        await self._state.complete_event(key)
        if applied.recorded_before and not await self._failed_before(key):
            return self._duplicate(event, started)
        elapsed = time.perf_counter() - started
        self._metrics.pipeline_latency.observe(elapsed)
        self._metrics.ingested(event.provider, event.kind)
        self._observer.delivered(event, elapsed, suggested=applied.suggested)
        return Outcome.PROCESSED

    async def _note_failed(self, key: str) -> None:
        """Remember that a delivery of the event failed, maybe after recording some of it: its
        retry then finds those entries but is the event's first success, not a duplicate."""
        try:
            await self._state.put_ephemeral(_failed_key(key), "1", FAILED_MEMORY_SECONDS)
        except CuecardError as err:
            log.debug("could not note a failed delivery: %s", err.code)

    async def _failed_before(self, key: str) -> bool:
        return await self._state.take_ephemeral(_failed_key(key)) is not None

    def _duplicate(self, event: Event, started: float) -> Outcome:
        self._metrics.duplicate(event.provider)
        self._observer.duplicate(event, time.perf_counter() - started)
        log.debug("duplicate %s/%s dropped", event.provider, event.provider_event_id)
        return Outcome.DUPLICATE

    async def _apply(self, event: Event) -> Applied:
        """Apply the event: record it, update the live state, tell the widgets."""
        changes = meta_changes(event)
        if changes is not None:
            return Applied(await self._change_status(event, changes), suggested=False)
        if is_utterance(event):
            return await self._add_line(event)
        if isinstance(event, HandoffContext):
            return Applied(recorded_before=False, suggested=await self._handoff(event))
        return Applied(recorded_before=False, suggested=await self._pass_on(event))

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

    async def _change_status(self, event: Event, changes: MetaChanges) -> bool:
        """Apply a status change; True if the journal had it already."""
        # The provider rides along so the widget's search can route like the pipeline does.
        changes = changes.model_copy(update={"provider": event.provider})
        agent_id = event.agent_id if isinstance(event, AgentAssigned) else None
        shown = await self._live.status(event, changes, agent_id)
        await self._recorder.record(event, shown.value)
        if isinstance(event, AgentAssigned):
            assignment = Assignment(conversation_id=event.conversation_id, queue=event.queue)
            # Recorded before the agent hears of it, so the widget's join that follows passes.
            await self._state.add_conversation_agent(
                event.tenant_id, event.conversation_id, event.agent_id
            )
            await self._state.assign(event.tenant_id, event.agent_id, assignment)
            await self._broadcaster.assigned(event.tenant_id, event.agent_id, assignment)
        return not shown.fresh

    async def _add_line(self, event: Message | Transcript) -> Applied:
        line = LineIn(
            event_id=event.provider_event_id,
            speaker=event.speaker,
            text=event.text,
            occurred_at=event.occurred_at,
        )
        shown = await self._live.line(event, line)
        if line.speaker is Speaker.AGENT and shown.fresh and self._followup is not None:
            await self._follow(
                self._followup.agent_said(event.tenant_id, event.conversation_id, event.text), event
            )
        if line.speaker is not Speaker.CUSTOMER:
            return Applied(recorded_before=not shown.fresh, suggested=False)
        if shown.fresh:
            return Applied(recorded_before=False, suggested=await self._assist(event, shown.value))
        # Recorded before: its stored set is sent again. Without one, the delivery that recorded
        # it may have failed before assist: assist runs on the conversation as it was then, so
        # a turn that had no suggestions gets none now either.
        if await self._live.shown_suggestions(event) is not None:
            return Applied(recorded_before=True, suggested=False)
        suggested = await self._assist(event, shown.value)
        return Applied(recorded_before=not suggested, suggested=suggested)

    async def _handoff(self, event: HandoffContext) -> bool:
        """Keep and show the context, and search with it before anyone speaks."""
        handoff = Handoff.of(event)
        if self._handoffs is not None:
            await self._handoffs.put(event.tenant_id, event.conversation_id, handoff)
        await self._broadcaster.handoff(event.tenant_id, event.conversation_id, handoff)
        turn = handoff.as_customer_turn()
        return turn is not None and await self._assist(event, opening=turn)

    async def _follow(self, step: Awaitable[None], event: Event) -> None:
        """Step cards and details are extras: their failure must not fail the event."""
        try:
            await step
        except Exception:
            log.exception("follow-up failed for conversation %s", event.conversation_id)

    async def _assist(
        self, event: Event, turn: Line | None = None, opening: LineIn | None = None
    ) -> bool:
        """Suggest for the customer ``turn`` (on the conversation as it was then), or for
        ``opening``: the handoff's intent and summary, searched as if the customer had said
        them; never stored."""
        try:
            meta, recent = await self._state.conversation(
                event.tenant_id, event.conversation_id, CONTEXT_LINES
            )
            lines = recent if turn is None else [line for line in recent if line.seq <= turn.seq]
            if opening is not None:
                seq = lines[-1].seq + 1 if lines else 1
                lines = [*lines, Line(**opening.model_dump(), seq=seq)]
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
            cards = await self._assistant.suggest(request)
        except Exception:
            # A failed suggestion must not fail the event: the transcript line stands.
            self._metrics.assist_failures.inc()
            log.exception("assist failed for conversation %s", event.conversation_id)
            return False
        if cards.changed:
            await self._show(event, request, cards)
        # Details and the step card come after the cards, so they never delay them.
        if self._followup is not None:
            await self._follow(self._followup.customer_said(request), event)
            if cards.changed:
                await self._follow(self._followup.cards_shown(request, cards), event)
        # A verification answer or small talk changed nothing: the cards on screen stand.
        return cards.changed and bool(cards.items)

    async def _show(self, event: Event, request: AssistRequest, cards: CardSet) -> None:
        """Send the new card set, and start its answer (an empty set supersedes the last)."""
        items = cards.items
        await self._live.suggestions(event, items, cards.reason)
        self._metrics.suggestions_emitted.inc(len(items))
        if self._answers is not None:
            await self._answers.start(request, items)

    async def _route(self, tenant_id: str, provider: str, queue: str | None) -> Route:
        if self._routes is None:
            return Route()
        return await self._routes.resolve(tenant_id, provider, queue)


def _failed_key(key: str) -> str:
    return f"failed-delivery:{key}"


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
