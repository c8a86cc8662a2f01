"""Claims held by this node are renewed while held, and left to lapse once released."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server.state.base import Claim
from server.state.claims import ClaimKeeper
from server.state.memory import MemoryState

LIFETIME = 0.3


@pytest.fixture
def state() -> MemoryState:
    return MemoryState(dedup_ttl_seconds=3600, max_lines=50, claim_seconds=LIFETIME)


async def test_a_claim_held_for_several_lifetimes_is_not_taken_over(state: MemoryState) -> None:
    claims = ClaimKeeper(state)
    assert await state.claim_event("e1") is Claim.TAKEN
    claims.hold("e1")

    await asyncio.sleep(3 * LIFETIME)

    assert await state.claim_event("e1") is Claim.IN_PROGRESS
    claims.release("e1")
    await claims.aclose()


async def test_every_claim_held_is_renewed_not_only_the_first(state: MemoryState) -> None:
    claims = ClaimKeeper(state)
    for key in ("e1", "e2", "e3"):
        assert await state.claim_event(key) is Claim.TAKEN
        claims.hold(key)
        await asyncio.sleep(LIFETIME / 4)

    await asyncio.sleep(3 * LIFETIME)

    assert [await state.claim_event(key) for key in ("e1", "e2", "e3")] == [Claim.IN_PROGRESS] * 3
    await claims.aclose()


async def test_a_released_claim_lapses_quietly(
    state: MemoryState, caplog: pytest.LogCaptureFixture
) -> None:
    claims = ClaimKeeper(state)
    assert await state.claim_event("e1") is Claim.TAKEN
    claims.hold("e1")
    claims.release("e1")

    await asyncio.sleep(2 * LIFETIME)

    # Not renewed after its release: a retry may take the event once the lifetime is over.
    assert await state.claim_event("e1") is Claim.TAKEN
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    await claims.aclose()


async def test_a_claim_that_lapsed_anyway_is_reported_once(
    state: MemoryState, caplog: pytest.LogCaptureFixture
) -> None:
    claims = ClaimKeeper(state)
    assert await state.claim_event("e1") is Claim.TAKEN
    claims.hold("e1")
    await state.release_event("e1")  # e.g. Redis lost it: it is no longer this node's

    await asyncio.sleep(2 * LIFETIME)

    lapsed = [r for r in caplog.records if "lapsed" in r.getMessage()]
    assert len(lapsed) == 1
    await claims.aclose()
