"""Prometheus metrics, one registry per app so tests and several apps in a process stay apart.

Label values come only from known sets: an event's ``provider`` is whatever its sender wrote,
so providers the registry does not know are counted under ``other``; kinds and error codes
are fixed by the server.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from providers.registry import PLATFORMS

CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER_PROVIDER = "other"
# Buckets around the product promise: well under a second, typically a few milliseconds.
# Senders name the provider: the children remembered by the name given are bounded.
MAX_CACHED_LABELS = 256
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The server's counters, gauges and histograms."""

    def __init__(self, known_providers: Iterable[str] = PLATFORMS) -> None:
        self._providers = frozenset(known_providers)
        self._ingested: dict[tuple[str, str], Counter] = {}
        self.registry = CollectorRegistry()
        self.events_ingested = Counter(
            "cuecard_events_ingested_total",
            "Canonical events accepted and processed.",
            ["provider", "kind"],
            registry=self.registry,
        )
        self.duplicates_dropped = Counter(
            "cuecard_duplicates_dropped_total",
            "Events dropped because the same provider event was already processed.",
            ["provider"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "cuecard_events_rejected_total",
            "Ingest requests refused for bad input.",
            ["reason"],
            registry=self.registry,
        )
        self.suggestions_emitted = Counter(
            "cuecard_suggestions_emitted_total",
            "Suggestion cards pushed to widgets.",
            registry=self.registry,
        )
        self.assist_failures = Counter(
            "cuecard_assist_failures_total",
            "Assist steps that failed; the event itself still counted.",
            registry=self.registry,
        )
        self.connected_widgets = Gauge(
            "cuecard_connected_widgets",
            "Widgets connected to this node.",
            registry=self.registry,
        )
        self.pipeline_latency = Histogram(
            "cuecard_pipeline_latency_seconds",
            "Time from an event's acceptance to its last emit.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def ingested(self, provider: str, kind: str) -> None:
        """Count one processed event."""
        # ``labels`` takes a lock and builds its key on every call; the children are few.
        counter = self._ingested.get((provider, kind))
        if counter is None:
            counter = self.events_ingested.labels(self._provider(provider), kind)
            if len(self._ingested) < MAX_CACHED_LABELS:
                self._ingested[(provider, kind)] = counter
        counter.inc()

    def duplicate(self, provider: str) -> None:
        """Count one event dropped as already processed."""
        self.duplicates_dropped.labels(self._provider(provider)).inc()

    def _provider(self, provider: str) -> str:
        return provider if provider in self._providers else OTHER_PROVIDER

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
