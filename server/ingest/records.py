"""Writes conversation records to durable storage as lifecycle events arrive."""

from __future__ import annotations

from providers.models import ConversationEnded, ConversationStarted, Event
from server.state.models import ConversationMeta
from server.store.database import Store


class StoreRecorder:
    """Keeps the durable conversation record in step with the live status."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def record(self, event: Event, meta: ConversationMeta) -> None:
        """Upsert the conversation's row; start and end times come from their events."""
        await self._store.conversations.upsert(
            tenant_id=event.tenant_id,
            conversation_id=event.conversation_id,
            provider=event.provider,
            queue=meta.queue,
            media=meta.media,
            agent_id=meta.agent_id,
            status=meta.status,
            started_at=event.occurred_at if isinstance(event, ConversationStarted) else None,
            ended_at=event.occurred_at if isinstance(event, ConversationEnded) else None,
        )
