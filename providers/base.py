"""The small contract every provider adapter follows.

Push sources (webhooks) implement :class:`PushAdapter`: ``verify`` checks the request is
genuine, ``parse`` turns its payload into canonical events. Pull sources (sockets, streams,
replays) implement :class:`PullAdapter`: ``listen`` yields canonical events until closed.
Both close with ``aclose``. Adapters never import the server; they see requests through
:class:`InboundRequest` so they stay testable without a web framework.

Example::

    class AcmeAdapter:
        name = "acme"

        async def listen(self) -> AsyncIterator[Event]:
            async for payload in self._client.stream():
                for event in mapping.to_events(payload):
                    yield event

        async def aclose(self) -> None:
            await self._client.aclose()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from providers.models import Event


class InboundRequest(BaseModel):
    """A pushed HTTP request as an adapter sees it: headers and the raw body."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


class ProviderSettings(BaseModel):
    """Base of every adapter's settings model (credentials, hosts, options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str


@runtime_checkable
class Adapter(Protocol):
    """What every adapter has: a registry name and a way to release its resources."""

    name: ClassVar[str]

    async def aclose(self) -> None:
        """Release sockets, tasks and files the adapter holds."""


@runtime_checkable
class PullAdapter(Adapter, Protocol):
    """An adapter that connects out and yields events as they arrive."""

    def listen(self) -> AsyncIterator[Event]:
        """Yield canonical events until the adapter is closed."""


@runtime_checkable
class PushAdapter(Adapter, Protocol):
    """An adapter that receives requests the platform pushes to us."""

    async def verify(self, request: InboundRequest) -> None:
        """Raise :class:`providers.errors.SignatureInvalid` unless the request is genuine."""

    def parse(self, payload: Any) -> list[Event]:
        """Map one pushed payload to canonical events; unknown payloads map to nothing."""


class ConnectionState(StrEnum):
    """Where a pull adapter's connection to its platform stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"
    CONFIG_ERROR = "config_error"
    STOPPED = "stopped"


class ConnectionStatus(BaseModel):
    """One change of connection state, with the error that caused it (never a secret)."""

    model_config = ConfigDict(frozen=True)

    state: ConnectionState
    last_error: str | None = None
    changed_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))


StatusListener = Callable[[ConnectionStatus], None]


@runtime_checkable
class StatusReporting(Protocol):
    """A pull adapter that says when it connects, reconnects or is refused."""

    def watch_status(self, listener: StatusListener) -> None:
        """Call ``listener`` on every change of connection state."""


@runtime_checkable
class Checkable(Protocol):
    """An adapter that can test its settings against the platform without side effects."""

    async def check(self) -> None:
        """Return if credentials and hosts work; raise a classified ``ProviderError`` if not.

        The error's message is shown to the admin as is, so it names what to fix and never
        contains a secret.
        """
