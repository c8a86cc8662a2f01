"""Pub/Sub streaming pull, handed from google-cloud-pubsub's threads to asyncio.

The subscriber client runs its stream, leases and callbacks on its own threads. Its callback
does nothing but hand each message to the event loop with ``call_soon_threadsafe``; the loop
settles it (ack or nack) once the pipeline has spoken. Blocking calls (opening the client,
reading a subscription, closing) run in worker threads, so the loop never stalls.

Flow control bounds what is held at once: a message counts until it is settled, so a slow
pipeline slows the stream instead of filling memory. With message ordering on, the library
hands over the next message of an ordering key only once the previous one is settled; after
a nack, later messages of that key are given back too until the nacked one returns, so a
conversation's lines stay in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.api_core import exceptions as google_errors
from google.auth import exceptions as auth_errors
from google.cloud import pubsub_v1
from google.cloud.pubsub_v1.subscriber.message import Message as NativeMessage
from google.oauth2 import service_account
from google.pubsub_v1.services.subscriber.transports.grpc import SubscriberGrpcTransport

from providers.errors import (
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)
from providers.google_ccai._counts import Counts
from providers.google_ccai._payloads import PubsubMessage
from providers.google_ccai.config import GoogleCcaiSettings
from providers.google_ccai.const import GIVE_BACK_SECONDS, ORDERING_HOLD_SECONDS

log = logging.getLogger(__name__)

PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub"


def open_subscriber(settings: GoogleCcaiSettings) -> pubsub_v1.SubscriberClient:
    """A subscriber client for the emulator, the given key, or the server's own credentials.

    Blocking (it may read credentials): call it in a worker thread.
    """
    try:
        if settings.emulator_host is not None:
            channel = grpc.insecure_channel(settings.emulator_host)
            return pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=channel))
        if settings.credentials_json is not None:
            info = json.loads(settings.credentials_json.get_secret_value())
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=[PUBSUB_SCOPE]
            )
            return pubsub_v1.SubscriberClient(credentials=credentials)
        return pubsub_v1.SubscriberClient()
    except (ValueError, KeyError, TypeError) as err:
        raise ProviderConfigError(
            "credentials_json is not a Google service-account key (JSON with client_email "
            "and private_key)"
        ) from err
    except auth_errors.DefaultCredentialsError as err:
        raise ProviderConfigError(
            "the server has no Google credentials: give credentials_json (a service-account "
            "key with roles/pubsub.subscriber)"
        ) from err


def classify(err: BaseException, subscription: str) -> ProviderError:
    """Translate a Google client error into cuecard's classes, naming what to fix."""
    match err:
        case ProviderError():
            return err
        case google_errors.NotFound():
            return ProviderConfigError(f"subscription {subscription} does not exist")
        case google_errors.PermissionDenied() | auth_errors.RefreshError():
            return ProviderAuthFailed(
                f"the credentials may not read {subscription} (needs roles/pubsub.subscriber)"
            )
        case google_errors.Unauthenticated() | auth_errors.GoogleAuthError():
            return ProviderAuthFailed(f"Google refused the credentials for {subscription}")
        case google_errors.InvalidArgument() | google_errors.FailedPrecondition():
            return ProviderConfigError(f"Pub/Sub refused {subscription}: {err.message}")
    return ProviderNotReady(f"Pub/Sub is unreachable for {subscription} ({type(err).__name__})")


@dataclass(eq=False)
class Pulled:
    """A message the stream holds for us until it is acknowledged or given back, once."""

    message: PubsubMessage
    _native: NativeMessage
    _on_settle: Callable[[Pulled, bool], None]
    settled: bool = False

    def ack(self) -> None:
        """Done with it: Pub/Sub will not deliver it to this subscription again."""
        self._settle(True)

    def nack(self) -> None:
        """Give it back for redelivery now."""
        self._settle(False)

    @property
    def ack_id(self) -> str:
        """Pub/Sub's handle for settling it outside the stream."""
        return str(self._native.ack_id)

    def release(self) -> bool:
        """Give it back as the stream closes: redelivered in a few seconds, once the stream
        is down, rather than at once into the closing stream (where it would be stuck until
        its lease ran out). True if it was not settled yet."""
        if self.settled:
            return False
        self.settled = True
        give_back_soon(self._native)
        return True

    def _settle(self, accepted: bool) -> None:
        if self.settled:
            return
        self.settled = True
        # Both only queue a request for the library's dispatcher thread: they never block.
        if accepted:
            self._native.ack()
        else:
            self._native.nack()
        self._on_settle(self, accepted)


def give_back_soon(native: NativeMessage) -> None:
    """Stop extending the message's lease and let it lapse in a few seconds."""
    native.modify_ack_deadline(GIVE_BACK_SECONDS)
    native.drop()


@dataclass(frozen=True, slots=True)
class StreamFailed:
    """A subscription's stream ended with an error it will not recover from by itself."""

    error: ProviderError


@dataclass
class _Hold:
    message_id: str
    until: float


@dataclass
class PubsubStream:
    """Streaming pull on each subscription; ``items`` yields what arrives, in order, then
    None once closed."""

    client: pubsub_v1.SubscriberClient
    settings: GoogleCcaiSettings
    counts: Counts = field(default_factory=Counts)
    items: asyncio.Queue[Pulled | StreamFailed | None] = field(default_factory=asyncio.Queue)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    _futures: list[Future[Any]] = field(default_factory=list)
    _unsettled: set[Pulled] = field(default_factory=set)
    _holds: dict[str, _Hold] = field(default_factory=dict)
    _closing: bool = False

    def start(self) -> None:
        """Open one stream per subscription (the library's threads do the rest)."""
        flow = pubsub_v1.types.FlowControl(
            max_messages=self.settings.max_outstanding,
            max_duration_per_lease_extension=self.settings.redeliver_after_seconds,
        )
        for path in self.settings.subscription_paths:
            future = self.client.subscribe(
                path, self._callback(path), flow_control=flow, await_callbacks_on_shutdown=True
            )
            future.add_done_callback(self._ended(path))
            self._futures.append(future)

    @property
    def pending(self) -> int:
        """Messages taken from Pub/Sub and not settled yet (queued or being processed)."""
        return len(self._unsettled)

    async def aclose(self) -> None:
        """Give back every unsettled message, stop the streams, close the client.

        A plain nack would be redelivered at once into the still-open stream and be stuck
        there when it closes; instead each lease is cut to a few seconds, so the message
        comes back once this stream is down. Only what reached us as the streams stopped
        (too late for the library's dispatcher) is given back with a unary call.
        """
        if self._closing:
            return
        self._closing = True
        self.items.put_nowait(None)  # wakes a reader: the stream is over
        given_back = [pulled for pulled in self._unsettled if pulled.release()]
        for future in self._futures:
            future.cancel()
        # Shutdown waits for running callbacks, which give back what arrives meanwhile.
        await asyncio.to_thread(self._wait_stopped)
        late = [pulled for pulled in self._unsettled if pulled.release()]
        self._unsettled.clear()
        self.counts.given_back += len(given_back) + len(late)
        try:
            await asyncio.to_thread(self._give_back, late)
        finally:
            await asyncio.to_thread(self.client.close)

    def _wait_stopped(self) -> None:
        for future in self._futures:
            # A cancelled stream reports how it ended; there is nothing left to do about it.
            with suppress(Exception):
                future.result(timeout=10)

    def _give_back(self, unsettled: list[Pulled]) -> None:
        if not unsettled:
            return
        by_subscription: dict[str, list[str]] = {}
        for pulled in unsettled:
            by_subscription.setdefault(pulled.message.subscription, []).append(pulled.ack_id)
        for path, ack_ids in by_subscription.items():
            try:
                self.client.modify_ack_deadline(
                    request={
                        "subscription": path,
                        "ack_ids": ack_ids,
                        "ack_deadline_seconds": GIVE_BACK_SECONDS,
                    },
                    timeout=10,
                )
            except google_errors.GoogleAPIError as err:
                # Not fatal: their lease lapses and Pub/Sub redelivers them a little later.
                log.warning("%d messages of %s not given back: %s", len(ack_ids), path, err)

    def _callback(self, path: str) -> Callable[[NativeMessage], None]:
        def on_message(native: NativeMessage) -> None:
            # On a library thread: convert, hand over, never block.
            if self._closing:
                give_back_soon(native)  # the dispatcher is up: shutdown waits for callbacks
                return
            message = PubsubMessage(
                subscription=path,
                message_id=native.message_id,
                data=native.data,
                publish_time=native.publish_time,
                attributes=dict(native.attributes),
                ordering_key=native.ordering_key,
            )
            try:
                self._loop.call_soon_threadsafe(self._arrived, message, native)
            except RuntimeError:
                native.nack()  # the loop is gone: let another node have it

        return on_message

    def _arrived(self, message: PubsubMessage, native: NativeMessage) -> None:
        pulled = Pulled(message, native, self._settled)
        self._unsettled.add(pulled)
        if self._closing:
            return  # handed over as the stream closed: aclose gives it back
        if self._held_back(message):
            pulled.nack()
            return
        self.items.put_nowait(pulled)

    def _settled(self, pulled: Pulled, accepted: bool) -> None:
        self._unsettled.discard(pulled)
        if accepted:
            self.counts.acknowledged += 1
        else:
            self.counts.given_back += 1
        key = pulled.message.ordering_key
        if not accepted and key and not self._closing:
            until = time.monotonic() + ORDERING_HOLD_SECONDS
            self._holds.setdefault(key, _Hold(pulled.message.message_id, until))

    def _held_back(self, message: PubsubMessage) -> bool:
        """Whether a later message of a key whose earlier message was given back arrived first."""
        hold = self._holds.get(message.ordering_key) if message.ordering_key else None
        if hold is None:
            return False
        if message.message_id == hold.message_id or time.monotonic() > hold.until:
            del self._holds[message.ordering_key]
            return False
        return True

    def _ended(self, path: str) -> Callable[[Future[Any]], None]:
        def on_done(future: Future[Any]) -> None:
            if future.cancelled() or self._closing:
                return
            error = future.exception()
            failure = StreamFailed(classify(error, path) if error else _stopped(path))
            # RuntimeError: the loop is gone, and with it whoever would read this.
            with suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.items.put_nowait, failure)

        return on_done


def _stopped(path: str) -> ProviderError:
    return ProviderNotReady(f"the stream of {path} stopped")


@dataclass(frozen=True, slots=True)
class SubscriptionProbe:
    """What a short pull on one subscription found."""

    subscription: str
    topic: str
    ordered: bool
    dead_letter_topic: str | None
    waiting: int

    def describe(self, seconds: float) -> str:
        """One sentence for the admin's Test connection."""
        ordering = "ordering on" if self.ordered else "ordering off"
        letters = (
            f"dead letters to {self.dead_letter_topic}"
            if self.dead_letter_topic
            else ("no dead-letter topic")
        )
        found = (
            f"{self.waiting} message(s) waiting, given back for delivery"
            if self.waiting
            else f"no message within {seconds:g} s"
        )
        return f"{self.subscription} on {self.topic} ({ordering}, {letters}): {found}"


def probe_subscriptions(settings: GoogleCcaiSettings, seconds: float) -> list[SubscriptionProbe]:
    """Read each subscription and pull for ``seconds``, giving back what came: no side effect.

    Blocking: call it in a worker thread. Raises a classified ``ProviderError``.
    """
    client = open_subscriber(settings)
    try:
        return [_probe(client, path, seconds) for path in settings.subscription_paths]
    finally:
        client.close()


def _probe(client: pubsub_v1.SubscriberClient, path: str, seconds: float) -> SubscriptionProbe:
    try:
        subscription = client.get_subscription(subscription=path, timeout=seconds)
        waiting = _pull_and_give_back(client, path, seconds)
    except (google_errors.GoogleAPIError, auth_errors.GoogleAuthError) as err:
        raise classify(err, path) from err
    policy = subscription.dead_letter_policy
    return SubscriptionProbe(
        subscription=path,
        topic=subscription.topic,
        ordered=subscription.enable_message_ordering,
        dead_letter_topic=policy.dead_letter_topic or None,
        waiting=waiting,
    )


def _pull_and_give_back(client: pubsub_v1.SubscriberClient, path: str, seconds: float) -> int:
    try:
        response = client.pull(
            request={"subscription": path, "max_messages": 10}, timeout=seconds, retry=None
        )
    except google_errors.DeadlineExceeded:
        return 0
    ack_ids = [received.ack_id for received in response.received_messages]
    if ack_ids:
        # A deadline of zero hands them straight back to the live stream.
        client.modify_ack_deadline(
            request={"subscription": path, "ack_ids": ack_ids, "ack_deadline_seconds": 0}
        )
    return len(ack_ids)
