"""Less memory per idle widget: engineio's per-socket queue and ping without tasks and deques.

At 10,000 idle widgets most of the server's memory is the transport's, socket by socket
(docs/benchmarks.md). python-engineio (4.15) gives every socket an ``asyncio.Queue`` (four
deques and an event, about 2.5 KiB empty) that only its writer reads, polls it through
``asyncio.wait_for`` (a task per socket, parked for the socket's life) and keeps a task asleep
per socket until the next ping. :class:`LeanEngineIO` gives sockets a :class:`SocketQueue` whose
``get`` returns a future (``wait_for`` then needs no task) and schedules pings with a timer.
:func:`serve_websocket` runs a socket opened on a WebSocket with one task fewer than engineio.
All are behaviour-preserving; upstream, engineio could do the same for every server.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from contextlib import suppress
from typing import Any

import engineio
import engineio.exceptions
import socketio
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket

# Each socket's next ping comes up to this share of the ping interval early (see _ping_delay).
PING_SPREAD = 0.2
# Steps in which the service task checks every socket once per ping timeout.
SWEEP_STEPS = 20


class SocketQueue:
    """The FIFO between one engineio socket and its writer: one reader, unbounded.

    Implements what engineio calls on its socket queue: ``put``, ``put_nowait``, ``get`` (an
    awaitable), ``get_nowait``, ``task_done``, ``join``, ``qsize`` and ``empty``.
    """

    __slots__ = ("_drained", "_getter", "_items", "_size", "_unfinished")

    def __init__(self) -> None:
        # The deque exists only while items wait: an idle socket holds none.
        self._items: deque[Any] | None = None
        self._getter: asyncio.Future[Any] | None = None
        self._unfinished = 0
        self._drained: asyncio.Future[None] | None = None
        self._size = 0

    def qsize(self) -> int:
        """Items waiting."""
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        """True when no item waits."""
        return not self._items

    def size(self) -> int:
        """Characters (or bytes) of the packets waiting."""
        return self._size

    def discard(self) -> None:
        """Drop every item waiting, as if each had been taken and dealt with."""
        while self._items:
            self._take()
            self.task_done()

    def put_nowait(self, item: Any) -> None:
        """Hand ``item`` to the waiting reader, or keep it for the next ``get``."""
        self._unfinished += 1
        getter, self._getter = self._getter, None
        if getter is not None and not getter.done():
            getter.set_result(item)
            return
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._size += _weight(item)

    async def put(self, item: Any) -> None:
        """``put_nowait``; the queue is unbounded, so this never waits."""
        self.put_nowait(item)

    def get(self) -> asyncio.Future[Any]:
        """A future of the next item (a future, not a coroutine: ``wait_for`` wraps no task)."""
        future = asyncio.get_running_loop().create_future()
        if self._items:
            future.set_result(self._take())
        else:
            self._getter = future
        return future

    def get_nowait(self) -> Any:
        """The next item; ``asyncio.QueueEmpty`` if none waits."""
        if not self._items:
            raise asyncio.QueueEmpty
        return self._take()

    def task_done(self) -> None:
        """One item taken out has been dealt with."""
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if not self._unfinished and self._drained is not None:
            if not self._drained.done():
                self._drained.set_result(None)
            self._drained = None

    async def join(self) -> None:
        """Wait until every item put has been taken and dealt with."""
        if self._unfinished:
            if self._drained is None:
                self._drained = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._drained)

    def _take(self) -> Any:
        assert self._items is not None
        item = self._items.popleft()
        self._size -= _weight(item)
        if not self._items:
            self._items = None
        return item


def _weight(item: Any) -> int:
    """The length of a queued Engine.IO packet's payload (0 for the writer's ``None``)."""
    data = getattr(item, "data", None)
    return len(data) if isinstance(data, str | bytes) else 0


class LeanEngineIO(engineio.AsyncServer):  # type: ignore[misc]
    """engineio's asyncio server with :class:`SocketQueue` queues and timer-driven pings."""

    def create_queue(self, *args: Any, **kwargs: Any) -> Any:
        """A :class:`SocketQueue` (engineio asks for queues only for its sockets)."""
        if args or kwargs:
            return super().create_queue(*args, **kwargs)
        return SocketQueue()

    def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> Any:
        """As engineio does, except a socket's next ping, which waits on a timer, not a task."""
        if getattr(target, "__func__", None) is AsyncSocket._send_ping and not args:
            asyncio.get_running_loop().call_later(
                _ping_delay(self.ping_interval), _ping, target.__self__
            )
            return None
        return super().start_background_task(target, *args, **kwargs)

    async def _service_task(self) -> None:
        """engineio's sweep for clients that stopped answering pings, a slice per step.

        engineio checks one socket per step, each step an ``asyncio.wait_for`` (a task and a
        timer) a ``ping_timeout / sockets`` long: a thousand of them per cycle for a thousand
        widgets. Here a cycle is ``SWEEP_STEPS`` steps, each checking its share of the sockets;
        every socket is still checked once per ``ping_timeout``.
        """
        self.service_task_event = self.create_event()
        while True:
            try:
                if await self._sweep():
                    return
            except asyncio.CancelledError:
                return
            except Exception:  # as engineio: log, and carry on with the next cycle
                self.logger.exception("service task exception")

    async def _sweep(self) -> bool:
        """One cycle over every socket; True once the server is stopping."""
        sockets = list(self.sockets.values())
        steps = max(1, min(SWEEP_STEPS, len(sockets)))
        share = -(-len(sockets) // steps)
        for step in range(steps):
            for socket in sockets[step * share : (step + 1) * share]:
                if socket.closed:
                    self.sockets.pop(socket.sid, None)
                elif not socket.closing:
                    await socket.check_ping_timeout()
            with suppress(TimeoutError):
                await asyncio.wait_for(self.service_task_event.wait(), self.ping_timeout / steps)
                return True
        return False


def _ping_delay(interval: float) -> float:
    """Up to ``PING_SPREAD`` of the interval earlier than engineio's fixed delay.

    Widgets that connected together (a deploy, a restart, a shift starting) would otherwise be
    pinged together every interval, their pongs arriving in one burst. A ping sooner than the
    interval is always within the protocol (a client only times out on one that comes late).
    """
    return interval * (1.0 - PING_SPREAD * random.random())  # noqa: S311 - spread, not a secret


def _ping(socket: AsyncSocket) -> None:
    """What engineio's ``_send_ping`` does once its sleep is over, without a task per ping.

    engineio's ``send`` would first check that the previous ping was answered, which it was
    (``last_ping`` is set just before, as engineio does), then put the packet on the queue,
    which never waits: so the packet goes on the queue here, at once.
    """
    if socket.closing or socket.closed:
        return
    socket.last_ping = time.time()
    socket.queue.put_nowait(eio_packet.Packet(eio_packet.PING))


async def serve_websocket(socket: AsyncSocket, ws: Any) -> None:
    """engineio's ``AsyncSocket._websocket_handler`` for a socket opened on a WebSocket.

    engineio reads each packet through a task of its own awaited with ``asyncio.wait_for``
    (a task, a waiter and a timer parked per idle socket) and its writer polls the queue
    through ``wait_for`` as well. Here the reads run on the connection's handler task with
    aiohttp's own receive timeout, and the writer waits on the queue alone: the reader's exit
    (a closed connection, or nothing heard for ``ping_interval + ping_timeout``, as in
    engineio) is what stops it. A socket upgraded from long-polling keeps engineio's handler.
    """
    server = socket.server
    socket.connected = True
    socket.upgraded = True
    writer = asyncio.ensure_future(_write(socket, ws))
    silence = server.ping_interval + server.ping_timeout
    while True:
        try:
            data = await ws.receive_data(silence)
        except asyncio.CancelledError:
            break
        except Exception:  # closed, silent too long, or not a data frame: as engineio
            break
        if len(data) > server.max_http_buffer_size:
            break
        try:
            packet = eio_packet.Packet(encoded_packet=data)
        except ValueError:  # not an Engine.IO packet (empty, or no packet type): not a client
            break
        try:
            await socket.receive(packet)
        except engineio.exceptions.UnknownPacketError:
            pass
        except engineio.exceptions.SocketIsClosedError:
            break
        except Exception:
            server.logger.exception("Unknown receive error")
        if socket.closed:
            # Closed by the server (a ping left unanswered): a peer that keeps talking must not
            # keep its connection open behind a socket engineio has forgotten.
            break
    socket.queue.put_nowait(None)  # the writer's cue to finish
    try:
        # Shielded: aiohttp cancels this task once the peer's connection is lost, which must
        # neither cut the writer's close short nor skip the socket's disconnect.
        await asyncio.shield(writer)
    finally:
        await socket.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)


async def _write(socket: AsyncSocket, ws: Any) -> None:
    """Send what is queued for the socket, up to the reader's ``None``; then close.

    What was queued while the writer waited to run (a turn's card set, details and step card,
    emitted one after another) goes out in one write: one system call, not one per packet.
    """
    queue = socket.queue
    finished = False
    while not finished:
        packets = [await queue.get()]
        queue.task_done()
        while not queue.empty():
            packets.append(queue.get_nowait())
            queue.task_done()
        if None in packets:
            packets, finished = packets[: packets.index(None)], True
        try:
            await ws.send_all([packet.encode() for packet in packets])
        except Exception:
            break
    await ws.close()


class LeanSocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on :class:`LeanEngineIO`."""

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return LeanEngineIO
