"""Where each topic's reading stopped, so a restarted adapter resumes without gap or repeat.

The adapter stores a topic's position (the id of the last message it processed) after every
message, and reads the topic again from just after it. The server backs this with its
database; :class:`MemoryPositions` keeps them for the life of the process.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PositionStore(Protocol):
    """The last processed message id of each topic the adapter reads."""

    async def get(self, topic: str) -> str | None:
        """The id stored for ``topic``, or None if it was never read."""

    async def put(self, topic: str, message_id: str) -> None:
        """Remember ``message_id`` as the last one processed on ``topic``."""


class MemoryPositions:
    """Positions kept in memory: survive reconnects, not a restart of the process."""

    def __init__(self) -> None:
        self._positions: dict[str, str] = {}

    async def get(self, topic: str) -> str | None:
        """The id stored for ``topic``, or None."""
        return self._positions.get(topic)

    async def put(self, topic: str, message_id: str) -> None:
        """Remember ``message_id`` for ``topic``."""
        self._positions[topic] = message_id
