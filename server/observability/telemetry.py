"""Records events at the ingest boundary without making any event wait for the record.

The pipeline and the ingest route call :class:`Telemetry` synchronously: an entry is appended
to a list and nothing else happens on the event's path. A background task turns the entries
into records and per-minute counts and writes them in batches (one Redis round trip per batch).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from providers.models import Event, is_utterance
from server.errors import CuecardError, Unavailable
from server.observability.base import Clock, TelemetryStore
from server.observability.histogram import bucket_of
from server.observability.models import EventOutcome, EventRecord, MinuteCounts, RecordFilter

log = logging.getLogger(__name__)

# A burst of events collects for this long before it is written as one batch.
LINGER_SECONDS = 0.05
# Entries waiting while the store is unreachable; beyond this the oldest are dropped.
MAX_PENDING = 10_000
IDENTIFYING_FIELDS = ("kind", "conversation_id", "provider", "provider_event_id")
MAX_CLAIMED_LENGTH = 200
# A refused body's "\udfff" escape parses to a lone surrogate, which no UTF-8 store can hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Seen:
    """An accepted event as the hot path leaves it: its record is built when first read.

    The memory store keeps these in its ring, so an event nobody looks at before newer ones
    push it out never costs a model (most of them, at a hundred events a second).
    """

    __slots__ = ("_record", "at", "error", "event", "outcome", "seconds", "suggested")

    def __init__(
        self,
        event: Event,
        outcome: EventOutcome,
        at: float,
        seconds: float,
        suggested: bool = False,
        error: BaseException | None = None,
    ) -> None:
        self.event = event
        self.outcome = outcome
        self.at = at
        self.seconds = seconds
        self.suggested = suggested
        self.error = error
        self._record: EventRecord | None = None

    @property
    def tenant_id(self) -> str:
        """The event's tenant."""
        return self.event.tenant_id

    def record(self) -> EventRecord:
        """The event's record, built on the first call (its id then stays the same)."""
        if self._record is None:
            self._record = _as_record(self)
        return self._record


class Telemetry:
    """The event inspector's and the health view's recorder and reader."""

    def __init__(
        self,
        store: TelemetryStore,
        *,
        clock: Clock = time.time,
        linger_seconds: float = LINGER_SECONDS,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._store = store
        self._clock = clock
        self._linger = linger_seconds
        self._pending: deque[_Seen | EventRecord] = deque(maxlen=max_pending)
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()
        self._store_down = False

    def now(self) -> float:
        """The telemetry clock, in seconds since the epoch."""
        return self._clock()

    def delivered(self, event: Event, seconds: float, *, suggested: bool) -> None:
        """The event was processed; ``suggested`` if suggestions reached its widgets."""
        self._add(_Seen(event, EventOutcome.DELIVERED, self._clock(), seconds, suggested))

    def duplicate(self, event: Event, seconds: float) -> None:
        """The event had already been processed (or was being processed elsewhere)."""
        self._add(_Seen(event, EventOutcome.DUPLICATE, self._clock(), seconds))

    def failed(self, event: Event, error: BaseException, seconds: float) -> None:
        """Processing the event failed; it was released for the platform's retry."""
        # Built at once: the error's traceback must not be kept alive by the ring.
        self._add(_Seen(event, EventOutcome.FAILED, self._clock(), seconds, error=error).record())

    def rejected(self, tenant_id: str, item: Any, error: CuecardError) -> None:
        """An ingest request of the tenant was refused; ``item`` is the offending event body."""
        self._add(_rejected_record(tenant_id, item, error, self._clock()))

    async def run(self) -> None:
        """Write what was recorded, batch by batch, until cancelled."""
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._linger)
            try:
                await self.flush()
            except Exception:
                # Telemetry must never stop: the next batch may be fine.
                log.exception("writing telemetry failed")

    async def flush(self) -> None:
        """Write every entry recorded so far; readers call it to see this node's latest."""
        async with self._writing:
            self._wake.clear()
            batch = list(self._pending)
            self._pending.clear()
            if not batch:
                return
            try:
                await self._store.write(batch, _minute_counts(batch))
            except Unavailable:
                self._report_down()
                return
            self._report_up()

    async def recent(self, tenant_id: str, wanted: RecordFilter, limit: int) -> list[EventRecord]:
        """The tenant's newest ``limit`` records passing ``wanted``, newest first."""
        await self.flush()
        found = [
            record for record in await self._store.records(tenant_id) if wanted.matches(record)
        ]
        return found[:limit]

    async def find(self, tenant_id: str, record_id: str) -> EventRecord | None:
        """The tenant's record with this id, if it is still in the ring."""
        await self.flush()
        for record in await self._store.records(tenant_id):
            if record.id == record_id:
                return record
        return None

    async def minutes(self, tenant_id: str, count: int) -> list[tuple[int, MinuteCounts]]:
        """The tenant's last ``count`` minutes (the current one last), empty ones included."""
        await self.flush()
        last = int(self._clock() // 60)
        first = last - count + 1
        stored = await self._store.minutes(tenant_id, first, last)
        return [(minute, stored.get(minute, MinuteCounts())) for minute in range(first, last + 1)]

    def _add(self, entry: _Seen | EventRecord) -> None:
        # A full deque drops its oldest entry: telemetry never holds memory hostage.
        self._pending.append(entry)
        self._wake.set()

    def _report_down(self) -> None:
        if not self._store_down:
            self._store_down = True
            log.warning("telemetry store unreachable; event records are being dropped")

    def _report_up(self) -> None:
        if self._store_down:
            self._store_down = False
            log.info("telemetry store reachable again")


def new_record_id() -> str:
    """A random id for one record."""
    return secrets.token_hex(8)


def _as_record(entry: _Seen) -> EventRecord:
    event, error = entry.event, entry.error
    return EventRecord(
        id=new_record_id(),
        tenant_id=event.tenant_id,
        received_at=datetime.fromtimestamp(entry.at, UTC),
        outcome=entry.outcome,
        kind=event.kind,
        conversation_id=event.conversation_id,
        provider=event.provider,
        provider_event_id=event.provider_event_id,
        occurred_at=event.occurred_at,
        latency_ms=round(entry.seconds * 1000, 3),
        reason=None if error is None else _error_code(error),
        message=None if error is None else _error_message(error),
        text=event.text if is_utterance(event) else None,
    )


def _minute_counts(batch: list[_Seen | EventRecord]) -> dict[tuple[str, int], MinuteCounts]:
    minutes: dict[tuple[str, int], MinuteCounts] = {}
    for entry in batch:
        if isinstance(entry, EventRecord):
            tenant_id, at, outcome = entry.tenant_id, entry.received_at.timestamp(), entry.outcome
        else:
            tenant_id, at, outcome = entry.event.tenant_id, entry.at, entry.outcome
        counts = minutes.setdefault((tenant_id, int(at // 60)), MinuteCounts())
        counts.add_outcome(outcome)
        if isinstance(entry, _Seen) and entry.suggested:
            counts.add_suggestion(bucket_of(entry.seconds * 1000))
    return minutes


def _rejected_record(tenant_id: str, item: Any, error: CuecardError, at: float) -> EventRecord:
    return EventRecord(
        id=new_record_id(),
        tenant_id=tenant_id,
        received_at=datetime.fromtimestamp(at, UTC),
        outcome=EventOutcome.REJECTED,
        reason=error.code,
        message=_storable(error.message),
        field=None if error.field is None else _storable(error.field),
        **_claimed_identity(item),
    )


def _claimed_identity(item: Any) -> dict[str, str]:
    """The identifying fields a refused body gave, where they are plausible strings."""
    if not isinstance(item, dict):
        return {}
    claimed = {name: item.get(name) for name in IDENTIFYING_FIELDS}
    return {
        name: _storable(value)
        for name, value in claimed.items()
        if isinstance(value, str) and 0 < len(value) <= MAX_CLAIMED_LENGTH
    }


def _storable(text: str) -> str:
    """``text`` as the refused body gave it, with lone surrogates shown as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _error_code(error: BaseException) -> str:
    return error.code if isinstance(error, CuecardError) else "internal_error"


def _error_message(error: BaseException) -> str:
    # Only our own errors' messages are meant for clients; others may carry anything.
    return error.message if isinstance(error, CuecardError) else "internal error"
