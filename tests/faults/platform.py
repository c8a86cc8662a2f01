"""A platform delivering events as real ones do: one at a time per conversation, each until it
gets a 2xx, retrying anything else (a 503, a timeout, a dropped connection) on the other node
after a pause. What it delivered is what cuecard acknowledged."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

# Long enough for a paused Redis or database to come back, short of a platform giving up.
REQUEST_SECONDS = 20.0
GIVE_UP_SECONDS = 90.0
RETRY_SECONDS = 0.3


def message(event_id: str, conversation_id: str, text: str, *, customer: bool) -> dict[str, Any]:
    return {
        "kind": "message",
        "tenant_id": "acme",
        "provider": "test",
        "provider_event_id": event_id,
        "conversation_id": conversation_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "speaker": "customer" if customer else "agent",
        "text": text,
    }


def assigned(conversation_id: str, agent_id: str) -> dict[str, Any]:
    return {
        "kind": "agent.assigned",
        "tenant_id": "acme",
        "provider": "test",
        "provider_event_id": f"assign-{conversation_id}",
        "conversation_id": conversation_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "agent_id": agent_id,
        "queue": "support",
    }


@dataclass
class Platform:
    """Delivers to ``urls`` (the nodes behind a load balancer) with an API key."""

    urls: Sequence[str]
    api_key: str
    acknowledged: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    retries: int = 0
    # The longest any delivery took until acknowledged, in seconds.
    slowest: float = 0.0

    async def __aenter__(self) -> Platform:
        timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
        self._session = aiohttp.ClientSession(timeout=timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    async def deliver(self, body: dict[str, Any], *, node: int = 0) -> list[str]:
        """Deliver until acknowledged, starting at node ``node``; the result statuses."""
        events = body.get("events", [body])
        nodes = itertools.cycle(list(self.urls)[node:] + list(self.urls)[:node])
        started = time.monotonic()
        async with asyncio.timeout(GIVE_UP_SECONDS):
            while True:
                url = next(nodes)
                statuses = await self._try(url, body)
                if statuses is not None:
                    self.acknowledged += [event["provider_event_id"] for event in events]
                    self.statuses += statuses
                    self.slowest = max(self.slowest, time.monotonic() - started)
                    return statuses
                self.retries += 1
                await asyncio.sleep(RETRY_SECONDS)

    async def _try(self, url: str, body: dict[str, Any]) -> list[str] | None:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            async with self._session.post(
                f"{url}/api/v1/events", json=body, headers=headers
            ) as response:
                if response.status // 100 != 2:
                    return None
                return [result["status"] for result in (await response.json())["results"]]
        except (aiohttp.ClientError, TimeoutError):
            return None
