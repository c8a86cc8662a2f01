"""Coalesce bursts: lines that arrive while a conversation's retrieval runs share one more."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class Coalescer:
    """Runs one retrieval at a time per conversation; of the calls queued meanwhile, only the
    newest runs.

    Chat customers often send a thought as several short lines. A fixed quiet window would
    delay every suggestion by that window (and hold the platform's request open with it), so
    instead an isolated line is answered at once, and lines arriving while a retrieval is
    under way wait for it; the newest of them then answers for the whole burst and carries
    the burst's last event, which is the one the widget gets suggestions for. Memory holds
    only conversations with a call in flight.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._latest: dict[Hashable, int] = {}
        self._callers: dict[Hashable, int] = {}
        self._tickets = itertools.count()

    def __len__(self) -> int:
        return len(self._callers)

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[bool]:
        """Hold ``key``'s turn; yields False when a newer call has superseded this one."""
        ticket = self._latest[key] = next(self._tickets)
        self._callers[key] = self._callers.get(key, 0) + 1
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield self._latest[key] == ticket
        finally:
            self._callers[key] -= 1
            if not self._callers[key]:
                del self._callers[key], self._latest[key], self._locks[key]
