"""Configuration changes between server nodes, over a Redis pub/sub channel.

Each node applies its own changes directly and publishes them; the others receive them on
``cuecard:config`` and refresh from the database. Without Redis there are no other nodes and
publishing does nothing. Messages name ids only: never document text or secrets.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANNEL = "cuecard:config"
_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)

ChangeKind = Literal["routes", "kb", "kb_dropped", "dense", "integration"]


class ConfigChange(BaseModel):
    """One change another node must apply.

    ``routes``: the tenant's queue mappings changed. ``kb``: documents of ``kb_id`` were
    upserted or deleted, or the knowledge base itself was ``created`` or changed (both lists
    empty). ``kb_dropped``: ``kb_id`` was deleted. ``dense``: the tenant's dense-retrieval
    switch is now ``enabled``. ``integration``: ``integration_id`` was created, changed or
    deleted.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ChangeKind
    tenant_id: str
    origin: str = ""
    kb_id: str | None = None
    upserted: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    created: bool = False
    enabled: bool | None = None
    integration_id: str | None = None


ChangeHandler = Callable[[ConfigChange], Awaitable[None]]
ResyncHandler = Callable[[], Awaitable[None]]


class ConfigBus:
    """Publishes this node's changes and delivers the other nodes' ones to a handler."""

    def __init__(self, redis: Redis | None, *, channel: str = CHANNEL) -> None:
        self._redis = redis
        self._channel = channel
        self.node_id = secrets.token_hex(8)
        self._subscribed = asyncio.Event()
        self._ready = asyncio.Event()
        self._on_change: ChangeHandler | None = None
        self._on_resync: ResyncHandler | None = None

    def deliver_to(self, on_change: ChangeHandler, on_resync: ResyncHandler) -> None:
        """Start handing received changes over; until then they wait, in order."""
        self._on_change, self._on_resync = on_change, on_resync
        self._ready.set()

    async def wait_subscribed(self) -> None:
        """Return once the channel is subscribed (at once without Redis)."""
        if self._redis is not None:
            await self._subscribed.wait()

    async def publish(self, change: ConfigChange) -> None:
        """Tell the other nodes; a Redis failure is logged, not raised: the write stands."""
        if self._redis is None:
            return
        message = change.model_copy(update={"origin": self.node_id}).model_dump_json()
        try:
            await self._redis.publish(self._channel, message)
        except (RedisError, OSError) as err:
            log.warning("config change for tenant %s not published: %s", change.tenant_id, err)

    async def run(self) -> None:
        """Subscribe and deliver other nodes' changes until cancelled; resync after an outage."""
        if self._redis is None:
            return
        failures = 0
        while True:
            try:
                await self._listen(resync=failures > 0)
            except (RedisError, OSError) as err:
                if failures == 0:
                    log.warning("config channel lost: %s; reconnecting", err)
                await asyncio.sleep(_RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)])
                failures += 1

    async def _listen(self, *, resync: bool) -> None:
        assert self._redis is not None
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self._channel)
            self._subscribed.set()
            await self._ready.wait()
            if resync and self._on_resync is not None:
                log.info("config channel back")
                # Changes published while we were away are lost: refresh everything.
                await self._on_resync()
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message is not None and message["type"] == "message":
                    await self._deliver(message["data"])

    async def _deliver(self, data: bytes | str) -> None:
        try:
            change = ConfigChange.model_validate_json(data)
        except ValidationError:
            log.warning("malformed message on %s ignored", self._channel)
            return
        if change.origin == self.node_id or self._on_change is None:
            return
        try:
            await self._on_change(change)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "config change %s for tenant %s not applied", change.kind, change.tenant_id
            )
