"""Single-flight loading: concurrent cache misses for one key share one load."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    """Runs at most one load per key at a time; callers arriving meanwhile await its result.

    Without it, the first burst after start-up (or after a cache entry expires) sends one
    database query per request, which under load exhausts the connection pool.
    """

    def __init__(self) -> None:
        self._loads: dict[Hashable, asyncio.Task[V]] = {}

    async def load(self, key: Hashable, loader: Callable[[], Awaitable[V]]) -> V:
        """The result of ``loader()``, shared with every concurrent call for ``key``."""
        task = self._loads.get(key)
        if task is None:
            task = asyncio.ensure_future(loader())
            self._loads[key] = task
            task.add_done_callback(lambda _: self._loads.pop(key, None))
        # Shielded, so one caller giving up does not cancel the load the others await.
        return await asyncio.shield(task)
