"""Constants of the 8x8 adapter: registry name, stream hosts, Pulsar close codes and timings."""

from __future__ import annotations

from typing import Final, NamedTuple

PROVIDER: Final = "eight_by_eight"
DISPLAY_NAME: Final = "8x8"

# Event Streaming WebSocket hosts by 8x8 region (protocols.md 5.1).
REGION_HOSTS: Final[dict[str, str]] = {
    "uk3": "pulsar-ws-euw2.8x8.com",
    "us1": "pulsar-ws-use1.8x8.com",
    "us2": "pulsar-ws-usw2.8x8.com",
}
# Pulsar namespaces 8x8 publishes to: the tenant's events, and one topic per agent.
EVENT_NAMESPACE: Final = "event-v1"
AGENT_NAMESPACE: Final = "agent-v1"
ALL_EVENTS_TOPIC: Final = "all"
# The proxy caps a reader's queue at this many un-acknowledged messages (protocols.md 6).
MAX_RECEIVER_QUEUE: Final = 1000

# Close codes the Pulsar WebSocket proxy sends on error (protocols.md 6). Codes 5 and 6 mean
# our key was refused: reconnecting will not help. The others are retried after back-off.
PULSAR_CLOSE_CODES: Final[dict[int, str]] = {
    1: "failed to create producer",
    2: "failed to subscribe",
    3: "failed to de-serialize from JSON",
    4: "failed to serialize to JSON",
    5: "failed to authenticate client",
    6: "client is not authorized",
    7: "invalid payload encoding",
    8: "unknown error",
}
AUTH_CLOSE_CODES: Final = frozenset({5, 6})

# Where 8x8's Agent Workspace (its Platform UI Shell) frames partner apps from: 8x8 documents
# the frame-ancestors a partner page needs as https://*.8x8.com.
WORKSPACE_ORIGINS: Final = ("https://*.8x8.com",)

# Interactions with no queue (direct and agent-initiated calls) are routed as this queue.
DIRECT_QUEUE: Final = "direct"


class Timings(NamedTuple):
    """Every wait the adapter makes, in seconds; tests pass shorter ones."""

    # 8x8 recommends a 45 s connect timeout (protocols.md 5.1).
    connect_timeout: float = 45.0
    # WebSocket pings keep the proxy's idle timeout (300 s by default) from closing a quiet
    # stream, and reveal a dead connection: no pong within half of this closes it.
    heartbeat: float = 30.0
    # Reconnects back off exponentially from ``backoff_initial`` up to ``backoff_max``.
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


DEFAULT_TIMINGS: Final = Timings()
