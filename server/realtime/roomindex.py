"""A socket's rooms found from the socket, not by scanning every room of the namespace.

python-socketio's ``BaseManager`` (5.18) keeps ``rooms[namespace][room]`` only; to find the
rooms one socket is in, ``basic_disconnect`` copies the namespace's whole room table and tests
every room, and ``get_rooms`` (``AsyncNamespace.rooms(sid)``) scans it too. Each widget has
four rooms (its own, its agent's, its tenant's, its conversation's), so at 10,000 widgets one
disconnect walked some 30,000 rooms: a fleet that dropped at once cost the server more CPU to
let go of than to connect (docs/benchmarks.md), just when its widgets come back. This mixin
keeps, beside the library's table, the rooms of each socket, updated wherever the library
changes its table. Upstream, ``BaseManager`` could keep the same index.
"""

from __future__ import annotations

from typing import Any

import socketio

# The room python-socketio puts every connected socket in (its sid-to-eio-sid map).
CONNECTED = None


class IndexedRooms(socketio.base_manager.BaseManager):  # type: ignore[misc]
    """``BaseManager`` with each socket's rooms indexed by namespace and sid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # _rooms_of[namespace][sid]: the rooms the socket is in (CONNECTED and its sid included),
        # a list: a widget has five, for which a set's table would take six times the memory.
        self._rooms_of: dict[str, dict[str, list[Any]]] = {}

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        by_sid = self._rooms_of.setdefault(namespace, {})
        rooms = by_sid.get(sid)
        if rooms is None:
            by_sid[sid] = [room]
        elif room not in rooms:
            rooms.append(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        by_sid = self._rooms_of.get(namespace, {})
        rooms = by_sid.get(sid)
        if rooms is None:
            return
        if room in rooms:
            rooms.remove(room)
        if not rooms:
            del by_sid[sid]
            if not by_sid:
                del self._rooms_of[namespace]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """As the library's, with the socket's rooms taken from the index."""
        if namespace not in self.rooms:
            return
        for room in list(self._rooms_of.get(namespace, {}).get(sid, ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            _forget_pending(pending, namespace, sid)

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        """The rooms ``sid`` is in, but not the connected-sockets room (as the library)."""
        rooms = self._rooms_of.get(namespace, {}).get(sid, ())
        return [room for room in rooms if room is not CONNECTED]


def _forget_pending(pending: dict[str, list[str]], namespace: str, sid: str) -> None:
    """Take ``sid`` off the namespace's list of sockets connecting (or disconnecting)."""
    sids = pending.get(namespace)
    if sids is not None and sid in sids:
        sids.remove(sid)
        if not sids:
            del pending[namespace]
