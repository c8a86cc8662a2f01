"""The Pulsar double with an 8x8 tenant on a real port, adapter settings for it, a runner."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from providers.eight_by_eight import EightByEightAdapter, EightByEightSettings
from providers.eight_by_eight.const import Timings
from tests.doubles.pulsar.app import create_double
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant
from tests.doubles.pulsar.world import PulsarWorld
from tests.fixtures.adapters import Running as RunningAdapter

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


Running = RunningAdapter[EightByEightAdapter]
