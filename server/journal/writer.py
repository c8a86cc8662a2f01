"""Group commit: many callers' writes, one transaction.

Each caller hands one item to :meth:`GroupCommit.submit` and waits for its result. A single
writer task takes every item waiting when it is free and writes them with one call, so under
load a transaction carries the items of a few milliseconds, and when idle an item is written at
once. A failed write fails every caller of that batch with the same error.

Example::

    commit = GroupCommit(store.live.write)
    written = await commit.submit(entry)   # durable once this returns
    await commit.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from server.deadlines import Deadlines
from server.errors import Unavailable

log = logging.getLogger(__name__)
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
ItemT_contra = TypeVar("ItemT_contra", contravariant=True)
ResultT_co = TypeVar("ResultT_co", covariant=True)
# A transaction of this many items is still small; more wait for the next one.
MAX_BATCH = 500
# At shutdown, what is waiting gets this long to be written before the writer stops.
DRAIN_SECONDS = 5.0


class Committer(Protocol[ItemT_contra, ResultT_co]):
    """Writes each submitted item durably, batched with concurrent ones (this module's
    :class:`GroupCommit`, or the SQLite writer thread of server/store/sqlite_writer.py)."""

    async def submit(self, item: ItemT_contra) -> ResultT_co: ...

    async def aclose(self) -> None: ...


class GroupCommit(Generic[ItemT, ResultT]):
    """Batches concurrent submissions into calls of ``write`` (one result per item, in order).

    A submission still waiting when its deadline (``deadlines``) passes fails with the
    deadlines' error, and is not written if its batch has not started.
    """

    def __init__(
        self,
        write: Callable[[Sequence[ItemT]], Awaitable[Sequence[ResultT]]],
        deadlines: Deadlines | None = None,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._write = write
        self._deadlines = deadlines
        self._max_batch = max_batch
        self._waiting: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._wake = asyncio.Event()
        # Set whenever the writer has written everything submitted.
        self._emptied = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0

    async def submit(self, item: ItemT) -> ResultT:
        """Write ``item`` with whatever else is waiting; its result once committed."""
        if self._closed:
            raise Unavailable("the server is shutting down; retry on another node")
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        if self._deadlines is not None:
            self._deadlines.watch(future)
        self._waiting.append((item, future))
        self._emptied.clear()
        self._wake.set()
        if self._writer is None:
            self._writer = asyncio.create_task(self._run(), name="group-commit")
        return await future

    async def aclose(self) -> None:
        """Write what is waiting, then stop the writer."""
        self._closed = True
        if self._writer is None:
            return
        if self._waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._emptied.wait(), DRAIN_SECONDS)
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        for _, future in self._waiting:
            if not future.done():
                future.set_exception(Unavailable("the server shut down before writing this"))
        self._waiting.clear()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._commit(batch)
            self._emptied.set()

    async def _commit(self, batch: list[tuple[ItemT, asyncio.Future[ResultT]]]) -> None:
        # A caller that gave up (timed out, cancelled) before its turn is not written.
        live = [(item, future) for item, future in batch if not future.done()]
        if not live:
            return
        self.batches += 1
        try:
            results = await self._write([item for item, _ in live])
        except asyncio.CancelledError:
            for _, future in live:
                future.cancel()
            raise
        except Exception as err:
            for _, future in live:
                if not future.done():
                    future.set_exception(err)
            return
        for (_, future), result in zip(live, results, strict=True):
            if not future.done():
                future.set_result(result)
