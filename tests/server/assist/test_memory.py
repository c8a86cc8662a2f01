"""Per-conversation memory of shown articles is bounded, and the top card is always shown."""

from __future__ import annotations

import asyncio

from server.assist.debounce import Coalescer
from server.assist.memory import SuggestionMemory


def test_repeats_are_skipped_unless_they_rank_first() -> None:
    memory = SuggestionMemory()
    key = ("acme", "c1")

    assert memory.select(key, ["a", "b", "c"], 3) == [0, 1, 2]
    assert memory.select(key, ["d", "b", "e", "c"], 3) == [0, 2]
    assert memory.select(key, ["b", "a", "f"], 3) == [0, 2]


def test_conversations_are_separate() -> None:
    memory = SuggestionMemory()
    memory.select(("acme", "c1"), ["a"], 3)

    assert memory.select(("acme", "c2"), ["x", "a"], 3) == [0, 1]
    assert memory.select(("globex", "c1"), ["x", "a"], 3) == [0, 1]


def test_memory_is_bounded() -> None:
    memory = SuggestionMemory(max_conversations=2, max_documents=3)
    for n in range(5):
        memory.select(("acme", f"c{n}"), ["a"], 1)
    key = ("acme", "c4")
    memory.select(key, ["b", "c", "d", "e"], 4)

    assert len(memory) == 2
    assert memory.count(key) == 3
    # "a" was forgotten first, so it may be shown again.
    assert memory.select(key, ["z", "a"], 2) == [0, 1]


async def test_an_isolated_call_runs_at_once() -> None:
    coalescer = Coalescer()

    async with coalescer.turn("c1") as newest:
        assert newest
    async with coalescer.turn("c1") as newest:
        assert newest
    assert len(coalescer) == 0


async def test_calls_queued_behind_a_running_one_collapse_to_the_newest() -> None:
    coalescer = Coalescer()
    started, release = asyncio.Event(), asyncio.Event()

    async def running() -> bool:
        async with coalescer.turn("c1") as newest:
            started.set()
            await release.wait()
            return newest

    async def queued() -> bool:
        async with coalescer.turn("c1") as newest:
            return newest

    first = asyncio.create_task(running())
    await started.wait()
    second, third = asyncio.create_task(queued()), asyncio.create_task(queued())
    async with coalescer.turn("c2") as other_conversation:
        assert other_conversation  # another conversation never waits
    await asyncio.sleep(0)
    release.set()

    assert await asyncio.gather(first, second, third) == [True, False, True]
    assert len(coalescer) == 0
