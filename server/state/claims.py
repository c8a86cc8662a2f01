"""Keeping an event's claim alive while it is processed, however long that takes.

A claim lapses ``claim_seconds`` after it was taken, so a node that dies mid-event holds it
only that long. A live node renews it every third of that time while it works, so a slow
event (a database that answers late) is never taken over by a second delivery.

Example::

    if await state.claim_event(key) is Claim.TAKEN:
        async with claim_kept(state, key):
            await process(event)
        await state.complete_event(key)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from server.errors import CuecardError
from server.state.base import StateStore

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def claim_kept(state: StateStore, key: str) -> AsyncIterator[None]:
    """Renew this node's claim on ``key`` until the block ends."""
    every = state.claim_seconds / 3
    renewing: asyncio.Task[None] | None = None

    def start() -> None:
        nonlocal renewing
        renewing = asyncio.create_task(_renew(state, key, every), name="claim-heartbeat")

    # Most events finish in milliseconds: a timer costs less than a task for each of them.
    timer = asyncio.get_running_loop().call_later(every, start)
    try:
        yield
    finally:
        timer.cancel()
        if renewing is not None:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)


async def _renew(state: StateStore, key: str, every: float) -> None:
    while True:
        try:
            if not await state.renew_claim(key):
                log.warning("claim on an event lapsed while it was processed")
                return
        except CuecardError as err:
            # Redis away for a moment: the next renewal may still be in time.
            log.debug("claim renewal failed: %s", err.code)
        await asyncio.sleep(every)
