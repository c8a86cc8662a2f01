"""Socket.IO's Redis fan-out, noticing when its listener was away.

python-socketio's ``AsyncRedisManager`` (5.18) receives other nodes' emits on a pub/sub
subscription that reconnects by itself after Redis restarts or the connection drops (redis-py
retries and re-subscribes silently; past that, the manager retries with a back-off of up to
60 s). Whatever other nodes published meanwhile never reaches this node's widgets, and nothing
says so. :class:`ResyncingRedisManager` listens through the manager's documented ``_listen``
hook with the same reconnection (a back-off capped at :data:`MAX_RETRY_SECONDS`) and calls
``on_resubscribed`` each time its subscription is back after a gap; the server then tells its
widgets to catch up from the durable record (server/realtime/resync.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from server.realtime.fanout import DirectSendRedisManager

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.25
MAX_RETRY_SECONDS = 5.0
Resubscribed = Callable[[], Awaitable[None]]


class ResyncingRedisManager(DirectSendRedisManager):
    """The fan-out manager (``fanout``), whose ``on_resubscribed`` runs whenever its listener
    returns."""

    def __init__(self, url: str, *, channel: str, **options: Any) -> None:
        super().__init__(url, channel=channel, **options)
        self.on_resubscribed: Resubscribed | None = None
        # How often the subscription came back after a gap (for tests and logs).
        self.resubscriptions = 0
        self._resyncs: set[asyncio.Task[None]] = set()

    async def stop_resyncs(self) -> None:
        """Cancel catch-ups under way (at shutdown)."""
        for task in list(self._resyncs):
            task.cancel()
        await asyncio.gather(*self._resyncs, return_exceptions=True)

    async def _listen(self) -> AsyncIterator[Any]:
        channel = self.channel.encode("utf-8")
        retry, away = FIRST_RETRY_SECONDS, False
        while True:
            client = Redis.from_url(self.redis_url, **self.redis_options)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await self._subscribe(pubsub, returning=away)
                retry, away = FIRST_RETRY_SECONDS, False
                async for message in pubsub.listen():
                    if message["channel"] == channel and message["type"] == "message":
                        yield message["data"]
            except Exception as err:
                if not away:
                    log.warning("fan-out listener lost Redis (%s); retrying", type(err).__name__)
                away = True
            finally:
                await _close(pubsub, client)
            await asyncio.sleep(retry)
            retry = min(retry * 2, MAX_RETRY_SECONDS)

    async def _subscribe(self, pubsub: PubSub, *, returning: bool) -> None:
        await pubsub.subscribe(self.channel)
        # redis-py reconnects and re-subscribes this connection by itself, then calls back.
        if pubsub.connection is not None:
            pubsub.connection.register_connect_callback(self._reconnected)
        if returning:
            self._resubscribed()

    def _reconnected(self, connection: Any) -> None:
        self._resubscribed()

    def _resubscribed(self) -> None:
        self.resubscriptions += 1
        log.info("fan-out listener back on Redis; widgets of this node catch up")
        if self.on_resubscribed is not None:
            task = asyncio.create_task(self._run_resync(self.on_resubscribed), name="resync")
            self._resyncs.add(task)
            task.add_done_callback(self._resyncs.discard)

    async def _run_resync(self, resync: Resubscribed) -> None:
        try:
            await resync()
        except Exception:
            # The widgets still catch up at their next gap or reconnect.
            log.warning("telling widgets to catch up failed", exc_info=True)


async def _close(pubsub: PubSub, client: Redis) -> None:
    try:
        await pubsub.aclose()
        await client.aclose()
    except Exception:
        log.debug("closing a lost fan-out subscription failed", exc_info=True)
