"""Telemetry in one process: no Redis needed, nothing shared."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from server.observability.base import KEEP_MINUTES, MinuteBatch, RecordSource
from server.observability.models import EventRecord, MinuteCounts


class MemoryTelemetry:
    """Event rings, minute counts and widget presence in dictionaries."""

    def __init__(self, *, ring_size: int) -> None:
        self._ring_size = ring_size
        # Sources, not records: most are pushed out of the ring before anyone reads them.
        self._records: dict[str, deque[RecordSource]] = {}
        self._minutes: dict[str, dict[int, MinuteCounts]] = {}
        self._widgets: dict[str, str] = {}

    async def write(self, records: Sequence[RecordSource], minutes: MinuteBatch) -> None:
        for record in records:
            ring = self._records.get(record.tenant_id)
            if ring is None:
                ring = self._records[record.tenant_id] = deque(maxlen=self._ring_size)
            ring.appendleft(record)
        for (tenant_id, minute), counts in minutes.items():
            tenant_minutes = self._minutes.setdefault(tenant_id, {})
            tenant_minutes.setdefault(minute, MinuteCounts()).merge(counts)
            _forget_before(tenant_minutes, minute - KEEP_MINUTES)

    async def records(self, tenant_id: str) -> list[EventRecord]:
        return [source.record() for source in self._records.get(tenant_id, ())]

    async def minutes(self, tenant_id: str, first: int, last: int) -> dict[int, MinuteCounts]:
        tenant_minutes = self._minutes.get(tenant_id, {})
        return {
            minute: counts for minute, counts in tenant_minutes.items() if first <= minute <= last
        }

    async def connected(self, tenant_id: str, sid: str) -> None:
        self._widgets[sid] = tenant_id

    async def disconnected(self, sid: str) -> None:
        self._widgets.pop(sid, None)

    async def count(self, tenant_id: str) -> int:
        return sum(1 for owner in self._widgets.values() if owner == tenant_id)

    async def heartbeat(self) -> None:
        return None

    async def aclose(self) -> None:
        self._records.clear()
        self._minutes.clear()
        self._widgets.clear()


def _forget_before(tenant_minutes: dict[int, MinuteCounts], oldest: int) -> None:
    for minute in [minute for minute in tenant_minutes if minute < oldest]:
        del tenant_minutes[minute]
