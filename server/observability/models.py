"""What the event inspector keeps per event and what the health view counts per minute."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from providers.models import EVENT_KINDS, Identifier


class EventOutcome(StrEnum):
    """What became of one event at the ingest boundary."""

    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"


class EventRecord(BaseModel):
    """One event as it crossed the ingest boundary.

    ``text`` is customer content: it is kept so an admin can reveal it, and is never
    returned unless they do. Rejected events name the error's ``reason`` (its code), its
    ``message`` and the offending ``field``; their identifying fields are whatever the
    refused body said, if anything.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    tenant_id: str
    received_at: AwareDatetime
    outcome: EventOutcome
    kind: str | None = None
    conversation_id: str | None = None
    provider: str | None = None
    provider_event_id: str | None = None
    occurred_at: datetime | None = None
    latency_ms: float | None = None
    reason: str | None = None
    message: str | None = None
    field: str | None = None
    text: str | None = None

    def record(self) -> EventRecord:
        """Itself: a record built already is its own source (``base.RecordSource``)."""
        return self


class RecordFilter(BaseModel):
    """Which records an admin wants to see; a field left out matches everything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str | None = None
    conversation_id: Identifier | None = None
    outcome: EventOutcome | None = None
    provider: Identifier | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in EVENT_KINDS:
            raise ValueError(f"must be one of {', '.join(EVENT_KINDS)}")
        return value

    def matches(self, record: EventRecord) -> bool:
        """Whether ``record`` passes every given filter."""
        return (
            (self.kind is None or record.kind == self.kind)
            and (self.conversation_id is None or record.conversation_id == self.conversation_id)
            and (self.outcome is None or record.outcome is self.outcome)
            and (self.provider is None or record.provider == self.provider)
        )


class MinuteCounts:
    """Counters of one tenant's minute: outcomes, suggestions and a latency histogram.

    The counter names are flat strings (``delivered``, ``lat:17``) so that Redis can add
    them up with HINCRBY, whichever node counted them.
    """

    SUGGESTED = "suggested"
    LATENCY_PREFIX = "lat:"

    def __init__(self, counts: Counter[str] | None = None) -> None:
        self.counts: Counter[str] = counts if counts is not None else Counter()

    def add_outcome(self, outcome: EventOutcome) -> None:
        """Count one event's outcome."""
        self.counts[outcome.value] += 1

    def add_suggestion(self, bucket: int) -> None:
        """Count one suggestion and its latency bucket."""
        self.counts[self.SUGGESTED] += 1
        self.counts[f"{self.LATENCY_PREFIX}{bucket}"] += 1

    def merge(self, other: MinuteCounts) -> None:
        """Add another node's (or batch's) counts for the same minute."""
        self.counts.update(other.counts)

    def outcome(self, outcome: EventOutcome) -> int:
        """Events of the minute with this outcome."""
        return self.counts[outcome.value]

    def latency_histogram(self) -> dict[int, int]:
        """Suggestion latency bucket → count."""
        prefix = self.LATENCY_PREFIX
        return {
            int(name[len(prefix) :]): count
            for name, count in self.counts.items()
            if name.startswith(prefix)
        }
