"""One notification's events, held until the consumer settles them (private helper).

The Notification API cannot redeliver, so the adapter keeps what it learned from a
notification (which events it emitted) uncommitted until the consumer acknowledges its
:class:`NotificationDelivery`; one given back (``nack``) is offered again after a pause.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.base import MAX_DELIVERY_ATTEMPTS
from providers.errors import PayloadInvalid
from providers.models import Event


@dataclass(slots=True)
class NotificationDelivery:
    """:class:`providers.base.Delivery` of one notification (or one re-read after a lost
    socket): its events, or why they were given up."""

    message_id: str
    events: tuple[Event, ...]
    rejected: PayloadInvalid | None = None
    given_back: bool = False
    _settled: bool = False

    async def ack(self) -> None:
        """Accepted (or given up for good): the adapter remembers its events."""
        self._settled = True

    async def nack(self) -> None:
        """Not accepted this time: the adapter offers the same events again."""
        if not self._settled:
            self._settled = True
            self.given_back = True


def offer(label: str, events: tuple[Event, ...], attempt: int) -> NotificationDelivery:
    """The events to hand the consumer, or the rejection once they were given back too often."""
    if attempt < MAX_DELIVERY_ATTEMPTS:
        return NotificationDelivery(label, events)
    rejected = PayloadInvalid(f"not accepted by the pipeline in {attempt} attempts")
    return NotificationDelivery(label, (), rejected)
