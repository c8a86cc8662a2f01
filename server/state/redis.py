"""State in Redis, shared by every server node."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import TypeAdapter
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from server.conversation import Line
from server.errors import Unavailable
from server.state.base import CLAIM_SECONDS, REPORTER_SECONDS, Claim
from server.state.models import Assignment, ConversationMeta, MetaChanges

PREFIX = "cuecard"
# Connections a node opens to Redis at most; more callers at once wait their turn (up to
# POOL_WAIT_SECONDS) instead of failing, as a thousand widgets reconnecting together would.
POOL_SIZE = 100
POOL_WAIT_SECONDS = 10
# Live conversation state outlives the conversation by a day, then Redis forgets it.
CONVERSATION_TTL_SECONDS = 24 * 3600

# KEYS[1] ("known") holds the newest journal position Redis applied to the conversation; the
# scripts answer the value before (0: Redis does not know the conversation, being new or lost
# in a restart), so the caller can restore the conversation from the journal.
_NOTE_POSITION = """
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > known then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
"""

# A line already kept for its event (a retried event) is not kept twice.
_APPEND_LINE = (
    _NOTE_POSITION
    + """
if redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return known
"""
)

# ARGV[3..] are field, value pairs; the answer is [known before, field, value, ...].
_UPDATE_META = (
    _NOTE_POSITION
    + """
if #ARGV > 2 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 3))
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
local fields = redis.call('HGETALL', KEYS[2])
table.insert(fields, 1, known)
return fields
"""
)

# A claim's value names the node holding it, so only that node renews or releases it.
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 'taken'
end
if redis.call('GET', KEYS[1]) == 'done' then
  return 'done'
end
return 'in_progress'
"""
_RENEW_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# First writer wins: bind an unbound conversation, renew the binding for its own agent, and
# answer with whoever holds it, in one step so two nodes cannot both bind it.
_BIND_REPORTER = """
local bound = redis.call('GET', KEYS[1])
if not bound then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return ARGV[1]
end
if bound == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return bound
"""


def _key(kind: str, tenant_id: str, name: str) -> str:
    # Tenant ids are slugs without colons, so the key is unambiguous.
    return f"{PREFIX}:{kind}:{tenant_id}:{name}"


_LINES = TypeAdapter(list[Line])


def _lines(raw: list[str]) -> list[Line]:
    """Stored lines (each a JSON object) parsed in one call: a turn reads up to 40 of them."""
    return _LINES.validate_json(f"[{','.join(raw)}]") if raw else []


def redis_client(url: str, **options: Any) -> Redis:
    """A client for ``url`` whose callers queue for a connection when all are busy."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=POOL_SIZE, timeout=POOL_WAIT_SECONDS, **options
    )
    return Redis.from_pool(pool)


async def call_redis(awaitable: Any) -> Any:
    """Await a redis-py call, its errors translated once into :class:`Unavailable`."""
    # redis-py's return types are untyped unions; callers annotate what they read.
    try:
        return await awaitable
    except RedisError as err:
        raise Unavailable("Redis is unreachable") from err


class RedisState:
    """State in Redis: SET NX claims for de-duplication, a list and a hash per conversation."""

    def __init__(
        self,
        redis: Redis,
        *,
        dedup_ttl_seconds: int,
        max_lines: int,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.claim_seconds = claim_seconds
        self._redis = redis
        self._dedup_ttl = dedup_ttl_seconds
        self._max_lines = max_lines
        self._append = redis.register_script(_APPEND_LINE)
        self._update_meta = redis.register_script(_UPDATE_META)
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW_CLAIM)
        self._release = redis.register_script(_RELEASE_CLAIM)
        self._holder = f"processing:{secrets.token_hex(8)}"
        self._bind_reporter = redis.register_script(_BIND_REPORTER)

    @classmethod
    def from_url(
        cls, url: str, *, dedup_ttl_seconds: int, max_lines: int, **options: Any
    ) -> RedisState:
        """A state store on the Redis server at ``url``."""
        redis = redis_client(url, decode_responses=True)
        return cls(redis, dedup_ttl_seconds=dedup_ttl_seconds, max_lines=max_lines, **options)

    async def claim_event(self, key: str) -> Claim:
        found = await self._call(
            self._claim(keys=[f"{PREFIX}:event:{key}"], args=[self._holder, self._claim_ms])
        )
        return Claim(found)

    async def renew_claim(self, key: str) -> bool:
        renewed = await self._call(
            self._renew(keys=[f"{PREFIX}:event:{key}"], args=[self._holder, self._claim_ms])
        )
        return bool(renewed)

    async def complete_event(self, key: str) -> None:
        await self._call(self._redis.set(f"{PREFIX}:event:{key}", "done", ex=self._dedup_ttl))

    async def release_event(self, key: str) -> None:
        await self._call(self._release(keys=[f"{PREFIX}:event:{key}"], args=[self._holder]))

    @property
    def _claim_ms(self) -> int:
        return max(1, int(self.claim_seconds * 1000))

    async def append_line(self, tenant_id: str, conversation_id: str, line: Line) -> int:
        keys = [
            _key("known", tenant_id, conversation_id),
            _key("lines", tenant_id, conversation_id),
            _key("line-by-event", tenant_id, conversation_id),
        ]
        args: list[str | int] = [
            line.seq,
            CONVERSATION_TTL_SECONDS,
            line.model_dump_json(),
            line.event_id,
            self._max_lines,
        ]
        known: int = await self._call(self._append(keys=keys, args=args))
        return known

    async def update_meta(
        self, tenant_id: str, conversation_id: str, changes: MetaChanges, position: int
    ) -> tuple[ConversationMeta, int]:
        keys = [_key("known", tenant_id, conversation_id), _key("meta", tenant_id, conversation_id)]
        args: list[str | bytes | int] = [position, CONVERSATION_TTL_SECONDS]
        for name, value in changes.fields().items():
            args += [name, value]
        answer = await self._call(self._update_meta(keys=keys, args=args))
        fields = dict(zip(answer[1::2], answer[2::2], strict=True))
        return ConversationMeta(conversation_id=conversation_id, **fields), int(answer[0])

    async def restore(
        self,
        tenant_id: str,
        conversation_id: str,
        meta: ConversationMeta,
        lines: list[Line],
        agents: set[str],
    ) -> None:
        def key(kind: str) -> str:
            return _key(kind, tenant_id, conversation_id)

        fields = MetaChanges(**meta.model_dump(exclude={"conversation_id"})).fields()
        kept = lines[-self._max_lines :]
        async with self._redis.pipeline(transaction=True) as pipe:
            if fields:
                pipe.hset(key("meta"), mapping=dict(fields.items()))
            pipe.delete(key("lines"), key("line-by-event"))
            if kept:
                pipe.rpush(key("lines"), *(line.model_dump_json() for line in kept))
                pipe.hset(key("line-by-event"), mapping={line.event_id: 1 for line in kept})
            if agents:
                pipe.sadd(key("agents"), *agents)
            for kind in ("meta", "lines", "line-by-event", "agents", "known"):
                pipe.expire(key(kind), CONVERSATION_TTL_SECONDS)
            await self._call(pipe.execute())

    async def meta(self, tenant_id: str, conversation_id: str) -> ConversationMeta:
        fields = await self._call(self._redis.hgetall(_key("meta", tenant_id, conversation_id)))
        return ConversationMeta(conversation_id=conversation_id, **fields)

    async def recent_lines(self, tenant_id: str, conversation_id: str, limit: int) -> list[Line]:
        key = _key("lines", tenant_id, conversation_id)
        return _lines(await self._call(self._redis.lrange(key, -limit, -1)))

    async def conversation(
        self, tenant_id: str, conversation_id: str, limit: int
    ) -> tuple[ConversationMeta, list[Line]]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(_key("meta", tenant_id, conversation_id))
            pipe.lrange(_key("lines", tenant_id, conversation_id), -limit, -1)
            fields, raw = await self._call(pipe.execute())
        return ConversationMeta(conversation_id=conversation_id, **fields), _lines(raw)

    async def add_conversation_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> None:
        key = _key("agents", tenant_id, conversation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, agent_id)
            pipe.expire(key, CONVERSATION_TTL_SECONDS)
            await self._call(pipe.execute())

    async def conversation_agents(self, tenant_id: str, conversation_id: str) -> frozenset[str]:
        key = _key("agents", tenant_id, conversation_id)
        members: set[str] = await self._call(self._redis.smembers(key))
        return frozenset(members)

    async def assign(self, tenant_id: str, agent_id: str, assignment: Assignment) -> None:
        key = _key("assignment", tenant_id, agent_id)
        payload = assignment.model_dump_json()
        await self._call(self._redis.set(key, payload, ex=CONVERSATION_TTL_SECONDS))

    async def assignment(self, tenant_id: str, agent_id: str) -> Assignment | None:
        raw = await self._call(self._redis.get(_key("assignment", tenant_id, agent_id)))
        return Assignment.model_validate_json(raw) if raw else None

    async def bind_reporting_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> str:
        key = _key("reporter", tenant_id, conversation_id)
        bound = await self._call(self._bind_reporter(keys=[key], args=[agent_id, REPORTER_SECONDS]))
        return str(bound)

    async def reporting_agent(self, tenant_id: str, conversation_id: str) -> str | None:
        bound: str | None = await self._call(
            self._redis.get(_key("reporter", tenant_id, conversation_id))
        )
        return bound

    async def put_ephemeral(self, key: str, value: str, ttl_seconds: int) -> None:
        await self._call(self._redis.set(f"{PREFIX}:ephemeral:{key}", value, ex=ttl_seconds))

    async def get_ephemeral(self, key: str) -> str | None:
        value: str | None = await self._call(self._redis.get(f"{PREFIX}:ephemeral:{key}"))
        return value

    async def take_ephemeral(self, key: str) -> str | None:
        value: str | None = await self._call(self._redis.getdel(f"{PREFIX}:ephemeral:{key}"))
        return value

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def aclose(self) -> None:
        await self._redis.aclose()

    _call = staticmethod(call_redis)
