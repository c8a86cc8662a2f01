"""The Genesys Cloud adapter: conversation notifications in, canonical events out."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Sequence
from contextlib import aclosing
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from providers.base import (
    MAX_DELIVERY_ATTEMPTS,
    ConnectionState,
    ConnectionStatus,
    StatusListener,
    events_of,
)
from providers.errors import ProviderAuthFailed, ProviderConfigError, ProviderError
from providers.genesys._deliveries import NotificationDelivery, offer
from providers.genesys._socket import backoff
from providers.genesys.client import (
    Failed,
    GenesysClient,
    Notification,
    NotificationStream,
    Resync,
)
from providers.genesys.config import GenesysSettings
from providers.genesys.const import DEFAULT_TIMINGS, PROVIDER, Timings
from providers.genesys.mapping import (
    ConversationView,
    Memory,
    conversation_view,
    message_event,
    message_event_id,
    notification_view,
    pending_messages,
    remember,
    status_events,
    transcript_events,
    transcription_target,
    transcription_topic,
)
from providers.models import Event, MediaType

logger = logging.getLogger(__name__)

GENESYS_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
FAILED_STATES = frozenset({ConnectionState.AUTH_FAILED, ConnectionState.CONFIG_ERROR})
# Ended conversations remembered so late notifications for them are ignored.
FINISHED_KEPT = 10_000


def queue_topics(queue_ids: Iterable[str]) -> list[str]:
    """The notification topics of a routing queue's conversations."""
    return [
        f"v2.routing.queues.{_checked_id(queue_id)}.conversations{suffix}"
        for queue_id in queue_ids
        for suffix in ("", ".messages")
    ]


def user_topics(user_id: str) -> list[str]:
    """The notification topics of one agent's conversations."""
    user_id = _checked_id(user_id)
    return [f"v2.users.{user_id}.conversations", f"v2.users.{user_id}.conversations.messages"]


class GenesysAdapter:
    """Follows a Genesys Cloud organization's queues (and logged-in agents) as events.

    Subscribes ``settings.queue_ids`` and the admin-mapped ``queues`` on the Notification
    API with a client-credentials
    token, keeps the channels alive (heartbeats, ``socket_closing``, expiry, reconnects),
    fetches web-messaging text by id, follows each active voice call's transcription topic,
    and after a lost socket re-reads every conversation it knows to be active, so nothing is
    missed and nothing is emitted twice. A notification's events count as emitted only once
    the consumer acknowledges them; given back (the pipeline failed), they are offered again.

    Example::

        adapter = GenesysAdapter(settings, queues=("billing-queue-id",))
        adapter.watch_status(print)
        await adapter.watch_user("8b1f-user")
        async for delivery in adapter.deliveries():
            for event in delivery.events:
                await pipeline.process(event)
            await delivery.ack()
    """

    name: ClassVar[str] = PROVIDER

    def __init__(
        self,
        settings: GenesysSettings,
        *,
        queues: Iterable[str] = (),
        timings: Timings = DEFAULT_TIMINGS,
    ) -> None:
        self._settings = settings
        self._queues = sorted({*settings.queue_ids, *queues})
        self._timings = timings
        self._client = GenesysClient(settings, timings)
        self._stream = NotificationStream(self._client, timings, self._report)
        self._listeners: list[StatusListener] = []
        self._status: ConnectionStatus | None = None
        self._memory: dict[str, Memory] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        # Voice conversations whose transcription topic is subscribed.
        self._transcribed: set[str] = set()
        # What the delivery in hand would change in ``_memory`` (None: the conversation
        # ended), applied once the consumer accepted its events.
        self._uncommitted: dict[str, Memory | None] = {}

    async def deliveries(self) -> AsyncGenerator[NotificationDelivery, None]:
        """Yield each notification's new events until closed; raise
        ``ProviderAuthFailed``/``ProviderConfigError``. One given back is offered again after
        a pause, then given up as rejected; notifications with nothing new are not yielded."""
        self._report(ConnectionState.CONNECTING, None)
        await self._stream.add_topics(queue_topics(self._queues))
        self._stream.start()
        try:
            while (item := await self._stream.items.get()) is not None:
                if isinstance(item, Failed):
                    raise item.error
                events = tuple(await self._events_for(item))
                label = item.topic if isinstance(item, Notification) else "resync"
                for attempt in range(MAX_DELIVERY_ATTEMPTS + 1):
                    if not events:
                        break
                    delivery = offer(label, events, attempt)
                    yield delivery
                    if not delivery.given_back:
                        break
                    logger.info("Genesys events of %s given back; offering them again", label)
                    await asyncio.sleep(backoff(attempt, self._timings))
                await self._commit()
        finally:
            await self._stream.aclose()

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

    async def watch_user(self, user_id: str) -> None:
        """Also follow one agent's conversations (call when the agent logs in)."""
        await self._stream.add_topics(user_topics(user_id))

    async def watch_queues(self, queue_ids: Sequence[str]) -> None:
        """Also follow these routing queues' conversations (queues no longer mapped are
        followed until the adapter restarts: their events then route to the default)."""
        await self._stream.add_topics(queue_topics(queue_ids))

    async def check(self) -> None:
        """Fetch a client-credentials token and check it belongs to the configured org."""
        client = GenesysClient(self._settings, self._timings)
        try:
            await client.access_token()
            organization = await client.organization_id()
        finally:
            await client.aclose()
        if organization != self._settings.organization_id:
            raise ProviderConfigError(
                f"the OAuth client belongs to Genesys organization {organization}, not the "
                f"configured {self._settings.organization_id} — check organization_id"
            )

    async def aclose(self) -> None:
        """Stop listening, close the sockets and the HTTP session."""
        self._stream.items.put_nowait(None)
        await self._stream.aclose()
        await self._client.aclose()
        # A refusal stays the last word: the admin must see why it stopped, not that it did.
        if self._status is None or self._status.state not in FAILED_STATES:
            self._report(ConnectionState.STOPPED, None)

    def _report(self, state: ConnectionState, error: str | None) -> None:
        if self._status is not None and (self._status.state, self._status.last_error) == (
            state,
            error,
        ):
            return
        self._status = ConnectionStatus(state=state, last_error=error)
        for listener in self._listeners:
            listener(self._status)

    async def _events_for(self, item: Notification | Resync) -> list[Event]:
        try:
            if isinstance(item, Notification):
                return await self._on_notification(item)
            return await self._backfill()
        except ProviderAuthFailed:
            raise
        except Exception as err:
            # One bad notification must not stop the stream; the next one may be fine. Only
            # the error's type at warning level: validation errors quote the payload.
            logger.warning("Genesys notification could not be mapped (%s)", type(err).__name__)
            logger.debug("Mapping failure", exc_info=True)
            # Its events are dropped, so nothing it taught is remembered: the next
            # notification of those conversations emits them.
            self._uncommitted.clear()
            return []

    async def _on_notification(self, notification: Notification) -> list[Event]:
        if (conversation_id := transcription_target(notification.topic)) is not None:
            return self._transcripts(conversation_id, notification.body)
        view = notification_view(notification.topic, notification.body)
        if view is None:
            logger.debug("Ignoring Genesys notification on %s", notification.topic)
            return []
        return await self._apply(view)

    async def _backfill(self) -> list[Event]:
        """Re-read every conversation still active, emitting what the lost socket missed."""
        logger.info("Re-reading %d active Genesys conversations", len(self._memory))
        events: list[Event] = []
        for conversation_id in list(self._memory):
            try:
                events.extend(await self._reread(conversation_id))
            except ProviderAuthFailed:
                raise
            except ProviderError as err:
                logger.warning("Could not re-read conversation %s: %s", conversation_id, err)
        return events

    async def _reread(self, conversation_id: str) -> list[Event]:
        hint = self._memory[conversation_id].queue_id
        view = conversation_view(await self._client.conversation(conversation_id), queue_hint=hint)
        if view is None:
            logger.info("Genesys no longer has conversation %s", conversation_id)
            self._memory.pop(conversation_id, None)
            await self._follow_speech(conversation_id, follow=False)
            return []
        if view.media is MediaType.MESSAGE:
            body = await self._client.message_conversation(conversation_id)
            messaging = conversation_view(body, queue_hint=hint)
            if messaging is not None:
                refs = {ref.id: ref for ref in (*view.messages, *messaging.messages)}
                view = replace(view, messages=tuple(refs.values()))
        return await self._apply(view)

    async def _apply(self, view: ConversationView) -> list[Event]:
        if view.id in self._finished:
            return []
        now = datetime.now(UTC)
        changes = status_events(view, self._memory.get(view.id, Memory()), self._tenant, now)
        messages, handled = await self._messages(view, changes.memory, now)
        memory = remember(changes.memory, handled)
        if changes.ended is None:
            self._uncommitted[view.id] = memory
            if view.media is MediaType.VOICE:
                await self._follow_speech(view.id)
            return [*changes.events, *messages]
        self._uncommitted[view.id] = None
        return [*changes.events, *messages, changes.ended]

    async def _commit(self) -> None:
        """The delivery in hand was settled: remember what its events taught."""
        changes, self._uncommitted = self._uncommitted, {}
        for conversation_id, memory in changes.items():
            if memory is None:
                await self._finish(conversation_id)
            else:
                self._memory[conversation_id] = memory

    def _transcripts(self, conversation_id: str, body: dict[str, Any]) -> list[Event]:
        """What was said on a followed call; nothing for calls already over."""
        memory = self._memory.get(conversation_id)
        if conversation_id not in self._transcribed or memory is None:
            logger.debug("Ignoring transcription of unfollowed call %s", conversation_id)
            return []
        now = datetime.now(UTC)
        return [*transcript_events(body, conversation_id, self._tenant, memory.queue_id, now)]

    async def _follow_speech(self, conversation_id: str, *, follow: bool = True) -> None:
        """Subscribe a voice call's transcription topic once; unsubscribe it when it ends."""
        if (conversation_id in self._transcribed) == follow or not GENESYS_ID.match(
            conversation_id
        ):
            return
        topics = [transcription_topic(conversation_id)]
        try:
            if follow:
                self._transcribed.add(conversation_id)
                await self._stream.add_topics(topics)
            else:
                # Unsubscribed so ended calls do not fill channels up to their topic limit.
                self._transcribed.discard(conversation_id)
                await self._stream.remove_topics(topics)
        except ProviderAuthFailed:
            raise
        except ProviderError as err:
            # A failed subscribe leaves the topic on its channel's list: the next one carries it.
            action = "follow" if follow else "unfollow"
            logger.warning("Could not %s speech of %s: %s", action, conversation_id, err)

    async def _messages(
        self, view: ConversationView, memory: Memory, now: datetime
    ) -> tuple[list[Event], set[str]]:
        """Text of the messages not emitted yet, read in one go; and the ids now handled."""
        refs = pending_messages(view, memory)
        if not refs:
            return [], set()
        try:
            found = await self._client.messages(view.id, [ref.id for ref in refs])
        except ProviderAuthFailed:
            raise
        except ProviderError as err:
            logger.warning("Could not read %d messages of %s: %s", len(refs), view.id, err)
            return [], set()
        events: list[Event] = []
        handled: set[str] = set()
        for ref in refs:
            if (data := found.get(ref.id)) is None:
                continue  # stays pending: read again with the next notification
            handled.add(message_event_id(view.id, ref.id))
            event = message_event(data, ref, view, self._tenant, now)
            if event is None:
                logger.debug("Message %s of %s has no text", ref.id, view.id)
            else:
                events.append(event)
        return events, handled

    async def _finish(self, conversation_id: str) -> None:
        self._memory.pop(conversation_id, None)
        await self._follow_speech(conversation_id, follow=False)
        self._finished[conversation_id] = None
        while len(self._finished) > FINISHED_KEPT:
            self._finished.popitem(last=False)

    @property
    def _tenant(self) -> str:
        return self._settings.tenant_id


def _checked_id(value: str) -> str:
    # Ids become part of topic names, so a dot or a wildcard must never slip in.
    if not GENESYS_ID.match(value):
        raise ProviderConfigError(f"{value!r} is not a Genesys id")
    return value
