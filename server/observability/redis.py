"""Telemetry in Redis, so every node's admin view shows every node's events and widgets."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence

from redis.asyncio import Redis

from server.errors import Unavailable
from server.observability.base import KEEP_MINUTES, Clock, MinuteBatch, RecordSource
from server.observability.models import EventRecord, MinuteCounts
from server.state.redis import call_redis, redis_client

log = logging.getLogger(__name__)

PREFIX = "cuecard"
# Records hold customer text: they outlive the live transcript no longer than it does.
RECORDS_TTL_SECONDS = 24 * 3600
MINUTES_TTL_SECONDS = KEEP_MINUTES * 60
# A node refreshes its widgets every HEARTBEAT_SECONDS; a crashed node's expire after this.
WIDGET_TTL_SECONDS = 90
HEARTBEAT_SECONDS = 30.0


def _records_key(tenant_id: str) -> str:
    return f"{PREFIX}:inspector:{tenant_id}"


def _minute_key(tenant_id: str, minute: int) -> str:
    return f"{PREFIX}:health:{tenant_id}:{minute}"


def _widgets_key(tenant_id: str) -> str:
    return f"{PREFIX}:widgets:{tenant_id}"


class RedisTelemetry:
    """A capped list per tenant (LPUSH + LTRIM), a hash per minute, a sorted set of widgets.

    Widgets are members scored by when they expire; each node re-scores its own on every
    heartbeat, so a node that dies without saying goodbye stops counting within a minute or two.
    """

    def __init__(self, redis: Redis, *, ring_size: int, clock: Clock = time.time) -> None:
        self._redis = redis
        self._ring_size = ring_size
        self._clock = clock
        self._local_widgets: dict[str, str] = {}

    @classmethod
    def from_url(cls, url: str, *, ring_size: int, clock: Clock = time.time) -> RedisTelemetry:
        """Telemetry on the Redis server at ``url``."""
        return cls(redis_client(url, decode_responses=True), ring_size=ring_size, clock=clock)

    async def write(self, records: Sequence[RecordSource], minutes: MinuteBatch) -> None:
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for source in records:
            by_tenant[source.tenant_id].append(source.record().model_dump_json())
        async with self._redis.pipeline(transaction=False) as pipe:
            for tenant_id, encoded in by_tenant.items():
                key = _records_key(tenant_id)
                pipe.lpush(key, *encoded)
                pipe.ltrim(key, 0, self._ring_size - 1)
                pipe.expire(key, RECORDS_TTL_SECONDS)
            for (tenant_id, minute), counts in minutes.items():
                key = _minute_key(tenant_id, minute)
                for name, value in counts.counts.items():
                    pipe.hincrby(key, name, value)
                pipe.expire(key, MINUTES_TTL_SECONDS)
            await self._call(pipe.execute())

    async def records(self, tenant_id: str) -> list[EventRecord]:
        raw = await self._call(self._redis.lrange(_records_key(tenant_id), 0, -1))
        return [EventRecord.model_validate_json(item) for item in raw]

    async def minutes(self, tenant_id: str, first: int, last: int) -> dict[int, MinuteCounts]:
        wanted = range(first, last + 1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for minute in wanted:
                pipe.hgetall(_minute_key(tenant_id, minute))
            hashes = await self._call(pipe.execute())
        return {
            minute: MinuteCounts(Counter({name: int(value) for name, value in fields.items()}))
            for minute, fields in zip(wanted, hashes, strict=True)
            if fields
        }

    async def connected(self, tenant_id: str, sid: str) -> None:
        self._local_widgets[sid] = tenant_id
        key, expires = _widgets_key(tenant_id), self._clock() + WIDGET_TTL_SECONDS
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {sid: expires})
            pipe.expire(key, WIDGET_TTL_SECONDS)
            await self._call(pipe.execute())

    async def disconnected(self, sid: str) -> None:
        tenant_id = self._local_widgets.pop(sid, None)
        if tenant_id is not None:
            await self._call(self._redis.zrem(_widgets_key(tenant_id), sid))

    async def count(self, tenant_id: str) -> int:
        key, now = _widgets_key(tenant_id), self._clock()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            _, live = await self._call(pipe.execute())
        return int(live)

    async def heartbeat(self) -> None:
        by_tenant: dict[str, dict[str, float]] = defaultdict(dict)
        expires = self._clock() + WIDGET_TTL_SECONDS
        for sid, tenant_id in self._local_widgets.items():
            by_tenant[tenant_id][sid] = expires
        if not by_tenant:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for tenant_id, scores in by_tenant.items():
                pipe.zadd(_widgets_key(tenant_id), scores)
                pipe.expire(_widgets_key(tenant_id), WIDGET_TTL_SECONDS)
            await self._call(pipe.execute())

    async def aclose(self) -> None:
        await self._redis.aclose()

    _call = staticmethod(call_redis)


async def keep_widgets_alive(presence: RedisTelemetry) -> None:
    """Refresh this node's widgets every HEARTBEAT_SECONDS until cancelled."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await presence.heartbeat()
        except Unavailable:
            # The count is briefly low while Redis is away; the next beat restores it.
            log.debug("widget heartbeat skipped: Redis is unreachable")
