"""A per-connection sliding window: a widget flooding the bridge is refused, not queued."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from server.errors import RateLimited

WINDOW_SECONDS = 10.0
# A desktop reports a few events per second at most; replaying a long conversation's log
# after a reload fits in a burst of this size.
MAX_EVENTS = 100


class SocketRateLimit:
    """At most ``limit`` events per ``window`` seconds per socket; counted in this process,
    which is right because a socket lives on one node."""

    def __init__(
        self,
        limit: int = MAX_EVENTS,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def hit(self, sid: str) -> None:
        """Count one event of socket ``sid``; :class:`RateLimited` when it is one too many."""
        now = self._clock()
        recent = self._recent.setdefault(sid, deque())
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        if len(recent) >= self._limit:
            raise RateLimited(
                f"at most {self._limit} bridge events per {self._window:g} seconds per "
                "connection; wait a moment"
            )
        recent.append(now)

    def forget(self, sid: str) -> None:
        """The socket disconnected."""
        self._recent.pop(sid, None)
