"""Prometheus metrics, one registry per app so tests and several apps in a process stay apart."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Buckets around the product promise: well under a second, typically a few milliseconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The server's counters, gauges and histograms."""

    def __init__(self) -> None:
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

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
