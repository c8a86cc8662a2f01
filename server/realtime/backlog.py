"""A client that stops taking what it is sent is cut off before its backlog costs the server.

A socket's packets wait in its queue until its writer hands them to the connection, and the
writer waits for the connection to drain. A client that stops reading while it keeps asking
(each ``join`` answers with the conversation's snapshot: tens of bytes in, up to megabytes
out) would otherwise have the server keep all of it: 600 joins took a server from 0.3 to
2 GB. Past :data:`MAX_BACKLOG` waiting, the socket is closed and what waits is dropped. A
widget that was merely slow loses nothing: it reconnects and catches up from its position
(docs/socketio.md, "Positions and catching up").
"""

from __future__ import annotations

import logging
from typing import Any

from server.realtime.lean import LeanSocketServer

log = logging.getLogger(__name__)

# Characters one socket may have waiting. A widget's turn queues a few kilobytes; a burst of
# a busy conversation's events, or a snapshot of a long one, well under a megabyte.
MAX_BACKLOG = 8 * 1024 * 1024


class BoundedBacklogServer(LeanSocketServer):
    """python-socketio's server on lean sockets, closing a socket whose backlog is too long."""

    async def _send_eio_packet(self, eio_sid: str, eio_pkt: Any) -> None:
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and socket.queue.size() > MAX_BACKLOG:
            await self._cut_off(eio_sid, socket)
            return
        await super()._send_eio_packet(eio_sid, eio_pkt)

    async def _cut_off(self, eio_sid: str, socket: Any) -> None:
        """Close ``socket``, drop what waits for it, and end a WebSocket's connection."""
        if socket.closed:
            return
        log.info("connection %s closed: its client stopped reading what it is sent", eio_sid)
        request = self.environ.get(eio_sid, {}).get("aiohttp.request")
        socket.queue.discard()
        await socket.close(wait=False, abort=True, reason=self.eio.reason.TRANSPORT_ERROR)
        # The writer is stuck waiting for the connection to drain, which it never will. Only a
        # session opened on the WebSocket owns its connection (a long-polling one shares its
        # first request's connection with whatever came after).
        transport = request.transport if request is not None else None
        if transport is not None and request.headers.get("Upgrade", "").lower() == "websocket":
            transport.abort()
