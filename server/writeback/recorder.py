"""Keeps what a write-back needs as the pipeline processes a platform's events.

The pipeline calls its recorder for every status event it processes, once per event and
before the event counts as done, so an event the outbox missed (a crash in between) is
processed again on redelivery. Hold and resume events are kept by event id; the end makes
the write-back due and wakes the writer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from providers.models import (
    ConversationEnded,
    ConversationStarted,
    Event,
    ParticipantHeld,
    ParticipantResumed,
)
from server.ingest.pipeline import ConversationRecorder
from server.state.base import StateStore
from server.state.models import ConversationMeta
from server.store.models import HoldMark
from server.store.write_backs import WriteBackKey, WriteBackRepository


class RecorderChain:
    """Several recorders, called in order (the pipeline takes one)."""

    def __init__(self, *recorders: ConversationRecorder) -> None:
        self._recorders = recorders

    async def record(self, event: Event, meta: ConversationMeta) -> None:
        """Record the event with each recorder."""
        for recorder in self._recorders:
            await recorder.record(event, meta)


class WriteBackRecorder:
    """A ``ConversationRecorder`` filling the write-back outbox of the given platforms."""

    def __init__(
        self,
        platforms: Collection[str],
        outbox: WriteBackRepository,
        state: StateStore,
        wake: Callable[[], None],
    ) -> None:
        self._platforms = frozenset(platforms)
        self._outbox = outbox
        self._state = state
        self._wake = wake

    async def record(self, event: Event, meta: ConversationMeta) -> None:
        """Keep the event in the conversation's row if it matters to the write-back."""
        if event.provider not in self._platforms:
            return
        key = WriteBackKey(event.tenant_id, event.provider, event.conversation_id)
        agent_id = meta.agent_id or await self._state.reporting_agent(
            event.tenant_id, event.conversation_id
        )
        match event:
            case ConversationStarted():
                await self._outbox.started(key, media=event.media, agent_id=agent_id)
            case ParticipantHeld() | ParticipantResumed():
                kind = "held" if isinstance(event, ParticipantHeld) else "resumed"
                mark = HoldMark(id=event.provider_event_id, kind=kind, at=event.occurred_at)
                await self._outbox.hold_mark(key, mark, agent_id)
            case ConversationEnded():
                await self._outbox.ended(key, agent_id=agent_id, at=event.occurred_at)
                self._wake()
