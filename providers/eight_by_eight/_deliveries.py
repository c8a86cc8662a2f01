"""One Pulsar message held until the consumer settles it (private helper of the adapter).

A topic's reader waits on its :class:`Held` message before it reads the next one. The
consumer settles the :class:`StreamDelivery` built from it: ``ack`` stores the position and
acknowledges it; ``nack`` gives it back, and the reader reopens the topic just after the last
stored position, so the same message is read (and mapped) again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from providers.eight_by_eight.client import PulsarMessage, TopicReader
from providers.errors import PayloadInvalid
from providers.models import Event


@dataclass(slots=True)
class Held:
    """A message read from a topic, waiting to be settled before the next is read."""

    reader: TopicReader
    message: PulsarMessage
    done: asyncio.Event = field(default_factory=asyncio.Event)
    # Set by nack: the reader reads this message again instead of the next one.
    given_back: bool = False

    @property
    def key(self) -> str:
        """The message on its topic (ids are per topic)."""
        return f"{self.reader.topic}#{self.message.message_id}"


Settle = Callable[["StreamDelivery", bool], Awaitable[None]]


@dataclass(slots=True)
class StreamDelivery:
    """:class:`providers.base.Delivery` of one 8x8 message: its events, or why it is rejected."""

    held: Held
    guid: str | None
    events: tuple[Event, ...]
    rejected: PayloadInvalid | None
    _settle: Settle
    _settled: bool = False

    @property
    def message_id(self) -> str:
        """Pulsar's id of the message."""
        return self.held.message.message_id

    async def ack(self) -> None:
        """Accepted (or rejected for good): store the position, read the next message."""
        await self._once(accepted=True)

    async def nack(self) -> None:
        """Not accepted this time: read it again after a pause."""
        await self._once(accepted=False)

    async def _once(self, *, accepted: bool) -> None:
        if self._settled:
            return
        self._settled = True
        await self._settle(self, accepted)
