"""Widgets catching up: replays of what they missed, and telling them when they may have.

A widget that re-joins a conversation with ``after`` (its last position) gets a ``replay`` of
every entry since, in order (:func:`replay_payload`), the same events it would have heard live.

:class:`LocalResync` is used when this node's Socket.IO fan-out listener was away
(server/realtime/listener.py): other nodes' emits of that time never reached its widgets.
Each conversation room with a widget on this node hears ``resync`` with the conversation's
newest position; a widget holding less catches up by joining again with ``after``
(docs/socketio.md). Widgets that missed nothing do nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import socketio

from server.conversation import Line
from server.journal.entries import SuggestionSet
from server.journal.service import Journal, Replay
from server.realtime.rooms import (
    NAMESPACE,
    parse_conversation_room,
    status_payload,
    suggestions_payload,
    transcript_payload,
)

log = logging.getLogger(__name__)


def replay_payload(replay: Replay) -> dict[str, Any]:
    """The ``replay`` event: each missed entry as the event a widget would have heard."""
    conversation_id = replay.conversation_id
    events: list[dict[str, Any]] = []
    for position, item in replay.items:
        if isinstance(item, Line):
            data = transcript_payload(conversation_id, item)
            events.append({"event": "transcript", "data": data})
        elif isinstance(item, SuggestionSet):
            data = suggestions_payload(
                conversation_id, item.trigger_event_id, item.items, item.reason, position
            )
            events.append({"event": "suggestions", "data": data})
        else:
            events.append({"event": "status", "data": status_payload(item, position)})
    return {
        "conversation_id": conversation_id,
        "after": replay.after,
        "position": replay.position,
        "events": events,
    }


class LocalResync:
    """Sends ``resync`` to every conversation room that has a widget on this node."""

    def __init__(self, sio: socketio.AsyncServer, journal: Journal) -> None:
        self._sio = sio
        self._journal = journal

    async def __call__(self) -> None:
        rooms = self._local_conversation_rooms()
        if not rooms:
            return
        positions = await self._journal.positions(list(rooms))
        for (tenant_id, conversation_id), room in rooms.items():
            payload = {
                "conversation_id": conversation_id,
                "position": positions[(tenant_id, conversation_id)],
            }
            # ignore_queue: only this node's widgets missed anything.
            await self._sio.emit("resync", payload, to=room, namespace=NAMESPACE, ignore_queue=True)
        log.info("told widgets of %d conversations to catch up", len(rooms))

    def _local_conversation_rooms(self) -> Mapping[tuple[str, str], str]:
        # With the pub/sub manager, ``rooms`` holds this node's sockets only.
        rooms: Mapping[str, object] = self._sio.manager.rooms.get(NAMESPACE, {})
        found = {}
        for room in list(rooms):
            key = parse_conversation_room(room) if isinstance(room, str) else None
            if key is not None:
                found[key] = room
        return found
