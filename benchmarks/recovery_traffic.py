"""The recovery benchmark's platform: agent lines at a steady rate over every conversation.

Each line is delivered as the fault suite's platform delivers (tests/faults/platform.py): until
a 2xx, retrying anything else on the other node. A conversation's next line waits for its
previous one's acknowledgement, so what each conversation shows has one right order.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tests.faults.platform import Platform, assigned, message

ASSIGN_BATCH = 100


class Traffic:
    """Delivers ``rate`` lines a second, round robin over ``conversations`` conversations."""

    def __init__(self, urls: Sequence[str], api_key: str, conversations: int, rate: float) -> None:
        self.platform = Platform(list(urls), api_key)
        self._conversations = conversations
        self._rate = rate
        self._acknowledged: dict[str, list[str]] = defaultdict(list)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._running: set[asyncio.Task[None]] = set()
        self._pacer: asyncio.Task[None] | None = None
        self.count = 0
        # When the newest acknowledgement came (time.monotonic()).
        self.last_acknowledged = 0.0

    async def __aenter__(self) -> Traffic:
        await self.platform.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        await self.platform.__aexit__(*exc)

    async def assign(self, agents: dict[str, str]) -> None:
        """Connect each conversation to its agent, so the agent's widgets may join it."""
        events = [assigned(conversation, agent) for conversation, agent in agents.items()]
        for start in range(0, len(events), ASSIGN_BATCH):
            await self.platform.deliver({"events": events[start : start + ASSIGN_BATCH]})

    def start(self) -> None:
        self._pacer = asyncio.create_task(self._pace(), name="traffic")

    async def stop(self) -> None:
        """Stop sending; wait for the lines under way to be acknowledged."""
        if self._pacer is not None:
            self._pacer.cancel()
            await asyncio.gather(self._pacer, return_exceptions=True)
            self._pacer = None
        await asyncio.gather(*self._running)

    def acknowledged_so_far(self) -> dict[str, list[str]]:
        return {conversation: list(ids) for conversation, ids in self._acknowledged.items()}

    async def _pace(self) -> None:
        started = time.monotonic()
        for number in range(1_000_000_000):
            await asyncio.sleep(max(0.0, started + number / self._rate - time.monotonic()))
            task = asyncio.create_task(self._say(number))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _say(self, number: int) -> None:
        conversation = f"conv-{number % self._conversations}"
        event_id = f"{conversation}-line-{number}"
        body: dict[str, Any] = message(
            event_id, conversation, f"line {number}, still checking", customer=False
        )
        async with self._locks[conversation]:
            await self.platform.deliver(body, node=number % len(self.platform.urls))
            self._acknowledged[conversation].append(event_id)
            self.count += 1
            self.last_acknowledged = time.monotonic()
