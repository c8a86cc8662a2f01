"""The figures a load run produces, and how they are printed."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field

from load_traffic import Posted
from load_widgets import Arrivals, ConnectStats

MIB = 1024 * 1024
# A worker busier than this share of one core was probably slowing the measurement down.
SATURATED_CPU_SHARE = 0.85


@dataclass
class Report:
    """Everything one run measured; latencies in milliseconds, memory in bytes."""

    widgets: int
    processes: int
    command: list[str] = field(default_factory=list)
    connected: int = 0
    connect_failed: int = 0
    connect_seconds: float = 0.0
    connect_cpu_seconds: float = 0.0
    connect_errors: list[str] = field(default_factory=list)
    offered_extensions: str = ""
    answered_extensions: str = ""
    compressed_sockets: int = 0
    events_posted: int = 0
    events_failed: int = 0
    post_seconds: float = 0.0
    deliveries_expected: int = 0
    deliveries: int = 0
    suggestions_received: int = 0
    receive_seconds: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    # When the slowest delivery's event was posted, in seconds after the first event, and
    # the share of deliveries over 10 ms: a tail from warm-up and one spread over the run differ.
    max_posted_at: float = 0.0
    over_10ms: float = 0.0
    rss_idle: int = 0
    rss_connected: int = 0
    rss_after_run: int = 0
    cpu_share: dict[str, float] = field(default_factory=dict)
    server_cpu_seconds: float = 0.0
    restart_ready_seconds: float = 0.0
    rejoined: int = 0
    rejoin_seconds: float = 0.0
    rejoin_after_ready_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def kb_per_widget(self) -> float:
        """Server memory each idle, joined widget costs, in KiB."""
        return (self.rss_connected - self.rss_idle) / 1024 / max(self.connected, 1)

    @property
    def connects_per_second(self) -> float:
        """Widgets connected and joined per second of the connection phase."""
        return _rate(self.connected, self.connect_seconds)

    @property
    def cpu_ms_per_event(self) -> float:
        """Server CPU time (every process, user + system) per posted event, in ms."""
        return 1000 * self.server_cpu_seconds / self.events_posted if self.events_posted else 0.0

    def to_json(self) -> str:
        """The report as JSON, derived figures included."""
        derived = {
            "kb_per_widget": round(self.kb_per_widget, 1),
            "connects_per_second": round(self.connects_per_second, 1),
            "cpu_ms_per_event": round(self.cpu_ms_per_event, 3),
        }
        return json.dumps({**asdict(self), **derived})


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def add_connections(report: Report, stats: list[ConnectStats], seconds: float) -> None:
    """Fold the workers' connection stats into the report."""
    report.connected = sum(s.connected for s in stats)
    report.connect_failed = sum(s.failed for s in stats)
    report.compressed_sockets = sum(s.compressed for s in stats)
    report.connect_errors = [e for s in stats for e in s.errors][:5]
    report.connect_seconds = seconds


def add_latencies(
    report: Report, posted: Posted, arrivals: list[Arrivals], audience: Counter[str]
) -> None:
    """Latency of every (event, widget) delivery; ``audience`` counts widgets per conversation."""
    report.events_posted = len(posted.sent_at) + posted.failed
    report.events_failed = posted.failed
    report.post_seconds = posted.seconds
    report.suggestions_received = sum(a.received for a in arrivals)
    latencies, last_arrival, slowest = [], 0.0, (0.0, 0.0)
    for arrival in arrivals:
        for event_id, times in arrival.seen.items():
            sent = posted.sent_at.get(event_id)
            if sent is not None:
                latencies += [(t - sent) * 1000 for t in times]
                last_arrival = max(last_arrival, *times)
                slowest = max(slowest, (max(times) - sent, sent))
    latencies.sort()
    report.deliveries = len(latencies)
    report.deliveries_expected = sum(audience[posted.conversation[e]] for e in posted.sent_at)
    first_sent = min(posted.sent_at.values(), default=0.0)
    report.max_posted_at = max(slowest[1] - first_sent, 0.0)
    report.over_10ms = sum(1 for ms in latencies if ms > 10) / max(len(latencies), 1)
    report.receive_seconds = max(last_arrival - first_sent, 0.0)
    report.latency_ms = {
        name: round(percentile(latencies, fraction), 2)
        for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


def add_restart(report: Report, restarted_at: float, arrivals: list[Arrivals]) -> None:
    """How many widgets joined again after the restart, and when the last one did."""
    times = [t for arrival in arrivals for t in arrival.rejoined_at]
    report.rejoined = len(times)
    report.rejoin_seconds = max(times, default=restarted_at) - restarted_at
    report.rejoin_after_ready_seconds = max(
        report.rejoin_seconds - report.restart_ready_seconds, 0.0
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def render(report: Report) -> str:
    """The human-readable summary."""
    r = report
    lines = [
        f"command                   load.py {' '.join(r.command)}",
        f"widgets connected+joined  {r.connected} / {r.widgets} ({r.connect_failed} failed) "
        f"in {r.connect_seconds:.1f} s over {r.processes} client process(es) "
        f"= {r.connects_per_second:.0f}/s, server CPU {r.connect_cpu_seconds:.1f} s",
        f"compression offered       {r.offered_extensions or '(none)'}",
        f"server answered           {r.answered_extensions or '(declined: no extension)'}; "
        f"negotiated on {r.compressed_sockets}/{r.connected} widget sockets",
        f"server RSS idle           {r.rss_idle / MIB:.1f} MiB",
        f"server RSS connected      {r.rss_connected / MIB:.1f} MiB "
        f"=> {r.kb_per_widget:.1f} KiB per idle widget",
    ]
    if r.events_posted:
        lines += _traffic_lines(r)
    if r.restart_ready_seconds:
        lines.append(
            f"after restart             server ready in {r.restart_ready_seconds:.1f} s; "
            f"{r.rejoined} / {r.connected} widgets back and joined "
            f"{r.rejoin_seconds:.1f} s after the restart began, "
            f"{r.rejoin_after_ready_seconds:.1f} s after the new server was ready"
        )
    lines += [f"note: {note}" for note in r.notes]
    lines += [f"connect error: {error}" for error in r.connect_errors]
    return "\n".join(lines)


def _traffic_lines(r: Report) -> list[str]:
    latency = r.latency_ms
    cpu = ", ".join(f"{name} {share:.0%}" for name, share in r.cpu_share.items())
    return [
        f"events posted             {r.events_posted} in {r.post_seconds:.1f} s "
        f"= {_rate(r.events_posted, r.post_seconds):.1f}/s ({r.events_failed} failed)",
        f"deliveries received       {r.suggestions_received} "
        f"= {_rate(r.suggestions_received, r.receive_seconds):.1f}/s; deliveries matched "
        f"{r.deliveries} / {r.deliveries_expected} "
        f"(missing {r.deliveries_expected - r.deliveries})",
        f"event->widget latency     p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
        f"p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms "
        f"(posted at +{r.max_posted_at:.1f} s); over 10 ms: {r.over_10ms:.2%}",
        f"server RSS after run      {r.rss_after_run / MIB:.1f} MiB",
        f"server CPU per event      {r.cpu_ms_per_event:.2f} ms "
        f"({r.server_cpu_seconds:.1f} s over {r.events_posted} events, every server process)",
        f"CPU during traffic        {cpu} (share of one core)",
    ]


def saturation_notes(cpu_share: dict[str, float]) -> list[str]:
    """Warnings for client-side processes that were busy enough to distort the figures."""
    return [
        f"{name} used {share:.0%} of a core: the client side may be the bottleneck"
        for name, share in cpu_share.items()
        if name != "server" and share >= SATURATED_CPU_SHARE
    ]
