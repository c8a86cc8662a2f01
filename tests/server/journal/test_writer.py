"""Group commit: concurrent callers share a write, each gets its own result, failures reach all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from server.deadlines import Deadlines
from server.errors import Unavailable
from server.journal.writer import GroupCommit


class Recorder:
    """A write function that records its batches; it can be held or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failures: list[Exception] = []
        self.writing = asyncio.Event()

    async def write(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        self.writing.set()
        await self.gate.wait()
        if self.failures:
            raise self.failures.pop()
        return [item * 10 for item in items]


async def test_an_idle_writer_writes_a_lone_item_at_once() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)

    assert await commit.submit(1) == 10
    assert recorder.batches == [[1]]
    await commit.aclose()


async def test_items_waiting_while_a_write_runs_share_the_next_one() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    recorder.gate.clear()
    first = asyncio.create_task(commit.submit(1))
    await recorder.writing.wait()
    waiting = [asyncio.create_task(commit.submit(item)) for item in range(2, 7)]
    await asyncio.sleep(0)

    recorder.gate.set()

    assert await first == 10
    assert await asyncio.gather(*waiting) == [20, 30, 40, 50, 60]
    assert recorder.batches == [[1], [2, 3, 4, 5, 6]]
    await commit.aclose()


async def test_a_batch_is_at_most_max_batch_items() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=2)
    recorder.gate.clear()
    submitted = [asyncio.create_task(commit.submit(item)) for item in range(5)]
    await recorder.writing.wait()

    recorder.gate.set()

    assert await asyncio.gather(*submitted) == [0, 10, 20, 30, 40]
    assert recorder.batches == [[0, 1], [2, 3], [4]]
    await commit.aclose()


async def test_a_failed_write_fails_its_batch_and_the_next_batch_is_written() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    recorder.failures.append(Unavailable("database away"))
    recorder.gate.clear()
    failing = [asyncio.create_task(commit.submit(item)) for item in (1, 2)]
    await recorder.writing.wait()
    recorder.gate.set()

    results = await asyncio.gather(*failing, return_exceptions=True)

    assert [type(result) for result in results] == [Unavailable, Unavailable]
    assert await commit.submit(3) == 30
    await commit.aclose()


async def test_a_caller_that_gave_up_before_its_turn_is_not_written() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    recorder.gate.clear()
    first = asyncio.create_task(commit.submit(1))
    await recorder.writing.wait()
    abandoned = asyncio.create_task(commit.submit(2))
    kept = asyncio.create_task(commit.submit(3))
    await asyncio.sleep(0)
    abandoned.cancel()

    recorder.gate.set()

    assert (await first, await kept) == (10, 30)
    assert recorder.batches == [[1], [3]]
    await commit.aclose()


async def test_closing_writes_what_waits_then_refuses_more() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    pending = [asyncio.create_task(commit.submit(item)) for item in (1, 2)]
    await asyncio.sleep(0)

    await commit.aclose()

    assert await asyncio.gather(*pending) == [10, 20]
    with pytest.raises(Unavailable):
        await commit.submit(3)


async def test_an_item_not_written_by_its_deadline_fails_and_is_not_written_later() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, Deadlines(0.05, lambda: Unavailable("too late")))
    recorder.gate.clear()
    first = asyncio.create_task(commit.submit(1))
    await recorder.writing.wait()
    second = asyncio.create_task(commit.submit(2))

    with pytest.raises(Unavailable, match="too late"):
        await second
    recorder.gate.set()

    # Both callers were told; the write already under way finished, the other never began.
    with pytest.raises(Unavailable):
        await first
    await commit.aclose()
    assert recorder.batches == [[1]]
