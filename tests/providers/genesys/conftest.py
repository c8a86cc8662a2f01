"""The Genesys double on a real port, adapter settings pointing at it, and a runner."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from providers.base import ConnectionState, ConnectionStatus
from providers.genesys import GenesysAdapter, GenesysSettings
from providers.genesys.const import Timings
from providers.models import Event
from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.world import ORG_ID, GenesysWorld, OAuthClient

FIXTURES = Path(__file__).parent / "fixtures"
QUEUE = "queue-1"
# Short timings so reconnects, renewals and heartbeat timeouts happen within a test.
FAST = Timings(
    ping_after=0.15,
    heartbeat_timeout=0.4,
    channel_renew_before=0.0,
    token_leeway=0.0,
    backoff_initial=0.02,
    backoff_max=0.2,
    retry_after_max=5.0,
    rate_limit_retries=5,
    request_timeout=5.0,
)


def fixture(name: str) -> Any:
    """A recorded-shape payload from fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def world() -> GenesysWorld:
    """An organization with one client-credentials OAuth client and fast heartbeats."""
    world = GenesysWorld(clients={"svc": OAuthClient("svc", secret="s3cret")})
    world.channels.heartbeat_interval = 0.05
    return world


@pytest.fixture
async def double(
    world: GenesysWorld, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> TestServer:
    """The double serving api.* and login.* on one real local port."""
    return await aiohttp_server(create_double(world))


def settings_for(double: TestServer, **overrides: Any) -> GenesysSettings:
    """Adapter settings for tenant acme, watching QUEUE, against the double."""
    base = str(double.make_url("")).rstrip("/")
    values: dict[str, Any] = {
        "tenant_id": "acme",
        "organization_id": ORG_ID,
        "client_id": "svc",
        "client_secret": "s3cret",
        "queue_ids": [QUEUE],
        "api_base_url": base,
        "login_base_url": base,
    }
    return GenesysSettings.model_validate({**values, **overrides})


@dataclass
class Running:
    """An adapter listening in the background, with what it yielded and reported."""

    adapter: GenesysAdapter
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    statuses: list[ConnectionStatus] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def next(self, within: float = 5.0) -> Event:
        """The next event; fails the test if none arrives in time."""
        return await asyncio.wait_for(self.events.get(), within)

    async def take(self, count: int, within: float = 5.0) -> list[Event]:
        """The next ``count`` events."""
        return [await self.next(within) for _ in range(count)]

    async def status(self, state: ConnectionState, within: float = 5.0) -> ConnectionStatus:
        """The first reported status in ``state`` (waiting for it if need be)."""
        async with asyncio.timeout(within):
            while True:
                found = [s for s in self.statuses if s.state is state]
                if found:
                    return found[0]
                self.changed.clear()
                await self.changed.wait()

    def record(self, status: ConnectionStatus) -> None:
        self.statuses.append(status)
        self.changed.set()


@asynccontextmanager
async def running(adapter: GenesysAdapter, *, connected: bool = True) -> AsyncIterator[Running]:
    """Run ``adapter.listen()`` in the background; wait until connected unless told not to."""
    run = Running(adapter)
    adapter.watch_status(run.record)

    async def pump() -> None:
        async for event in adapter.listen():
            await run.events.put(event)

    run.task = asyncio.create_task(pump())
    try:
        if connected:
            await run.status(ConnectionState.CONNECTED)
        yield run
    finally:
        await adapter.aclose()
        run.task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await run.task
