"""Sign-in throttling: after a few failures, an email or an address waits, longer each time.

Counted per process (a deployment behind a load balancer multiplies the allowance by its
node count, which still stops guessing at any useful rate).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from server.errors import TooManyAttempts

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 15 * 60.0
FORGET_SECONDS = 3600.0
MAX_ENTRIES = 50_000


class LoginThrottle:
    """Failure counts and the time before which each key (email, address) may not try again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[str, tuple[int, float, float]] = OrderedDict()

    def check(self, keys: Iterable[str]) -> None:
        """Raise :class:`TooManyAttempts` while any key is waiting."""
        now = self._clock()
        wait = max((self._blocked_until(key) - now for key in keys), default=0.0)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {minutes} minute(s)",
                retry_after=int(wait) + 1,
            )

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failure against every key."""
        now = self._clock()
        for key in keys:
            count, _, seen = self._entries.get(key, (0, 0.0, now))
            if now - seen > FORGET_SECONDS:
                count = 0
            count += 1
            self._entries[key] = (count, now + _wait(count), now)
            self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the keys' failures."""
        for key in keys:
            self._entries.pop(key, None)

    def _blocked_until(self, key: str) -> float:
        entry = self._entries.get(key)
        return 0.0 if entry is None else entry[1]


def _wait(failures: int) -> float:
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2.0 ** (failures - FREE_FAILURES))
