"""Adds what the platform's records know to a conversation's start: its queue.

Sits in front of the pipeline for the platforms' event sources (the desktop bridge, the
adapters). A conversation starting without a queue gets the one the platform routed it from,
so queue → knowledge base mapping applies from its first line. Only a conversation cuecard
has not seen yet is looked up: a start handed in again costs the platform nothing.
"""

from __future__ import annotations

from providers.models import ConversationStarted, Event
from server.ingest.pipeline import Outcome, Pipeline
from server.state.base import StateStore
from server.writeback.records import PlatformRecords


class EnrichingSink:
    """The pipeline's ``process``, with the platform's queue added to new conversations."""

    def __init__(self, pipeline: Pipeline, records: PlatformRecords, state: StateStore) -> None:
        self._pipeline = pipeline
        self._records = records
        self._state = state

    async def process(self, event: Event) -> Outcome:
        """Process ``event``, enriched first if it starts a conversation."""
        if isinstance(event, ConversationStarted) and event.queue is None:
            event = await self._enriched(event)
        return await self._pipeline.process(event)

    async def _enriched(self, event: ConversationStarted) -> ConversationStarted:
        if not self._records.handles(event.provider):
            return event
        meta = await self._state.meta(event.tenant_id, event.conversation_id)
        if meta.provider is not None:
            return event
        facts = await self._records.facts(
            event.tenant_id, event.provider, event.conversation_id, event.media
        )
        if facts is None or facts.queue is None:
            return event
        return event.model_copy(update={"queue": facts.queue})
