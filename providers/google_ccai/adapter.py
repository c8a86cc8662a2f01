"""The Google CCAI adapter: Dialogflow and Agent Assist events from Pub/Sub, pulled or pushed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import ClassVar

import aiohttp

from providers.base import (
    ConnectionState,
    ConnectionStatus,
    InboundRequest,
    SourceLoad,
    StatusListener,
    events_of,
)
from providers.errors import PayloadInvalid, SignatureInvalid
from providers.google_ccai._counts import Counts, SourceCounts
from providers.google_ccai._keys import GoogleKeys
from providers.google_ccai._payloads import PubsubMessage
from providers.google_ccai._push import pushed_message, verify_push_token
from providers.google_ccai.client import (
    PubsubStream,
    Pulled,
    StreamFailed,
    classify,
    open_subscriber,
    probe_subscriptions,
)
from providers.google_ccai.config import GoogleCcaiSettings
from providers.google_ccai.const import PROBE_SECONDS, PROVIDER
from providers.google_ccai.mapping import Mapped, to_events
from providers.models import Event

log = logging.getLogger(__name__)

FAILED_STATES = frozenset({ConnectionState.AUTH_FAILED, ConnectionState.CONFIG_ERROR})


@dataclass(eq=False)
class PubsubDelivery:
    """A pulled message and what it maps to, acknowledged only when the consumer says so."""

    message_id: str
    events: tuple[Event, ...]
    rejected: PayloadInvalid | None
    _pulled: Pulled

    async def ack(self) -> None:
        """Accepted or rejected for good: Pub/Sub will not deliver it to us again."""
        self._pulled.ack()

    async def nack(self) -> None:
        """Give it back: Pub/Sub redelivers it (and, ordered, what followed it)."""
        self._pulled.nack()


class GoogleCcaiAdapter:
    """Follows a Dialogflow conversation profile's Pub/Sub topics as canonical events.

    Pull: ``deliveries()`` streams the configured subscriptions and acknowledges a message
    only once its consumer does (``listen()`` is the plain-events view of it). Push:
    ``verify`` checks Google's OIDC token on a pushed request, ``parse`` maps its body.

    Example::

        adapter = GoogleCcaiAdapter(settings)
        async for delivery in adapter.deliveries():
            for event in delivery.events:
                await pipeline.process(event)
            await delivery.ack()
    """

    name: ClassVar[str] = PROVIDER

    def __init__(self, settings: GoogleCcaiSettings) -> None:
        self._settings = settings
        self._counts = Counts()
        self._listeners: list[StatusListener] = []
        self._status: ConnectionStatus | None = None
        self._stream: PubsubStream | None = None
        self._closed = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._keys: GoogleKeys | None = None

    # -- pull ----------------------------------------------------------------------------

    async def deliveries(self) -> AsyncGenerator[PubsubDelivery, None]:
        """Yield each pulled message's events until closed; raise a classified error."""
        if not self._settings.subscriptions:
            # Push only: nothing to pull, but ready for pushes until closed.
            self._report(ConnectionState.CONNECTED, None)
            await self._closed.wait()
            return
        self._report(ConnectionState.CONNECTING, None)
        stream = await self._open_stream()
        try:
            while not self._closed.is_set():
                item = await stream.items.get()
                if item is None:
                    return  # closed
                if isinstance(item, StreamFailed):
                    raise item.error
                if (delivery := self._delivery(item)) is not None:
                    yield delivery
        finally:
            self._stream = None
            await stream.aclose()

    async def listen(self) -> AsyncIterator[Event]:
        """The events of ``deliveries()`` (:func:`providers.base.events_of`)."""
        async with aclosing(events_of(self.deliveries())) as events:
            async for event in events:
                yield event

    # -- push ----------------------------------------------------------------------------

    async def verify(self, request: InboundRequest) -> None:
        """Refuse (``SignatureInvalid``) a push without a valid Google token for us."""
        settings = self._settings
        if settings.push_audience is None or settings.service_account_email is None:
            raise SignatureInvalid("this integration takes no pushes (no push_audience)")
        await verify_push_token(
            request.headers,
            self._google_keys(),
            audience=settings.push_audience,
            email=settings.service_account_email,
        )

    def parse(self, request: InboundRequest) -> list[Event]:
        """The events of one pushed request; ``PayloadInvalid`` if it can never map."""
        try:
            message = pushed_message(request)
        except PayloadInvalid as err:
            self._counts.reject(err)
            raise
        return list(self._map(message).events)

    # -- status, counts, check -----------------------------------------------------------

    def watch_status(self, listener: StatusListener) -> None:
        """Call ``listener`` with the current status and on every change."""
        self._listeners.append(listener)
        if self._status is not None:
            listener(self._status)

    @property
    def counts(self) -> SourceCounts:
        """What this adapter has seen: received, acknowledged, given back, dropped, rejected."""
        pending = self._stream.pending if self._stream is not None else 0
        return self._counts.snapshot(pending)

    async def check(self) -> str:
        """Test the settings against Google; what was found, or a classified ``ProviderError``."""
        return await self.probe()

    def load(self) -> SourceLoad:
        """Messages held and not settled, and the last rejection."""
        counts = self.counts
        return SourceLoad(backlog=counts.pending, last_rejection=counts.last_rejection)

    async def probe(self) -> str:
        """Read each subscription and pull briefly (giving back what came); fetch the push
        keys. What was found, in sentences for the admin."""
        found: list[str] = []
        if self._settings.subscriptions:
            probes = await asyncio.to_thread(probe_subscriptions, self._settings, PROBE_SECONDS)
            found.extend(probe.describe(PROBE_SECONDS) for probe in probes)
        if self._settings.push_audience is not None:
            keys = await self._google_keys().fetch()
            found.append(
                f"push: {len(keys.keys)} Google signing keys fetched; pushes must be signed by "
                f"{self._settings.service_account_email} for {self._settings.push_audience}"
            )
        return "; ".join(found)

    async def aclose(self) -> None:
        """Give back unsettled messages, stop the streams, close the HTTP session."""
        self._closed.set()
        if self._stream is not None:
            await self._stream.aclose()
        if self._session is not None:
            await self._session.close()
        if self._status is None or self._status.state not in FAILED_STATES:
            self._report(ConnectionState.STOPPED, None)

    # -- inside --------------------------------------------------------------------------

    async def _open_stream(self) -> PubsubStream:
        settings = self._settings
        client = await asyncio.to_thread(open_subscriber, settings)
        for path in settings.subscription_paths:
            try:
                # Fails fast on a missing subscription or refused credentials.
                await asyncio.to_thread(client.get_subscription, subscription=path, timeout=30)
            except Exception as err:
                await asyncio.to_thread(client.close)
                raise classify(err, path) from err
        stream = PubsubStream(client, settings, self._counts)
        stream.start()
        self._stream = stream
        self._report(ConnectionState.CONNECTED, None)
        log.info("Pulling %d Pub/Sub subscriptions", len(settings.subscription_paths))
        return stream

    def _delivery(self, pulled: Pulled) -> PubsubDelivery | None:
        message = pulled.message
        try:
            mapped = self._map(message)
        except PayloadInvalid as err:
            log.debug("Pub/Sub message %s rejected: %s", message.key, err)
            return PubsubDelivery(message.key, (), err, pulled)
        if not mapped.events:
            pulled.ack()  # nothing to show: done with it
            return None
        return PubsubDelivery(message.key, mapped.events, None, pulled)

    def _map(self, message: PubsubMessage) -> Mapped:
        try:
            mapped = to_events(message, self._settings)
        except PayloadInvalid as err:
            self._counts.reject(err)
            raise
        self._counts.mapped(mapped)
        if not mapped.events:
            log.debug("Pub/Sub message %s (%s) maps to nothing", message.key, mapped.type)
        return mapped

    def _google_keys(self) -> GoogleKeys:
        if self._keys is None:
            self._session = aiohttp.ClientSession()
            self._keys = GoogleKeys(str(self._settings.google_certs_url), self._session)
        return self._keys

    def _report(self, state: ConnectionState, error: str | None) -> None:
        if self._status is not None and (self._status.state, self._status.last_error) == (
            state,
            error,
        ):
            return
        self._status = ConnectionStatus(state=state, last_error=error)
        for listener in self._listeners:
            listener(self._status)
