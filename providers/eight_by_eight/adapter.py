"""The 8x8 adapter: Event Streaming interaction events in, canonical events out."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from providers.base import (
    MAX_DELIVERY_ATTEMPTS,
    ConnectionState,
    ConnectionStatus,
    MemoryPositions,
    PositionStore,
    StatusListener,
    events_of,
)
from providers.eight_by_eight._deliveries import Held, StreamDelivery
from providers.eight_by_eight.client import PulsarMessage, StreamClient
from providers.eight_by_eight.config import EightByEightSettings
from providers.eight_by_eight.const import DEFAULT_TIMINGS, PROVIDER, Timings
from providers.eight_by_eight.mapping import decode_payload, interaction_view, to_events
from providers.errors import (
    PayloadInvalid,
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)
from providers.models import ConversationEnded, Event

logger = logging.getLogger(__name__)

FAILED_STATES = frozenset({ConnectionState.AUTH_FAILED, ConnectionState.CONFIG_ERROR})
# Event ids already emitted and interactions already ended, remembered so the same fact seen
# on several lifecycle events (or a late event after the end) is not handed on again.
REMEMBERED = 20_000
_random = secrets.SystemRandom()


@dataclass(frozen=True, slots=True)
class _Failed:
    """A topic's reader stopped for good (refused key, wrong tenant)."""

    error: ProviderError


class EightByEightAdapter:
    """Follows a tenant's 8x8 interactions through Event Streaming (Pulsar readers).

    One reader per topic (the tenant's ``event-v1/all``, or each agent's topic). Each topic
    has at most one message in flight: it is mapped and handed to the consumer as a
    delivery; once the consumer acknowledges it, its id is stored in ``positions`` and
    acknowledged to Pulsar, and only then is the next one read. A delivery given back
    (``nack``: the pipeline failed) is read again after a pause, so a failure on our side
    skips nothing. A lost connection is reopened after capped back-off just after the stored
    id, so nothing is skipped or repeated, across restarts too when ``positions`` is durable.
    A refused key stops the adapter.

    Example::

        adapter = EightByEightAdapter(settings, positions=store)
        adapter.watch_status(print)
        async for delivery in adapter.deliveries():
            for event in delivery.events:
                await pipeline.process(event)
            await delivery.ack()
    """

    name: ClassVar[str] = PROVIDER

    def __init__(
        self,
        settings: EightByEightSettings,
        *,
        positions: PositionStore | None = None,
        timings: Timings = DEFAULT_TIMINGS,
    ) -> None:
        self._settings = settings
        self._timings = timings
        self._positions = positions if positions is not None else MemoryPositions()
        self._client = StreamClient(settings, timings)
        self._queue: asyncio.Queue[Held | _Failed | None] = asyncio.Queue()
        self._readers: list[asyncio.Task[None]] = []
        self._connected: set[str] = set()
        self._listeners: list[StatusListener] = []
        self._status: ConnectionStatus | None = None
        self._emitted: OrderedDict[str, None] = OrderedDict()
        self._finished: OrderedDict[str, None] = OrderedDict()
        # Times each message (by topic and id) was given back by the consumer.
        self._attempts: dict[str, int] = {}

    async def deliveries(self) -> AsyncGenerator[StreamDelivery, None]:
        """Yield each message's events until closed, one per topic in flight; raise
        ``ProviderAuthFailed``/``ProviderConfigError``. Messages that map to nothing are
        acknowledged here and never yielded."""
        self._report(ConnectionState.CONNECTING, None)
        self._readers = [asyncio.create_task(self._read(t)) for t in self._settings.topics]
        try:
            while (item := await self._queue.get()) is not None:
                if isinstance(item, _Failed):
                    self._report(_failed_state(item.error), str(item.error))
                    raise item.error
                delivery = self._delivery(item)
                if delivery.events or delivery.rejected is not None:
                    yield delivery
                else:
                    await delivery.ack()
        finally:
            await self._stop_readers()

    async def listen(self) -> AsyncIterator[Event]:
        """The events of ``deliveries()`` (:func:`providers.base.events_of`)."""
        async with aclosing(events_of(self.deliveries())) as events:
            async for event in events:
                yield event

    def watch_status(self, listener: StatusListener) -> None:
        """Call ``listener`` with the current status and on every change."""
        self._listeners.append(listener)
        if self._status is not None:
            listener(self._status)

    async def check(self) -> str:
        """Open a reader on every topic and close it again; raise what the stream answered."""
        client = StreamClient(self._settings, self._timings)
        try:
            for topic in self._settings.topics:
                reader = await client.open_reader(topic, "latest")
                await reader.close()
        finally:
            await client.aclose()
        topics = ", ".join(self._key(topic) for topic in self._settings.topics)
        return f"8x8 accepted the API key and opened the event stream: {topics}."

    async def aclose(self) -> None:
        """Stop reading and close the connections."""
        self._queue.put_nowait(None)
        await self._stop_readers()
        await self._client.aclose()
        # A refusal stays the last word: the admin must see why it stopped, not that it did.
        if self._status is None or self._status.state not in FAILED_STATES:
            self._report(ConnectionState.STOPPED, None)

    async def _read(self, topic: str) -> None:
        """Read ``topic`` for as long as the adapter runs, reconnecting after failures."""
        attempt = 0
        while True:
            try:
                processed, error = await self._read_once(topic)
            except Exception as err:
                # E.g. the position store (the database) away at reconnect: this topic is
                # tried again after back-off, never left unread while the adapter runs on.
                processed = 0
                error = ProviderNotReady(f"8x8 topic not readable ({type(err).__name__})")
            if isinstance(error, ProviderAuthFailed | ProviderConfigError):
                await self._queue.put(_Failed(error))
                return
            if error is not None:
                self._lost(topic, str(error))
            attempt = 0 if processed else attempt + 1
            await asyncio.sleep(self._backoff(attempt))

    async def _read_once(self, topic: str) -> tuple[int, ProviderError | None]:
        """Read from just after the stored position until the connection fails (its error)
        or the consumer gives a message back (None: read again from the stored position)."""
        start = await self._positions.get(self._key(topic))
        try:
            reader = await self._client.open_reader(topic, start or self._settings.start_at)
        except ProviderError as err:
            return 0, err
        self._up(topic)
        processed = 0
        try:
            while True:
                message = await reader.next()
                if message.message_id == start:
                    # A proxy that starts at, not after, the given id: already processed.
                    await reader.ack(message.message_id)
                    continue
                held = Held(reader, message)
                await self._queue.put(held)
                await held.done.wait()
                if held.given_back:
                    return processed, None
                processed += 1
        except ProviderError as err:
            return processed, err
        except (RuntimeError, ConnectionError, OSError) as err:
            return processed, ProviderNotReady(f"8x8's event stream failed ({type(err).__name__})")
        finally:
            await reader.close()

    def _delivery(self, held: Held) -> StreamDelivery:
        """The message's fresh events; rejected once the consumer gave it up too often."""
        message = held.message
        attempts = self._attempts.get(held.key, 0)
        if attempts >= MAX_DELIVERY_ATTEMPTS:
            rejected = PayloadInvalid(f"not accepted by the pipeline in {attempts} attempts")
            return StreamDelivery(held, None, (), rejected, self._settle)
        try:
            payload = decode_payload(message.payload)
            view = interaction_view(payload, _published(message))
            if view is None:
                logger.debug("Ignoring 8x8 message %s: no interaction", message.message_id)
                return StreamDelivery(held, None, (), None, self._settle)
            events = to_events(
                view,
                tenant_id=self._settings.tenant_id,
                message_id=message.message_id,
                names=self._settings.handoff_names,
            )
        except Exception as err:
            # One bad message must not stop the stream. Only the error's type: validation
            # errors quote the payload, which may hold customer details.
            logger.warning("8x8 message %s not mapped (%s)", message.message_id, type(err).__name__)
            rejected = PayloadInvalid(f"the 8x8 message cannot be mapped ({type(err).__name__})")
            return StreamDelivery(held, None, (), rejected, self._settle)
        if not events:
            logger.debug("Ignoring 8x8 %s event %s", view.event, message.message_id)
        return StreamDelivery(held, view.guid, self._fresh(view.guid, events), None, self._settle)

    def _fresh(self, guid: str, events: list[Event]) -> tuple[Event, ...]:
        """The events not handed on before, none once the interaction has ended."""
        if guid in self._finished:
            return ()
        return tuple(event for event in events if event.provider_event_id not in self._emitted)

    async def _settle(self, delivery: StreamDelivery, accepted: bool) -> None:
        """Accepted: remember its events, store the position, acknowledge it, read the next
        message. Given back: count the attempt and read it again."""
        held = delivery.held
        if not accepted:
            self._attempts[held.key] = self._attempts.get(held.key, 0) + 1
            logger.info("8x8 message %s given back; reading it again", delivery.message_id)
            held.given_back = True
            held.done.set()
            return
        self._attempts.pop(held.key, None)
        for event in delivery.events:
            _remember(self._emitted, event.provider_event_id)
            if isinstance(event, ConversationEnded) and delivery.guid is not None:
                _remember(self._finished, delivery.guid)
        message_id = held.message.message_id
        await self._positions.put(self._key(held.reader.topic), message_id)
        await held.reader.ack(message_id)
        held.done.set()

    def _up(self, topic: str) -> None:
        self._connected.add(topic)
        if self._connected.issuperset(self._settings.topics):
            self._report(ConnectionState.CONNECTED, None)

    def _lost(self, topic: str, error: str) -> None:
        self._connected.discard(topic)
        self._report(ConnectionState.RECONNECTING, error)

    def _report(self, state: ConnectionState, error: str | None) -> None:
        if self._status is not None and (self._status.state, self._status.last_error) == (
            state,
            error,
        ):
            return
        if self._status is None or self._status.state is not state:
            logger.info("8x8 event stream of %s is %s", self._settings.tenant_id, state.value)
        self._status = ConnectionStatus(state=state, last_error=error)
        for listener in self._listeners:
            listener(self._status)

    def _backoff(self, attempt: int) -> float:
        """Seconds before reconnecting: doubling from the first, capped, half of it random."""
        timings = self._timings
        ceiling = min(timings.backoff_max, timings.backoff_initial * 2**attempt)
        return _random.uniform(ceiling / 2, ceiling)

    def _key(self, topic: str) -> str:
        return f"persistent://{self._settings.tenant_name}/{topic}"

    async def _stop_readers(self) -> None:
        readers, self._readers = self._readers, []
        for task in readers:
            task.cancel()
        if readers:
            await asyncio.wait(readers)


def _failed_state(error: ProviderError) -> ConnectionState:
    if isinstance(error, ProviderAuthFailed):
        return ConnectionState.AUTH_FAILED
    return ConnectionState.CONFIG_ERROR


def _published(message: PulsarMessage) -> datetime:
    try:
        published = datetime.fromisoformat(message.publish_time or "")
    except ValueError:
        return datetime.now(UTC)
    return published if published.tzinfo is not None else published.replace(tzinfo=UTC)


def _remember(memory: OrderedDict[str, None], key: str) -> None:
    memory[key] = None
    memory.move_to_end(key)
    while len(memory) > REMEMBERED:
        memory.popitem(last=False)
