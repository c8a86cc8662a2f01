"""Request and response bodies of the inspector and health endpoints (named for OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from server.integrations.models import IntegrationStatus
from server.observability.models import EventOutcome, EventRecord, RecordFilter
from server.services.models import In, Out
from server.store.models import Reveal

# The ring holds at most CUECARD_INSPECTOR_EVENTS records; a page is at most this many.
MAX_PAGE = 1000
DEFAULT_PAGE = 100


class RecentEventsQuery(RecordFilter):
    """``GET /api/v1/events/recent`` query: filters plus how many records to return."""

    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE

    def record_filter(self) -> RecordFilter:
        """The filters alone."""
        return RecordFilter.model_validate(self.model_dump(exclude={"limit"}))


class EventRecordView(Out):
    """One inspector record with its text withheld; ``has_text`` says there is some to reveal."""

    id: str
    received_at: datetime
    outcome: EventOutcome
    kind: str | None
    conversation_id: str | None
    provider: str | None
    provider_event_id: str | None
    occurred_at: datetime | None
    latency_ms: float | None
    reason: str | None
    message: str | None
    field: str | None
    has_text: bool

    @classmethod
    def of(cls, record: EventRecord) -> EventRecordView:
        return cls(
            **record.model_dump(exclude={"tenant_id", "text"}), has_text=record.text is not None
        )


class RevealView(Out):
    """Who revealed which record's text, and when."""

    id: str
    record_id: str
    revealed_by: str
    revealed_at: datetime
    kind: str | None
    conversation_id: str | None
    provider: str | None
    provider_event_id: str | None

    @classmethod
    def of(cls, reveal: Reveal) -> RevealView:
        return cls.model_validate(reveal.model_dump(exclude={"tenant_id"}))


class RevealedText(Out):
    """A record's customer text, returned once the reveal has been recorded."""

    record_id: str
    text: str
    reveal: RevealView


class RevealsQuery(In):
    """``GET /api/v1/events/reveals`` query."""

    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class MinutePoint(Out):
    """One minute of the tenant's traffic; latencies are None in a minute without suggestions."""

    minute: datetime
    delivered: int
    duplicate: int
    rejected: int
    failed: int
    suggestions: int
    suggestion_p50_ms: float | None
    suggestion_p95_ms: float | None


class HealthView(Out):
    """``GET /api/v1/health``: connections, widgets and the last hour, oldest minute first."""

    generated_at: datetime
    connections: list[IntegrationStatus]
    connected_widgets: int
    minutes: list[MinutePoint]
