"""Concurrent cache misses share one load; a caller giving up does not cancel it."""

from __future__ import annotations

import asyncio

import pytest

from server.auth.apikeys import ApiKeyAuthenticator
from server.singleflight import SingleFlight


async def test_concurrent_loads_of_one_key_run_once() -> None:
    flight: SingleFlight[int] = SingleFlight()
    calls = 0

    async def load() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    results = await asyncio.gather(*(flight.load("k", load) for _ in range(50)))

    assert results == [42] * 50
    assert calls == 1
    assert await flight.load("k", load) == 42
    assert calls == 2  # nothing is cached: a later call loads again


async def test_a_failure_reaches_every_waiter_and_the_next_call_retries() -> None:
    flight: SingleFlight[int] = SingleFlight()

    async def fail() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("database down")

    results = await asyncio.gather(
        *(flight.load("k", fail) for _ in range(3)), return_exceptions=True
    )

    assert [type(r) for r in results] == [RuntimeError] * 3

    async def succeed() -> int:
        return 1

    assert await flight.load("k", succeed) == 1


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = asyncio.Event()

    async def load() -> str:
        await release.wait()
        return "done"

    first = asyncio.create_task(flight.load("k", load))
    second = asyncio.create_task(flight.load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()

    assert await second == "done"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_burst_of_requests_with_a_new_key_checks_it_once() -> None:
    lookups = 0

    class SlowKeys:
        async def authenticate(self, plaintext: str) -> str | None:
            nonlocal lookups
            lookups += 1
            await asyncio.sleep(0.01)
            return "acme"

    auth = ApiKeyAuthenticator(SlowKeys())
    tenants = await asyncio.gather(*(auth.tenant_for("cc_key") for _ in range(100)))

    assert set(tenants) == {"acme"}
    assert lookups == 1
