"""Settings of the 8x8 adapter: the tenant's Event Streaming region, key and topics."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyUrl, Field, SecretStr, StringConstraints, field_validator

from providers.base import SECRET_DESTINATION, ProviderSettings
from providers.eight_by_eight.const import (
    AGENT_NAMESPACE,
    ALL_EVENTS_TOPIC,
    EVENT_NAMESPACE,
    MAX_RECEIVER_QUEUE,
    REGION_HOSTS,
    WORKSPACE_ORIGINS,
)
from providers.handoff import HandoffNames

# Pulsar tenant and topic names: they become URL path segments, so nothing else slips in.
PulsarName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
]
AgentId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")]
FactName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# An https origin, its host possibly a wildcard subdomain (https://*.8x8.com); plain http only
# for an Agent Workspace double on this machine.
OriginPattern = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^(https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+|http://(127\.0\.0\.1|localhost))"
        r"(:[0-9]{1,5})?$",
    ),
]


class EightByEightSettings(ProviderSettings):
    """A tenant's 8x8 Event Streaming: where to read, with which key, and what to show.

    Without ``agent_ids`` the adapter reads the tenant's ``event-v1/all`` topic; with them,
    one ``agent-v1/<agent id>`` topic per agent. ``stream_base_url`` overrides the region's
    host for private environments and tests.
    """

    region: Literal["uk3", "us1", "us2"] = Field(
        default="uk3", description="8x8 Contact Center region (UK3, US1, US2)."
    )
    tenant_name: PulsarName = Field(
        description="Your 8x8 tenant name, as in the stream URL wss://HOST/ws/v2/reader/"
        "persistent/TENANT/event-v1/all."
    )
    api_key: SecretStr = Field(
        description="An Admin Console API key for the product 'Pulsar Event Stream' (eght_…)."
    )
    agent_ids: tuple[AgentId, ...] = Field(
        default=(),
        description="Read these agents' topics (agent-v1/ID) instead of all the tenant's events.",
    )
    start_at: Literal["latest", "earliest"] = Field(
        default="latest",
        description="Where a topic read for the first time starts; later reads resume after "
        "the last event processed.",
    )
    receiver_queue_size: int = Field(
        default=100,
        ge=1,
        le=MAX_RECEIVER_QUEUE,
        description="Most events 8x8 sends ahead of the one being processed (1-1000).",
    )
    handoff_intent: tuple[FactName, ...] = Field(
        default=("intent",), description="Attached-data keys holding the caller's intent."
    )
    handoff_summary: tuple[FactName, ...] = Field(
        default=("summary",), description="Attached-data keys holding a bot's or IVR's summary."
    )
    handoff_items: tuple[FactName, ...] = Field(
        default=(), description="Attached-data keys shown on the context card (account, …)."
    )
    workspace_origins: tuple[OriginPattern, ...] = Field(
        default=WORKSPACE_ORIGINS,
        min_length=1,
        description="Origins of the 8x8 pages allowed to frame the widget (https://*.8x8.com "
        "by default, as 8x8 documents).",
    )
    stream_base_url: AnyUrl | None = Field(
        json_schema_extra=SECRET_DESTINATION,
        default=None,
        description="Overrides the region's wss://HOST, for private environments and tests.",
    )

    @field_validator("stream_base_url")
    @classmethod
    def _websocket_url(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and value.scheme not in {"ws", "wss"}:
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @property
    def stream_url(self) -> str:
        """Base URL of the Pulsar WebSocket proxy, without a trailing slash."""
        if self.stream_base_url is not None:
            return str(self.stream_base_url).rstrip("/")
        return f"wss://{REGION_HOSTS[self.region]}"

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics to read, as ``namespace/topic`` under the tenant."""
        if self.agent_ids:
            return tuple(f"{AGENT_NAMESPACE}/{agent}" for agent in self.agent_ids)
        return (f"{EVENT_NAMESPACE}/{ALL_EVENTS_TOPIC}",)

    @property
    def handoff_names(self) -> HandoffNames:
        """Which attached-data keys make the handoff context."""
        return HandoffNames(self.handoff_intent, self.handoff_summary, self.handoff_items)
