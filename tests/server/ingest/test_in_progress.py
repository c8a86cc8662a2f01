"""An event another delivery is still processing is answered "in progress, retry", never as
done; a dead node's claim lapses within seconds so the platform's retry goes through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import ASSISTANT, JOURNAL, STATE
from server.state.base import Claim, event_key
from server.state.redis import RedisState
from tests.fixtures.app import customer_says, make_settings, seed_tenants
from tests.fixtures.waiting import eventually


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Gate:
    """Holds the assistant's suggestions until the test opens it."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.open = asyncio.Event()


@pytest.fixture
def gate(client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch) -> Gate:
    assistant = client.app[ASSISTANT]
    real_suggest = assistant.suggest
    gate = Gate()

    async def held_suggest(request: Any) -> Any:
        gate.entered.set()
        await gate.open.wait()
        return await real_suggest(request)

    monkeypatch.setattr(assistant, "suggest", held_suggest)
    return gate


async def test_a_retry_during_processing_is_told_to_retry_not_that_it_is_done(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any, gate: Gate
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    state = client.app[STATE]
    state.claim_seconds = 0.3  # so the heartbeat renews every 0.1 s
    message = customer_says("e1", "my router keeps dropping")

    first = asyncio.create_task(
        client.post("/api/v1/events", json=message, headers=auth(api_keys["acme"]))
    )
    await gate.entered.wait()
    # Several claim lifetimes pass while the first delivery is still working on the event.
    await asyncio.sleep(3 * state.claim_seconds)
    retry = await client.post("/api/v1/events", json=message, headers=auth(api_keys["acme"]))
    gate.open.set()
    done = await first
    after = await client.post("/api/v1/events", json=message, headers=auth(api_keys["acme"]))

    assert retry.status == 503
    assert retry.headers["Retry-After"] == "2"
    body = await retry.json()
    assert body["code"] == "in_progress"
    assert body["results"] == [{"provider_event_id": "e1", "status": "in_progress"}]
    assert done.status == 200
    assert (await done.json())["results"][0]["status"] == "processed"
    assert (await after.json())["results"][0]["status"] == "duplicate"
    assert (await widget.next("transcript"))["line"]["event_id"] == "e1"
    await widget.next("suggestions")
    assert widget.pending("transcript") == 0


async def test_a_batch_stops_at_the_event_in_progress_so_order_is_kept(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    state = client.app[STATE]
    assert await state.claim_event(event_key("acme", "test", "e2")) is Claim.TAKEN
    batch = {"events": [customer_says(f"e{i}", f"line {i}") for i in (1, 2, 3)]}

    response = await client.post("/api/v1/events", json=batch, headers=auth(api_keys["acme"]))

    assert response.status == 503
    body = await response.json()
    assert body["field"] == "events[1]"
    assert [r["status"] for r in body["results"]] == ["processed", "in_progress"]
    snapshot = await client.app[JOURNAL].snapshot("acme", "conv-1")
    assert [line.event_id for line in snapshot.transcript] == ["e1"]


@pytest.mark.redis
async def test_a_dead_nodes_claim_lapses_and_the_retry_is_processed(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    keys = await seed_tenants(settings.database_url)
    node_b = await aiohttp_client(create_app(settings))
    # Node A takes the event and dies before finishing: it never renews, completes or releases.
    node_a = RedisState.from_url(redis_url, dedup_ttl_seconds=3600, max_lines=50, claim_seconds=1)
    assert await node_a.claim_event(event_key("acme", "test", "e1")) is Claim.TAKEN
    await node_a.aclose()
    message = customer_says("e1", "my router keeps dropping")

    retried_at_once = await node_b.post("/api/v1/events", json=message, headers=auth(keys["acme"]))
    statuses: list[int] = []

    async def processed() -> bool:
        response = await node_b.post("/api/v1/events", json=message, headers=auth(keys["acme"]))
        statuses.append(response.status)
        return response.status == 200

    await eventually(processed, attempts=60, what="the retry being processed")

    assert retried_at_once.status == 503
    assert set(statuses[:-1]) <= {503}
    snapshot = await node_b.app[JOURNAL].snapshot("acme", "conv-1")
    assert [line.event_id for line in snapshot.transcript] == ["e1"]
