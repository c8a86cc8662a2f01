"""The load harness's lean widget client against a real app: connects, joins, times deliveries,
and reports a refused token as a failed connect rather than hanging."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from load_lean_client import connect_lean_widgets, lean_worker_main
from load_widgets import Arrivals, WidgetFleet, WorkerPlan

from tests.fixtures.app import SECRET, customer_says

WIDGETS = 4


class WatchedArrivals(Arrivals):
    """Arrivals that also wake the test once ``wanted`` timed events have come in."""

    def __init__(self, wanted: int) -> None:
        super().__init__()
        self.wanted = wanted
        self.arrived = asyncio.Event()

    def _note(self, event_id: Any) -> None:
        super()._note(event_id)
        if self.received >= self.wanted:
            self.arrived.set()


def plan_for(client: TestClient[Any, Any], secret: str, event: str = "suggestions") -> WorkerPlan:
    return WorkerPlan(
        base_url=str(client.make_url("")).rstrip("/"),
        secret_key=secret,
        tenant_id="acme",
        first=0,
        count=WIDGETS,
        widgets_per_conversation=2,
        concurrency=2,
        compress=True,
        event=event,
    )


async def post_line(client: TestClient[Any, Any], key: str, event_id: str, conv: str) -> None:
    body = customer_says(event_id, "my router keeps dropping", conversation_id=conv)
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.mark.parametrize("event", ["suggestions", "transcript"])
async def test_widgets_join_and_time_their_conversations_events(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    session: aiohttp.ClientSession,
    event: str,
) -> None:
    # Widgets 2 and 3 joined conv-1; widgets 0 and 1 (conv-0) hear nothing of its line.
    sink = WatchedArrivals(wanted=2)
    widgets, stats = await connect_lean_widgets(
        plan_for(client, SECRET.get_secret_value(), event), session, sink
    )
    assert (stats.connected, stats.failed, stats.errors) == (WIDGETS, 0, [])

    before = time.monotonic()
    await post_line(client, api_keys["acme"], "e1", "conv-1")
    await asyncio.wait_for(sink.arrived.wait(), 10)

    assert len(sink.seen["e1"]) == sink.received == 2
    assert all(t >= before for t in sink.seen["e1"])
    for widget in widgets:
        await widget.disconnect()


async def test_a_refused_token_is_a_failed_connect_not_a_hang(
    client: TestClient[Any, Any], session: aiohttp.ClientSession
) -> None:
    forged = plan_for(client, "another-signing-key-" + "z" * 40)

    widgets, stats = await asyncio.wait_for(
        connect_lean_widgets(forged, session, Arrivals()), timeout=10
    )

    assert (widgets, stats.connected, stats.failed) == ([], 0, WIDGETS)
    assert all(e.startswith("Refused:") and "unauthenticated" in e for e in stats.errors)


async def test_a_worker_process_reports_through_the_fleet(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    fleet = WidgetFleet([plan_for(client, SECRET.get_secret_value())], lean_worker_main)
    fleet.start()
    try:
        [stats] = await asyncio.wait_for(fleet.connected(), 60)
        assert (stats.connected, stats.failed) == (WIDGETS, 0)

        await post_line(client, api_keys["acme"], "e2", "conv-0")

        async def delivered() -> bool:
            [arrivals] = await fleet.arrivals()
            return len(arrivals.seen.get("e2", [])) == 2

        await asyncio.wait_for(_until_async(delivered), 20)
    finally:
        await asyncio.wait_for(fleet.close(), 60)


async def _until_async(condition: Any) -> None:
    """Ask the worker again until ``condition()`` holds (the caller bounds the wait)."""
    # The arrivals live in another process, reachable only by asking over its pipe.
    while not await condition():  # noqa: ASYNC110
        await asyncio.sleep(0.1)
