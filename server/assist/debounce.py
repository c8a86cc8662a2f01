"""Coalesce bursts: several lines of one conversation in quick succession, one retrieval."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Hashable

# Chat customers often send a thought as several short lines; retrieving after each would rank
# half-sentences and flash cards. 300 ms is below what an agent notices as lag.
DEBOUNCE_SECONDS = 0.3


class Coalescer:
    """Lets through only the last of overlapping calls per key, after a quiet window.

    Each call waits ``window`` seconds; if another call for the same key arrived meanwhile,
    the earlier one is superseded and learns so. The last call of a burst therefore answers for
    the whole burst, and it carries the burst's last event, so that is the one the widget gets
    suggestions for. Memory holds only keys with a call in flight.
    """

    def __init__(self, window: float = DEBOUNCE_SECONDS) -> None:
        self._window = window
        self._latest: dict[Hashable, int] = {}
        self._tickets = itertools.count()

    def __len__(self) -> int:
        return len(self._latest)

    async def settle(self, key: Hashable) -> bool:
        """Wait out the window; True if this call is still the latest for ``key``."""
        if self._window <= 0:
            return True
        ticket = self._latest[key] = next(self._tickets)
        try:
            await asyncio.sleep(self._window)
        finally:
            latest = self._latest.get(key) == ticket
            if latest:
                del self._latest[key]
        return latest
