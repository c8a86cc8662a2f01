"""Request budgets: at most so many requests per so many seconds per key, in this process.

Example::

    searches = RateLimiter(RateLimit("searches", limit=20, seconds=10, field="search"))
    searches.spend("acme\\x1fagent-1")   # RateLimited once the 21st arrives within 10 s
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from server.errors import RateLimited

# Keys idle longest are forgotten first beyond this many, so memory stays bounded.
MAX_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``limit`` requests per ``seconds``; ``what`` (plural) and ``field`` name it in errors."""

    what: str
    limit: int
    seconds: float
    field: str | None = None

    def refusal(self) -> RateLimited:
        """The error a request over the budget gets."""
        return RateLimited(
            f"at most {self.limit} {self.what} per {self.seconds:.0f} seconds; wait a moment",
            field=self.field,
        )


class RateLimiter:
    """A sliding window per key."""

    def __init__(self, rule: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.rule = rule
        self._clock = clock
        self._recent: OrderedDict[str, deque[float]] = OrderedDict()

    def spend(self, key: str) -> None:
        """Count one request for ``key``; :class:`RateLimited` (nothing counted) if over."""
        recent = self._window(key)
        if len(recent) >= self.rule.limit:
            raise self.rule.refusal()
        recent.append(self._clock())

    def check(self, key: str) -> None:
        """:class:`RateLimited` if ``key`` has used its budget; counts nothing."""
        if len(self._window(key)) >= self.rule.limit:
            raise self.rule.refusal()

    def _window(self, key: str) -> deque[float]:
        now = self._clock()
        recent = self._recent.pop(key, None) or deque()
        while recent and recent[0] <= now - self.rule.seconds:
            recent.popleft()
        self._recent[key] = recent
        if len(self._recent) > MAX_KEYS:
            self._recent.popitem(last=False)
        return recent
