"""The contracts both telemetry backends (memory, Redis) implement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from server.observability.models import EventRecord, MinuteCounts

# Wall-clock seconds since the epoch; tests pass their own to control the minute buckets.
Clock = Callable[[], float]
# (tenant id, minute since the epoch) → that minute's counts.
MinuteBatch = Mapping[tuple[str, int], MinuteCounts]
# How long per-minute counts are kept: the health view shows the last hour.
KEEP_MINUTES = 120


class RecordSource(Protocol):
    """An event record, or what the hot path left to build one from when it is read."""

    @property
    def tenant_id(self) -> str:
        """The tenant whose ring the record goes to."""

    def record(self) -> EventRecord:
        """The record (the same one on every call)."""


class TelemetryStore(Protocol):
    """Per-tenant event records (a bounded ring, newest first) and per-minute counts."""

    async def write(self, records: Sequence[RecordSource], minutes: MinuteBatch) -> None:
        """Add records (oldest first) to their tenants' rings and counts to their minutes; a
        store may keep a source and build its record only when it is read."""

    async def records(self, tenant_id: str) -> list[EventRecord]:
        """The tenant's ring, newest first."""

    async def minutes(self, tenant_id: str, first: int, last: int) -> dict[int, MinuteCounts]:
        """The tenant's counts of minutes ``first`` to ``last``; empty minutes are left out."""

    async def aclose(self) -> None:
        """Release connections."""


class WidgetPresence(Protocol):
    """Which widgets are connected, per tenant, on every node."""

    async def connected(self, tenant_id: str, sid: str) -> None:
        """A widget of the tenant connected to this node."""

    async def disconnected(self, sid: str) -> None:
        """A widget connected to this node went away."""

    async def count(self, tenant_id: str) -> int:
        """Widgets of the tenant connected to any node."""

    async def heartbeat(self) -> None:
        """Say again that this node's widgets are still connected (a crashed node's expire)."""
