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


async def test_a_burst_lets_only_its_last_call_through() -> None:
    coalescer = Coalescer(window=0.05)

    async def call(delay: float) -> bool:
        await asyncio.sleep(delay)
        return await coalescer.settle("c1")

    results = await asyncio.gather(call(0), call(0.01), call(0.02), coalescer.settle("c2"))

    assert results == [False, False, True, True]
    assert len(coalescer) == 0


async def test_calls_after_a_quiet_window_each_go_through() -> None:
    coalescer = Coalescer(window=0.01)

    assert await coalescer.settle("c1")
    assert await coalescer.settle("c1")
