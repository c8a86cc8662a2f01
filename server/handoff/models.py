"""The handoff context as live state keeps it and the widget shows it (a context card)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from providers.models import HandoffContext, HandoffItem, Speaker
from server.conversation import LineIn


class Handoff(BaseModel):
    """The newest handoff context of a conversation: intent, summary and labelled items."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    provider: str
    intent: str | None = None
    summary: str | None = None
    items: tuple[HandoffItem, ...] = ()
    occurred_at: datetime

    @classmethod
    def of(cls, event: HandoffContext) -> Handoff:
        """The context a ``context.handoff`` event carries."""
        return cls(
            event_id=event.provider_event_id,
            provider=event.provider,
            intent=event.intent,
            summary=event.summary,
            items=event.items,
            occurred_at=event.occurred_at,
        )

    def as_customer_turn(self) -> LineIn | None:
        """The intent and summary as the customer's opening words, for the first query.

        Suggestions are then on screen when the conversation is offered, before anyone
        speaks; the items (account numbers, phone numbers) say nothing to search for.
        """
        words = " ".join(part.rstrip(".") + "." for part in (self.intent, self.summary) if part)
        if not words:
            return None
        return LineIn(
            event_id=self.event_id,
            speaker=Speaker.CUSTOMER,
            text=words,
            occurred_at=self.occurred_at,
        )
