"""What the widget endpoint accepts from clients: JSON Socket.IO packets, well formed.

socket.io-client sends the widget's events as text packets whose payload is a list led by the
event's name, and never a binary attachment (no widget event carries bytes). Anything else is
not a widget: python-socketio would buffer the attachments a binary packet announces without a
bound (ten digits' worth of them, each up to the message size limit), and raise on a malformed
packet, logging a traceback per message. The connection of a client that sends one is closed
instead, as socket.io's own server closes a client whose packet it cannot parse.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from socketio import packet as sio_packet

from server.realtime.backlog import BoundedBacklogServer
from server.realtime.rooms import NAMESPACE

log = logging.getLogger(__name__)

# Packet types a client may send; CONNECT_ERROR is the server's, and binary packets are refused.
ACCEPTED_TYPES = frozenset(
    {sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT, sio_packet.ACK}
)


def refusal(data: str | bytes, packet_class: type[sio_packet.Packet]) -> str | None:
    """Why ``data`` (one Engine.IO message) is not a packet the endpoint accepts; None if it is."""
    if not isinstance(data, str):
        return "a binary message"
    try:
        packet = packet_class(encoded_packet=data)
    except ValueError:  # python-socketio's decoding errors, malformed JSON included
        return "a malformed packet"
    if packet.packet_type not in ACCEPTED_TYPES or packet.attachment_count:
        return f"a packet of type {packet.packet_type!r}"
    if packet.packet_type == sio_packet.EVENT and not _names_an_event(packet.data):
        return "an event without a name"
    if packet.packet_type == sio_packet.ACK and not isinstance(packet.data, list):
        return "an acknowledgement without arguments"
    return None


class MalformedPollingBodies(logging.Filter):
    """Keeps engineio from logging a long-polling body it cannot decode as a server error.

    engineio (4.15) answers such a POST and logs ``post request handler error`` at ERROR with a
    traceback: one per request, from any client that opened a session (no token needed), so a
    loop of them would fill the log. It is the client's mistake: here it is a DEBUG line.
    Errors raised anywhere but engineio's decoding still reach the log as they were.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "post request handler error" or not _decoding_failed(record):
            return True
        log.debug("a long-polling request carried a body that is not Engine.IO")
        return False


def _decoding_failed(record: logging.LogRecord) -> bool:
    """Whether the record's exception was raised decoding an Engine.IO packet or payload."""
    error = record.exc_info[1] if record.exc_info else None
    trace = error.__traceback__ if isinstance(error, ValueError) else None
    if trace is None:
        return False
    while trace.tb_next is not None:
        trace = trace.tb_next
    return trace.tb_frame.f_code.co_filename.endswith(_ENGINEIO_DECODERS)


_ENGINEIO_DECODERS = ("engineio/packet.py", "engineio/payload.py")


def _names_an_event(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and isinstance(data[0], str)


class WidgetSocketServer(BoundedBacklogServer):
    """The widget endpoint's server: closes the connection of a client breaking the protocol,
    or of one that has not connected to the widget's namespace ``namespace_connect_seconds``
    after opening it.

    python-socketio keeps an Engine.IO connection that never names a namespace for as long as
    it answers pings; that needs no token, so each would hold a connection's memory for free.
    socket.io-client connects its namespace at once; socket.io's own server waits 45 s too.
    """

    namespace_connect_seconds = 45.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closing: set[asyncio.Future[Any]] = set()

    async def _handle_eio_connect(self, eio_sid: str, environ: Any) -> None:
        await super()._handle_eio_connect(eio_sid, environ)
        asyncio.get_running_loop().call_later(
            self.namespace_connect_seconds, self._close_if_not_connected, eio_sid
        )

    def _close_if_not_connected(self, eio_sid: str) -> None:
        socket = self.eio.sockets.get(eio_sid)
        if socket is None or socket.closed:
            return
        if self.manager.sid_from_eio_sid(eio_sid, NAMESPACE) is not None:
            return
        log.debug("connection %s closed: no namespace connected in time", eio_sid)
        task = asyncio.ensure_future(self._close_client(socket))
        # Kept until done: the loop holds only weak references to tasks.
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _handle_eio_message(self, eio_sid: str, data: str | bytes) -> None:
        reason = refusal(data, self.packet_class)
        if reason is None:
            await super()._handle_eio_message(eio_sid, data)
            return
        log.debug("connection %s closed: the client sent %s", eio_sid, reason)
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None:
            await self._close_client(socket)

    async def _close_client(self, socket: Any) -> None:
        """Close ``socket`` from the server's side, whatever its client is doing."""
        # Without waiting for the client to take the CLOSE packet: a long-polling client takes
        # it with its next poll, which must not hold up the request that sent a refused packet.
        await socket.close(wait=False, reason=self.eio.reason.SERVER_DISCONNECT)
        if socket.upgraded:
            # A WebSocket's reader may be waiting for a client that sends nothing: the writer's
            # cue to finish sends what is queued (the CLOSE packet) and closes the connection.
            socket.queue.put_nowait(None)
