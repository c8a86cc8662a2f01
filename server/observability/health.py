"""The health view of one tenant: provider connections, connected widgets, the last hour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from server.integrations.models import IntegrationStatus
from server.observability.base import WidgetPresence
from server.observability.histogram import percentile
from server.observability.models import EventOutcome, MinuteCounts
from server.observability.telemetry import Telemetry
from server.observability.views import HealthView, MinutePoint

WINDOW_MINUTES = 60


# The supervisor's statuses of a tenant's provider connections.
StatusSource = Callable[[str], Sequence[IntegrationStatus]]


class HealthService:
    """Puts a tenant's health view together from the telemetry and the supervisor."""

    def __init__(
        self,
        telemetry: Telemetry,
        presence: WidgetPresence,
        statuses: StatusSource,
    ) -> None:
        self._telemetry = telemetry
        self._presence = presence
        self._statuses = statuses

    async def health(self, tenant_id: str) -> HealthView:
        """The tenant's health as of now."""
        minutes = await self._telemetry.minutes(tenant_id, WINDOW_MINUTES)
        return HealthView(
            generated_at=datetime.fromtimestamp(self._telemetry.now(), UTC),
            connections=list(self._statuses(tenant_id)),
            connected_widgets=await self._presence.count(tenant_id),
            minutes=[minute_point(minute, counts) for minute, counts in minutes],
        )


def minute_point(minute: int, counts: MinuteCounts) -> MinutePoint:
    """One minute's counts as the health view shows them."""
    histogram = counts.latency_histogram()
    return MinutePoint(
        minute=datetime.fromtimestamp(minute * 60, UTC),
        delivered=counts.outcome(EventOutcome.DELIVERED),
        duplicate=counts.outcome(EventOutcome.DUPLICATE),
        rejected=counts.outcome(EventOutcome.REJECTED),
        failed=counts.outcome(EventOutcome.FAILED),
        suggestions=counts.counts[MinuteCounts.SUGGESTED],
        suggestion_p50_ms=percentile(histogram, 0.5),
        suggestion_p95_ms=percentile(histogram, 0.95),
    )
