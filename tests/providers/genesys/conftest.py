"""The Genesys double on a real port, adapter settings pointing at it, and a runner."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from providers.genesys import GenesysAdapter, GenesysSettings
from providers.genesys.const import Timings
from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.world import ORG_ID, GenesysWorld, OAuthClient
from tests.fixtures.adapters import Running as RunningAdapter

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


Running = RunningAdapter[GenesysAdapter]
