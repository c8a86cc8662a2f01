"""IndexedRooms: the same rooms as python-socketio's manager, without scanning them all."""

from __future__ import annotations

import random
from typing import Any

import socketio

from server.realtime.fanout import DirectSendManager

NS = "/agent"


def _connect(manager: Any, sid: str) -> None:
    """What ``pre_connect`` does, with the sid chosen here."""
    manager.basic_enter_room(sid, NS, None, eio_sid=f"eio-{sid}")
    manager.basic_enter_room(sid, NS, sid, eio_sid=f"eio-{sid}")


def _tables(manager: Any) -> dict[Any, dict[Any, dict[str, str]]]:
    return {ns: {room: dict(m) for room, m in rooms.items()} for ns, rooms in manager.rooms.items()}


def _random_operations(seed: int, steps: int = 600) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    sids = [f"s{n}" for n in range(12)]
    rooms = [f"room-{n}" for n in range(6)]
    kinds = ["connect", "enter", "enter", "leave", "disconnect", "close"]
    return [(rng.choice(kinds), rng.choice(sids), rng.choice(rooms)) for _ in range(steps)]


def _apply(manager: Any, kind: str, sid: str, room: str, connected: set[str]) -> None:
    if kind == "connect" and sid not in connected:
        _connect(manager, sid)
        connected.add(sid)
    elif kind == "enter" and sid in connected:
        manager.basic_enter_room(sid, NS, room)
    elif kind == "leave":
        manager.basic_leave_room(sid, NS, room)
    elif kind == "disconnect" and sid in connected:
        manager.basic_disconnect(sid, NS)
        connected.discard(sid)
    elif kind == "close":
        manager.basic_close_room(room, NS)


def test_rooms_match_the_library_after_any_sequence_of_joins_leaves_and_disconnects() -> None:
    for seed in range(20):
        library, indexed = socketio.AsyncManager(), DirectSendManager()
        on_library: set[str] = set()
        on_indexed: set[str] = set()
        for kind, sid, room in _random_operations(seed):
            _apply(library, kind, sid, room, on_library)
            _apply(indexed, kind, sid, room, on_indexed)
            assert _tables(indexed) == _tables(library), (seed, kind, sid, room)
            for other in on_library:
                assert sorted(indexed.get_rooms(other, NS), key=str) == sorted(
                    library.get_rooms(other, NS), key=str
                )


class _NoScan(dict[Any, Any]):
    """A namespace's room table that fails any walk over all of its rooms."""

    def copy(self) -> Any:
        raise AssertionError("the room table was copied")

    def items(self) -> Any:
        raise AssertionError("every room was walked")


def test_a_disconnect_and_a_socket_s_rooms_touch_only_that_socket_s_rooms() -> None:
    manager = DirectSendManager()
    for n in range(1000):
        _connect(manager, f"w{n}")
        manager.basic_enter_room(f"w{n}", NS, f"conversation-{n}")
    manager.rooms[NS] = _NoScan(manager.rooms[NS])

    assert sorted(manager.get_rooms("w7", NS)) == ["conversation-7", "w7"]
    manager.basic_disconnect("w7", NS)

    assert "conversation-7" not in manager.rooms[NS]
    assert "w7" not in manager.rooms[NS][None]
    assert manager.get_rooms("w7", NS) == []
    assert sorted(manager.get_rooms("w8", NS)) == ["conversation-8", "w8"]
    assert dict(manager.rooms[NS]["conversation-8"]) == {"w8": "eio-w8"}
