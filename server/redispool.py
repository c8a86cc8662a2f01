"""Redis clients with a bounded connection pool, so a burst of calls queues instead of failing.

redis-py's default pool opens one more connection whenever every open one is busy. When
thousands of widgets connect or disconnect at once (a restart, a connect storm), each handler's
Redis call then opened a connection of its own, until the process ran out of descriptors and
every call failed as "Redis is unreachable" (docs/benchmarks.md). A blocking pool of
``MAX_CONNECTIONS`` makes the calls wait their turn for a few milliseconds instead.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

MAX_CONNECTIONS = 64
# A call waits this long for a free connection before it fails (as Unavailable, upstream).
WAIT_SECONDS = 10


def bounded_redis(url: str, *, decode_responses: bool = True) -> Redis:
    """A client for ``url`` sharing at most ``MAX_CONNECTIONS`` connections."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=WAIT_SECONDS,
        decode_responses=decode_responses,
    )
    # from_pool: the client owns the pool and closes its connections with it.
    return Redis.from_pool(pool)
