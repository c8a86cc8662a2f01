"""Client managers that hand an emit to its recipients' queues directly, not through tasks.

python-socketio's ``AsyncManager.emit`` encodes a packet once and then starts one asyncio task
per recipient, each of which only puts the packet on that socket's unbounded queue, and waits
for them all. For the one or two widgets of a conversation that made task creation, scheduling
and ``asyncio.wait`` most of an emit's cost (docs/benchmarks.md). Putting on an unbounded queue
does not suspend, so doing it in turn keeps the order and the semantics. Emits that expect an
acknowledgement keep the library's path. Upstream, ``AsyncManager.emit`` could do the same.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from server.realtime.roomindex import CONNECTED, IndexedRooms
from server.state.redis import redis_client


class DirectSendManager(IndexedRooms, socketio.AsyncManager):  # type: ignore[misc]
    """The in-process manager, queueing each recipient's packet in turn (rooms indexed by
    socket: :mod:`~server.realtime.roomindex`)."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms:
            await super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)
            return
        skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        packets = self._engineio_packets(event, data, namespace)
        # The room is copied before the first await: a join or leave meanwhile cannot break it.
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if sid not in skipped:
                for packet in packets:
                    await self.server._send_eio_packet(eio_sid, packet)

    def _engineio_packets(self, event: str, data: Any, namespace: str) -> list[Any]:
        """The emit as Engine.IO message packets, encoded once for every recipient."""
        # A tuple is several arguments, None none, anything else one (as python-socketio does).
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        return [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]


class DirectSendRedisManager(socketio.AsyncRedisManager, DirectSendManager):  # type: ignore[misc]
    """Redis fan-out; each node queues the emits it receives for its own sockets in turn.

    The pub/sub manager publishes an emit and, on receiving it, calls the base manager's
    ``emit`` for its local sockets: placed after the pub/sub classes, :class:`DirectSendManager`
    is that base.
    """

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room, namespace = to or room, namespace or "/"
        if self._is_local_socket(room, namespace):
            # A socket lives on one node. The pub/sub manager published every emit, one meant
            # for a single socket too (a connect's and a join's replies): every node decoded it
            # and each took one of the pool's connections, which a reconnecting fleet ran out of.
            kwargs["ignore_queue"] = True
        await super().emit(
            event,
            data,
            namespace=namespace,
            room=room,
            skip_sid=skip_sid,
            callback=callback,
            **kwargs,
        )

    def _is_local_socket(self, room: Any, namespace: str) -> bool:
        """True when ``room`` is the sid of a socket connected to this node."""
        return isinstance(room, str) and room in self.rooms.get(namespace, {}).get(CONNECTED, {})

    def _redis_connect(self) -> None:
        """The library's connection, on a pool whose callers wait for a free connection.

        redis-py's default pool fails a call once 100 are in flight ("Too many connections");
        the manager then logs an error, drops its client and retries once, so a burst of emits
        (a fleet reconnecting to two nodes) could lose one. cuecard's URLs are plain
        ``redis://`` ones (no Sentinel, which the library's method also handles).
        """
        self.redis = redis_client(self.redis_url, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True
