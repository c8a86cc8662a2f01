"""Cutting a widget's socket off when its session token expires.

Tokens are checked on every client event too, but a socket that only listens would otherwise
keep receiving transcript lines and suggestions long after its token lapsed. The widget renews
its token before then (``session.renew``), which moves the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

CutOff = Callable[[str], Awaitable[None]]


class ExpiryTimers:
    """One timer per socket, firing ``cut_off(sid)`` at its token's expiry."""

    def __init__(self, cut_off: CutOff, clock: Callable[[], float] = time.time) -> None:
        self._cut_off = cut_off
        self._clock = clock
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[None]] = set()

    def watch(self, sid: str, expires_at: float) -> None:
        """Cut ``sid`` off at ``expires_at`` (epoch seconds), replacing any earlier deadline."""
        self.forget(sid)
        delay = max(0.0, expires_at - self._clock())
        self._timers[sid] = asyncio.get_running_loop().call_later(delay, self._fire, sid)

    def forget(self, sid: str) -> None:
        """The socket left: no deadline any more."""
        timer = self._timers.pop(sid, None)
        if timer is not None:
            timer.cancel()

    async def aclose(self) -> None:
        """Cancel every deadline and wait for cut-offs under way."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._running):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._running, return_exceptions=True)

    def _fire(self, sid: str) -> None:
        self._timers.pop(sid, None)
        task = asyncio.create_task(self._run(sid), name="token-expiry")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, sid: str) -> None:
        try:
            await self._cut_off(sid)
        except Exception:
            # The socket may have gone meanwhile; the next deadline is another socket's.
            log.warning("cutting off widget %s at token expiry failed", sid, exc_info=True)
