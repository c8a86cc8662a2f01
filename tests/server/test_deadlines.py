"""One timer for many futures: each fails at its own deadline, not before, and only if pending."""

from __future__ import annotations

import asyncio

import pytest

from server.deadlines import Deadlines
from server.errors import Unavailable

SECONDS = 0.05


def late() -> Unavailable:
    return Unavailable("not confirmed in time")


async def test_a_future_still_pending_at_its_deadline_fails_with_the_error() -> None:
    deadlines = Deadlines(SECONDS, late)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()
    started = loop.time()

    deadlines.watch(future)

    with pytest.raises(Unavailable, match="not confirmed in time"):
        await future
    assert loop.time() - started >= SECONDS
    deadlines.close()


async def test_a_future_done_in_time_keeps_its_result() -> None:
    deadlines = Deadlines(SECONDS, late)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    pending: asyncio.Future[int] = loop.create_future()
    deadlines.watch(done)
    deadlines.watch(pending)

    done.set_result(7)

    with pytest.raises(Unavailable):
        await pending
    assert done.result() == 7
    deadlines.close()


async def test_each_future_gets_its_whole_time_from_when_it_was_watched() -> None:
    deadlines = Deadlines(10 * SECONDS, late)
    loop = asyncio.get_running_loop()
    first: asyncio.Future[int] = loop.create_future()
    deadlines.watch(first)
    await asyncio.sleep(5 * SECONDS)
    second: asyncio.Future[int] = loop.create_future()
    deadlines.watch(second)

    with pytest.raises(Unavailable):
        await first
    # The first one's deadline passing does not cut the second one's time short.
    assert not second.done()
    second.set_result(2)
    await asyncio.sleep(6 * SECONDS)
    assert second.result() == 2
    deadlines.close()


async def test_after_close_nothing_is_failed() -> None:
    deadlines = Deadlines(SECONDS, late)
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    deadlines.watch(future)

    deadlines.close()
    await asyncio.sleep(2 * SECONDS)

    assert not future.done()
