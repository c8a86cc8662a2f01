"""Deadlines for many futures of one kind, kept by one timer instead of one per future.

``asyncio.timeout`` around each await arms and cancels a timer of its own and wraps the
await in a context manager; on a path taken for every event (the journal's write, awaited
by every relayed line) that doubled the cost of awaiting the write. Futures watched here
share one timeout, so their deadlines come in the order they were watched: one timer, due
at the oldest deadline, fails each future still pending when its time is up.

Example::

    deadlines = Deadlines(20.0, lambda: Unavailable("the write was not confirmed in time"))
    future = loop.create_future()
    deadlines.watch(future)   # failed with that error if still pending in 20 s
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any


class Deadlines:
    """Fails each watched future with ``error()`` if it is still pending ``seconds`` later."""

    def __init__(self, seconds: float, error: Callable[[], BaseException]) -> None:
        self._seconds = seconds
        self._error = error
        self._watched: deque[tuple[float, asyncio.Future[Any]]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Give ``future`` until ``seconds`` from now to be done."""
        loop = future.get_loop()
        watched = self._watched
        # Settled futures at the front are forgotten here, so that the queue stays short.
        while watched and watched[0][1].done():
            watched.popleft()
        watched.append((loop.time() + self._seconds, future))
        if self._timer is None:
            self._timer = loop.call_at(watched[0][0], self._expire, loop)

    def close(self) -> None:
        """Stop the timer; futures still pending are left as they are."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._watched.clear()

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        watched = self._watched
        while watched and (watched[0][1].done() or watched[0][0] <= now):
            _, future = watched.popleft()
            if not future.done():
                future.set_exception(self._error())
        if watched:
            self._timer = loop.call_at(watched[0][0], self._expire, loop)
