"""Runs pull adapters (sockets, streams, demo replays) into the pipeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import aclosing

from providers.base import AcknowledgedSource, Delivery, PullAdapter
from providers.models import Event

log = logging.getLogger(__name__)

EventSink = Callable[[Event], Awaitable[object]]


async def run_listener(adapter: PullAdapter, sink: EventSink) -> None:
    """Feed every event the adapter yields to ``sink`` (the pipeline) until cancelled; an
    acknowledged source's messages are acknowledged only once ``sink`` took their events."""
    log.info("listening to %s", adapter.name)
    try:
        if isinstance(adapter, AcknowledgedSource):
            await _run_acknowledged(adapter.name, adapter, sink)
        else:
            async for event in adapter.listen():
                await deliver(sink, adapter.name, event)
    finally:
        await adapter.aclose()
        log.info("stopped listening to %s", adapter.name)


async def _run_acknowledged(name: str, adapter: AcknowledgedSource, sink: EventSink) -> None:
    # listen() would acknowledge a message whatever became of its events: a failure on our
    # side would lose them, where a delivery given back is read again.
    async with aclosing(adapter.deliveries()) as deliveries:
        async for delivery in deliveries:
            if delivery.rejected is not None:
                log.warning(
                    "%s message %s rejected: %s", name, delivery.message_id, delivery.rejected
                )
                await delivery.ack()
            else:
                await deliver_acknowledged(sink, name, delivery)


async def deliver(sink: EventSink, source: str, event: Event) -> None:
    """Hand one event to ``sink``; a failure is logged, so the stream goes on."""
    try:
        await sink(event)
    except asyncio.CancelledError:
        raise
    except Exception:
        # One bad event must not stop the stream; the next one may be fine.
        log.exception("%s event %s failed", source, event.provider_event_id)


async def deliver_acknowledged(sink: EventSink, source: str, delivery: Delivery) -> bool:
    """Hand a delivery's events to ``sink``, then acknowledge it; after a failure give it back
    for the platform to redeliver. True if it was acknowledged.

    A cancellation leaves it unsettled: the adapter gives it back when it closes.
    """
    try:
        for event in delivery.events:
            await sink(event)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s message %s failed; given back", source, delivery.message_id)
        await delivery.nack()
        return False
    await delivery.ack()
    return True
