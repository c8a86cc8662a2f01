"""Notification channels kept alive for the Genesys adapter (private helper of client).

A :class:`NotificationStream` spreads its topics over channels of at most 1000 topics
(protocols.md 1.3); each channel runs in a :class:`_Slot` that opens it (create, connect,
subscribe), reads it, replaces it *before* dropping it on ``v2.system.socket_closing`` or
ahead of ``expires`` (so nothing is missed), and reopens it with capped, jittered back-off
when the socket dies or goes silent. After such a loss the stream yields
:class:`~providers.genesys._socket.Resync` so the adapter re-reads what it tracks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import aiohttp

from providers.base import ConnectionState
from providers.errors import ProviderAuthFailed, ProviderError, ProviderNotReady
from providers.genesys._socket import (
    Failed,
    Resync,
    SocketLost,
    StreamItem,
    backoff,
    parse_frame,
    receive_text,
)
from providers.genesys.const import TOPICS_PER_CHANNEL, Timings

if TYPE_CHECKING:
    from providers.genesys.client import Channel, GenesysClient

logger = logging.getLogger(__name__)

StatusReport = Callable[[ConnectionState, str | None], None]
Signal = tuple[Literal["dead", "closing"], "_Socket", str]


@dataclass(eq=False)
class _Socket:
    channel: Channel
    ws: aiohttp.ClientWebSocketResponse
    topics: set[str] = field(default_factory=set)
    reader: asyncio.Task[None] | None = None


class NotificationStream:
    """Every subscribed topic's notifications, in :attr:`items`, across reconnects."""

    def __init__(self, client: GenesysClient, timings: Timings, report: StatusReport) -> None:
        self.client = client
        self.timings = timings
        # None is put by the adapter to wake a listener at shutdown.
        self.items: asyncio.Queue[StreamItem | None] = asyncio.Queue()
        self._report = report
        self._slots: list[_Slot] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False

    async def add_topics(self, topics: Iterable[str]) -> None:
        """Subscribe more topics, on a channel with room or a new one."""
        known = {topic for slot in self._slots for topic in slot.topics}
        touched: list[_Slot] = []
        for topic in dict.fromkeys(topics):
            if topic in known:
                continue
            slot = next((s for s in self._slots if len(s.topics) < TOPICS_PER_CHANNEL), None)
            slot = slot or self._new_slot()
            slot.topics.add(topic)
            touched.append(slot)
        for slot in dict.fromkeys(touched):
            await slot.sync_current()

    async def remove_topics(self, topics: Iterable[str]) -> None:
        """Stop following topics: each channel holding one is left with the others only."""
        gone = set(topics)
        for slot in [s for s in self._slots if s.topics & gone]:
            slot.topics -= gone
            await slot.sync_current(replace=True)

    def start(self) -> None:
        """Open every channel in the background."""
        self._running = True
        if not self._slots:
            # Even without topics yet, a channel proves the credentials and reports status;
            # agents' topics join it as they log in.
            self._slots.append(_Slot(self))
        for slot in self._slots:
            self._spawn(slot)

    async def aclose(self) -> None:
        """Stop every channel and close its socket."""
        self._running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for slot in self._slots:
            await slot.drop_current()

    def changed(self) -> None:
        """Report the state of the worst channel (all connected → connected)."""
        down = next((s for s in self._slots if s.state is not ConnectionState.CONNECTED), None)
        if down is None:
            self._report(ConnectionState.CONNECTED, None)
        else:
            self._report(down.state, down.error)

    def _new_slot(self) -> _Slot:
        slot = _Slot(self)
        self._slots.append(slot)
        if self._running:
            self._spawn(slot)
        return slot

    def _spawn(self, slot: _Slot) -> None:
        self._tasks.append(asyncio.create_task(self._guard(slot), name="genesys-channel"))

    async def _guard(self, slot: _Slot) -> None:
        attempt, lost = 0, False
        while True:
            try:
                await slot.run(lost=lost)
            except ProviderError as err:
                auth = isinstance(err, ProviderAuthFailed)
                slot.state = ConnectionState.AUTH_FAILED if auth else ConnectionState.CONFIG_ERROR
                slot.error = str(err)
                self.changed()
                await self.items.put(Failed(err))
                return
            except Exception as err:
                # An answer nobody foresaw must not leave the channel dead while it looks
                # alive: it is reopened like a lost one (and what it missed re-read).
                logger.warning("Genesys channel failed (%s); reopening it", type(err).__name__)
                slot.state, slot.error = (
                    ConnectionState.RECONNECTING,
                    f"channel failed ({type(err).__name__})",
                )
                self.changed()
                await slot.drop_current()
                await asyncio.sleep(backoff(attempt, self.timings))
                attempt, lost = attempt + 1, True


class _Slot:
    """One channel's worth of topics, kept connected."""

    def __init__(self, stream: NotificationStream) -> None:
        self.topics: set[str] = set()
        self.current: _Socket | None = None
        self.state = ConnectionState.CONNECTING
        self.error: str | None = None
        self._stream = stream
        self._timings = stream.timings
        self._signals: asyncio.Queue[Signal] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._renew_retry_at = 0.0

    async def run(self, *, lost: bool = False) -> None:
        """Keep a channel open until cancelled; fatal provider errors propagate. ``lost``: a
        channel was lost before this run, so the first one opened is followed by a resync."""
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            try:
                self.current = await self._open()
            except ProviderNotReady as err:
                self._set(ConnectionState.RECONNECTING, str(err))
                await asyncio.sleep(backoff(attempt, self._timings))
                attempt += 1
                continue
            opened_at = loop.time()
            self._set(ConnectionState.CONNECTED, None)
            if lost:
                await self._stream.items.put(Resync())
            reason = await self._serve()
            lost = True
            self._set(ConnectionState.RECONNECTING, reason)
            if loop.time() - opened_at >= self._timings.backoff_max:
                attempt = 0
            else:
                # A socket that dies soon after opening must not turn into a reconnect storm.
                await asyncio.sleep(backoff(attempt, self._timings))
                attempt += 1

    async def sync_current(self, *, replace: bool = False) -> None:
        """Subscribe topics added since the current channel was opened (or, with
        ``replace``, make its subscriptions exactly the slot's topics)."""
        if self.current is not None:
            await self._sync(self.current, replace=replace)

    async def drop_current(self) -> None:
        """Close the current socket (at shutdown)."""
        if self.current is not None:
            await self._drop(self.current, unsubscribe=True)
            self.current = None

    def _set(self, state: ConnectionState, error: str | None) -> None:
        if state is not self.state:
            log = logger.info if state is ConnectionState.CONNECTED else logger.warning
            log("Genesys notifications %s%s", state.value, f": {error}" if error else "")
        self.state, self.error = state, error
        self._stream.changed()

    async def _serve(self) -> str:
        """Read until the socket dies, replacing it gaplessly when warned; return why it died."""
        while True:
            current = self.current
            assert current is not None
            try:
                kind, socket, reason = await asyncio.wait_for(
                    self._signals.get(), self._seconds_until_renewal(current)
                )
            except TimeoutError:
                kind, socket, reason = "closing", current, "channel about to expire"
            if socket is not current:
                continue  # the last words of a socket already replaced
            if kind == "dead":
                await self._drop(socket, unsubscribe=False)
                self.current = None
                return reason
            await self._replace(current, reason)

    def _seconds_until_renewal(self, socket: _Socket) -> float:
        renew_at = socket.channel.expires.timestamp() - self._timings.channel_renew_before
        loop = asyncio.get_running_loop()
        retry_in = self._renew_retry_at - loop.time()
        return max(0.0, renew_at - datetime.now(UTC).timestamp(), retry_in)

    async def _replace(self, old: _Socket, reason: str) -> None:
        # The old socket keeps delivering while the new channel is opened: no gap.
        logger.info("Replacing Genesys channel %s: %s", old.channel.id, reason)
        try:
            self.current = await self._open()
        except ProviderNotReady as err:
            logger.warning("Could not open a replacement channel yet: %s", err)
            self._renew_retry_at = asyncio.get_running_loop().time() + self._timings.backoff_max
            return
        await self._drop(old, unsubscribe=True)

    async def _open(self) -> _Socket:
        client = self._stream.client
        channel = await client.create_channel()
        socket = _Socket(channel, await client.connect(channel.connect_uri))
        socket.reader = asyncio.create_task(self._read(socket), name="genesys-socket")
        try:
            await self._sync(socket, replace=True)
        except BaseException:
            await self._drop(socket, unsubscribe=False)
            raise
        logger.debug("Genesys channel %s open with %d topics", channel.id, len(socket.topics))
        return socket

    async def _sync(self, socket: _Socket, *, replace: bool) -> None:
        async with self._lock:
            client = self._stream.client
            if not replace:
                wanted = sorted(self.topics - socket.topics)
                if wanted:
                    await client.subscribe(socket.channel.id, wanted, replace=False)
                socket.topics.update(wanted)
                return
            wanted = sorted(self.topics)
            if wanted:
                await client.subscribe(socket.channel.id, wanted, replace=True)
            elif socket.topics:
                # PUT replaces the list; with nothing left, DELETE says so (protocols.md 1.2).
                await client.unsubscribe_all(socket.channel.id)
            socket.topics = set(wanted)

    async def _drop(self, socket: _Socket, *, unsubscribe: bool) -> None:
        if socket.reader is not None:
            socket.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await socket.reader
        await socket.ws.close()
        if unsubscribe:
            # Hygiene only: an abandoned channel lapses on its own.
            with contextlib.suppress(ProviderError):
                await self._stream.client.unsubscribe_all(socket.channel.id)

    async def _read(self, socket: _Socket) -> None:
        try:
            while True:
                frame = parse_frame(await receive_text(socket.ws, self._timings))
                if frame == "closing":
                    self._signals.put_nowait(("closing", socket, "Genesys is closing the socket"))
                elif frame is not None:
                    self._stream.items.put_nowait(frame)
        except SocketLost as err:
            self._signals.put_nowait(("dead", socket, str(err)))
        except Exception as err:
            # Whatever broke reading must not leave the channel silently dead while it still
            # reports connected: it is replaced (and what it missed re-read) like a lost one.
            logger.warning("Genesys socket reader failed (%s)", type(err).__name__)
            self._signals.put_nowait(("dead", socket, f"reader failed ({type(err).__name__})"))
