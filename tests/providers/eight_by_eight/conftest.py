"""The Pulsar double with an 8x8 tenant on a real port, adapter settings for it, a runner."""

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
from providers.eight_by_eight import EightByEightAdapter, EightByEightSettings
from providers.eight_by_eight.const import Timings
from providers.models import Event
from tests.doubles.pulsar.app import create_double
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant
from tests.doubles.pulsar.world import PulsarWorld

FIXTURES = Path(__file__).parent / "fixtures"
AGENT = "agAglVJkg0TU28dok9y9UQKg"
# Short waits so reconnects and back-off happen within a test.
FAST = Timings(connect_timeout=5.0, heartbeat=5.0, backoff_initial=0.02, backoff_max=0.2)


def fixture(name: str) -> Any:
    """A recorded-shape payload (decoded) from fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def world() -> PulsarWorld:
    return PulsarWorld()


@pytest.fixture
def tenant(world: PulsarWorld) -> EightByEightTenant:
    """The 8x8 tenant ``acmecc01`` and its Pulsar Event Stream key."""
    return EightByEightTenant(world)


@pytest.fixture
async def double(
    world: PulsarWorld, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> TestServer:
    """The Pulsar WebSocket proxy double on a real local port."""
    return await aiohttp_server(create_double(world))


def settings_for(
    double: TestServer, tenant: EightByEightTenant, **overrides: Any
) -> EightByEightSettings:
    """Adapter settings for cuecard tenant acme reading the 8x8 tenant on the double."""
    values: dict[str, Any] = {
        "tenant_id": "acme",
        "tenant_name": tenant.name,
        "api_key": tenant.key,
        "stream_base_url": str(double.make_url("")).replace("http://", "ws://").rstrip("/"),
        "start_at": "earliest",
        "handoff_items": ["accountNumber"],
    }
    return EightByEightSettings.model_validate({**values, **overrides})


@dataclass
class Running:
    """An adapter listening in the background: what it yielded and reported."""

    adapter: EightByEightAdapter
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    statuses: list[ConnectionStatus] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    # Seconds the consumer spends on each event (a slow pipeline).
    delay: float = 0.0

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
async def running(
    adapter: EightByEightAdapter, *, connected: bool = True, delay: float = 0.0
) -> AsyncIterator[Running]:
    """Run ``adapter.listen()`` in the background; wait until connected unless told not to."""
    run = Running(adapter, delay=delay)
    adapter.watch_status(run.record)

    async def pump() -> None:
        async for event in adapter.listen():
            if run.delay:
                await asyncio.sleep(run.delay)
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
