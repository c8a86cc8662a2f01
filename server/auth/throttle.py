"""Sign-in throttling per (email, client address) and per client address, never per email alone.

A guesser is slowed where it guesses from: after a few failures for one email from one address,
that pair waits, longer each time; after more failures for any emails from one address, that
address waits. Nobody can lock the real admin out from everywhere by failing on purpose.

Counted per process (a deployment behind a load balancer multiplies the allowance by its node
count, which still stops guessing at any useful rate).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from server.errors import TooManyAttempts

# Failures allowed before waiting: for one email from one address, and for one address overall.
PAIR_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 15 * 60.0
FORGET_SECONDS = 3600.0
MAX_ENTRIES = 50_000


class _Backoff:
    """Failure counts per key and the time before which each key may not try again."""

    def __init__(self, free_failures: int, clock: Callable[[], float]) -> None:
        self._free = free_failures
        self._clock = clock
        self._entries: OrderedDict[str, tuple[int, float, float]] = OrderedDict()

    def seconds_left(self, key: str) -> float:
        entry = self._entries.get(key)
        return 0.0 if entry is None else entry[1] - self._clock()

    def failed(self, key: str) -> None:
        now = self._clock()
        count, _, seen = self._entries.get(key, (0, 0.0, now))
        if now - seen > FORGET_SECONDS:
            count = 0
        count += 1
        self._entries[key] = (count, now + self._wait(count), now)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def _wait(self, failures: int) -> float:
        if failures < self._free:
            return 0.0
        return min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2.0 ** (failures - self._free))


class LoginThrottle:
    """Decides whether a sign-in from ``client`` for ``email_key`` may be tried now.

    ``email_key`` identifies the email (a digest is enough); ``client`` is the address.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._pairs = _Backoff(PAIR_FREE_FAILURES, clock)
        self._addresses = _Backoff(ADDRESS_FREE_FAILURES, clock)

    def check(self, email_key: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` while the pair or the address is waiting."""
        wait = max(
            self._pairs.seconds_left(_pair(email_key, client)),
            self._addresses.seconds_left(client),
        )
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {minutes} minute(s)",
                retry_after=int(wait) + 1,
            )

    def failed(self, email_key: str, client: str) -> None:
        """Count a failure against the pair and the address."""
        self._pairs.failed(_pair(email_key, client))
        self._addresses.failed(client)

    def succeeded(self, email_key: str, client: str) -> None:
        """Forget the pair's failures; the address's stay, so one good account cannot reset
        the count of guesses made at others."""
        self._pairs.forget(_pair(email_key, client))


def _pair(email_key: str, client: str) -> str:
    return f"{email_key}\x1f{client}"
