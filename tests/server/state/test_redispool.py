"""A burst of Redis calls shares a bounded pool instead of opening a connection each."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.redispool import MAX_CONNECTIONS
from server.state.redis import RedisState

pytestmark = pytest.mark.redis


async def test_a_thousand_concurrent_calls_use_at_most_the_pool(redis_url: str) -> None:
    state = RedisState.from_url(redis_url, dedup_ttl_seconds=60, max_lines=10)
    observer = Redis.from_url(redis_url)
    try:
        await state.put_ephemeral("k", "v", 60)
        # Every call waits on the server for a moment, so they overlap.
        values = await asyncio.gather(
            *(state._redis.execute_command("BLPOP", f"none-{n}", 0.05) for n in range(1000)),
            *(state.get_ephemeral("k") for _ in range(100)),
        )
        clients = await observer.client_list()
    finally:
        await state.aclose()
        await observer.aclose()

    assert values[1000:] == ["v"] * 100
    # The observer's own connection, plus the pool's (which a burst fills, never exceeds).
    assert len(clients) <= MAX_CONNECTIONS + 1
