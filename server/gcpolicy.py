"""Garbage collection for a long-running server with thousands of open connections.

Every widget connection is a few hundred long-lived, GC-tracked objects. CPython's full
collection walks all of them each time the old generation has grown by a quarter; at 1,000
widgets that was a ~130 ms pause, at 2,500 ~300 ms, and every such pause was a latency spike
(docs/benchmarks.md). This policy moves the survivors out of the collector's reach every
``FREEZE_SECONDS`` (``gc.freeze()``, after collecting the young generations so that what is
frozen is live), which keeps the old generation, and so every automatic full collection,
small. Both calls are cheap: the young generations are a few thousand objects and freezing
only moves a list. Frozen objects still die by reference counting; only cycles among them wait
until the frozen set has grown by half or ``RECLAIM_SECONDS`` have passed, when one full
collection of everything reclaims them (the pause the default collector would have taken far
more often).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)

FREEZE_SECONDS = 1.0
RECLAIM_SECONDS = 15 * 60.0
RECLAIM_GROWTH = 0.5


class GcPolicy:
    """Freezes survivors periodically; reclaims frozen cycles rarely."""

    def __init__(
        self,
        *,
        freeze_seconds: float = FREEZE_SECONDS,
        reclaim_seconds: float = RECLAIM_SECONDS,
        reclaim_growth: float = RECLAIM_GROWTH,
    ) -> None:
        self._freeze_seconds = freeze_seconds
        self._reclaim_seconds = reclaim_seconds
        self._reclaim_growth = reclaim_growth
        self._reclaimed_at = time.monotonic()
        # gc.get_freeze_count() walks the whole frozen list, so it is read only when reclaiming;
        # each step counts what it freezes instead.
        self._frozen_after_reclaim = gc.get_freeze_count()
        self._frozen_since_reclaim = 0

    async def run(self) -> None:
        """Apply the policy until cancelled."""
        while True:
            await asyncio.sleep(self._freeze_seconds)
            self.step()

    def step(self) -> None:
        """Freeze what survived since the last step; reclaim if it is time."""
        gc.collect(1)
        # After collecting the young generations, every unfrozen survivor is in the oldest one.
        self._frozen_since_reclaim += len(gc.get_objects(generation=2))
        gc.freeze()
        if self._reclaim_due():
            self.reclaim()

    def reclaim(self) -> None:
        """One full collection of everything, frozen objects included, then freeze again."""
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._reclaimed_at = time.monotonic()
        # gc.get_freeze_count() walks the whole frozen list, so it is read only when reclaiming;
        # each step counts what it freezes instead.
        self._frozen_after_reclaim = gc.get_freeze_count()
        self._frozen_since_reclaim = 0
        log.debug(
            "full collection: %d unreachable, %d objects frozen, %.0f ms",
            found,
            self._frozen_after_reclaim,
            (time.perf_counter() - started) * 1000,
        )

    def _reclaim_due(self) -> bool:
        grown = self._frozen_since_reclaim > self._frozen_after_reclaim * self._reclaim_growth
        return grown or time.monotonic() - self._reclaimed_at >= self._reclaim_seconds
