"""Keeping events' claims alive while they are processed, however long that takes.

A claim lapses ``claim_seconds`` after it was taken, so a node that dies mid-event holds it
only that long. A live node renews the claims it holds every third of that time while it
works, so a slow event (a database that answers late) is never taken over by a second
delivery. One timer serves every claim the node holds: most events finish in milliseconds,
and a timer (or a task) of their own cost more than the rest of the claim's bookkeeping.

Example::

    claims = ClaimKeeper(state)
    if await state.claim_event(key) is Claim.TAKEN:
        claims.hold(key)
        try:
            await process(event)
        finally:
            claims.release(key)
        await state.complete_event(key)
"""

from __future__ import annotations

import asyncio
import logging

from server.errors import CuecardError
from server.state.base import StateStore

log = logging.getLogger(__name__)


class ClaimKeeper:
    """Renews, every third of their lifetime, the claims held between ``hold`` and ``release``.

    A claim held for less than that is never renewed; one held longer is renewed within a
    third of its lifetime of being taken and every third after that.
    """

    def __init__(self, state: StateStore) -> None:
        self._state = state
        self._held: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._renewing: asyncio.Task[None] | None = None

    def hold(self, key: str) -> None:
        """Keep renewing the claim on ``key`` (taken by this node) until it is released."""
        self._held.add(key)
        if self._timer is None:
            self._arm()

    def release(self, key: str) -> None:
        """Stop renewing ``key``: it is about to be completed or given back."""
        self._held.discard(key)

    async def aclose(self) -> None:
        """Stop renewing anything (at shutdown)."""
        self._held.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)

    def _arm(self) -> None:
        every = self._state.claim_seconds / 3
        self._timer = asyncio.get_running_loop().call_later(every, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if not self._held:
            return  # the next hold starts the timer again
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(
                self._renew(list(self._held)), name="claim-heartbeat"
            )
        self._arm()

    async def _renew(self, keys: list[str]) -> None:
        for key in keys:
            if key not in self._held:
                continue  # released meanwhile: completed or given back, not lapsed
            try:
                renewed = await self._state.renew_claim(key)
            except CuecardError as err:
                # Redis away for a moment: the next renewal may still be in time.
                log.debug("claim renewal failed: %s", err.code)
                continue
            if not renewed and key in self._held:
                log.warning("claim on an event lapsed while it was processed")
                self._held.discard(key)
