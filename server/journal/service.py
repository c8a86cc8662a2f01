"""The journal: durable entries written by group commit, snapshots and replays read back.

Example::

    journal = Journal(store.live, max_lines=200)
    written = await journal.record(line_entry(event, line))   # durable once this returns
    snapshot = await journal.snapshot("acme", "c-1")           # what a joining widget sees
    replay = await journal.replay("acme", "c-1", after=41)     # what a widget at 41 missed
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from server.conversation import Line
from server.deadlines import Deadlines
from server.errors import CuecardError, Unavailable
from server.journal.entries import SuggestionSet, as_line, as_suggestions, folded
from server.journal.writer import Committer, GroupCommit
from server.state.models import ConversationMeta, Snapshot
from server.store.live import LiveRecordRepository
from server.store.live_counters import ConversationKey
from server.store.models import LiveEntry, LiveEntryIn, LiveEntryKind, WrittenEntry
from server.store.schema import utcnow

log = logging.getLogger(__name__)

# Longer than a database failover; a caller that gives up may still see its entry written,
# which the retry then finds (its event's entry is stored once).
WRITE_TIMEOUT_SECONDS = 20.0
# A widget further behind than this gets a snapshot instead of a replay.
REPLAY_LIMIT = 500
# Status entries folded into a conversation's status; a conversation has a handful.
STATUS_LIMIT = 1000
# A conversation without entries for this long is forgotten (as Redis forgets it).
RETENTION = timedelta(hours=24)
PURGE_EVERY_SECONDS = 3600.0

ReplayItem = tuple[int, Line | SuggestionSet | ConversationMeta]


@dataclass(frozen=True, slots=True)
class Replay:
    """What a widget at ``after`` missed: every entry up to ``position``, oldest first.

    A status entry is replayed as the whole status at its position.
    """

    conversation_id: str
    after: int
    position: int
    items: list[ReplayItem]


class Journal:
    """Writes entries durably (one transaction for many callers) and reads them back."""

    def __init__(
        self,
        live: LiveRecordRepository,
        *,
        max_lines: int,
        write_timeout: float = WRITE_TIMEOUT_SECONDS,
    ) -> None:
        self._live = live
        self._max_lines = max_lines
        # One timer for every write waiting, not one per write (server/deadlines.py).
        self._deadlines = Deadlines(write_timeout, _not_confirmed)
        # On a SQLite file the writes are batched on a thread of their own; elsewhere here.
        threaded = live.group_commit(self._deadlines)
        self._commit: Committer[LiveEntryIn, WrittenEntry] = (
            threaded if threaded is not None else GroupCommit(live.write, self._deadlines)
        )

    async def record(self, entry: LiveEntryIn) -> WrittenEntry:
        """Store ``entry`` at the conversation's next position, unless its event has one of
        its kind already (then that one comes back, ``fresh`` False). Durable on return."""
        return await self._commit.submit(entry)

    async def find(
        self, tenant_id: str, provider: str, event_id: str, kind: LiveEntryKind
    ) -> LiveEntry | None:
        """The entry of ``kind`` an event produced, if it was stored."""
        return await self._live.find(tenant_id, provider, event_id, kind)

    async def snapshot(self, tenant_id: str, conversation_id: str) -> Snapshot:
        """The conversation as a joining widget shows it, complete up to its ``position``."""
        read = await self._live.snapshot(
            tenant_id, conversation_id, lines=self._max_lines, statuses=STATUS_LIMIT
        )
        if read.position == 0:
            return Snapshot(conversation_id=conversation_id)
        meta = folded(ConversationMeta(conversation_id=conversation_id), read.statuses)
        sets = [as_suggestions(entry) for entry in read.entries if entry.kind == "suggestions"]
        return Snapshot(
            **meta.model_dump(),
            position=read.position,
            transcript=[as_line(entry) for entry in read.entries if entry.kind == "line"],
            suggestions=sets[-1].items if sets else [],
        )

    async def replay(self, tenant_id: str, conversation_id: str, after: int) -> Replay | None:
        """What a widget holding everything up to ``after`` missed; None when a snapshot
        serves it better (too far behind, or ahead of the record)."""
        read = await self._live.after(
            tenant_id, conversation_id, after, limit=REPLAY_LIMIT + 1, statuses=STATUS_LIMIT
        )
        if after > read.position or len(read.entries) > REPLAY_LIMIT:
            return None
        items = _replayed(conversation_id, read.entries, read.statuses)
        return Replay(
            conversation_id=conversation_id, after=after, position=read.position, items=items
        )

    async def assigned(self, tenant_id: str, conversation_id: str, agent_id: str) -> bool:
        """Whether the conversation was assigned to ``agent_id`` (by any event recorded)."""
        return await self._live.assigned(tenant_id, conversation_id, agent_id)

    async def agents(self, tenant_id: str, conversation_id: str) -> set[str]:
        """Every agent the conversation was assigned to."""
        read = await self._live.snapshot(tenant_id, conversation_id, lines=0, statuses=STATUS_LIMIT)
        return {entry.agent_id for entry in read.statuses if entry.agent_id is not None}

    async def positions(self, keys: Sequence[ConversationKey]) -> dict[ConversationKey, int]:
        """The newest position of each conversation (0 for one without entries)."""
        found = await self._live.last_positions(keys)
        return {key: found.get(key, 0) for key in keys}

    async def purge(self) -> int:
        """Forget conversations idle for longer than the retention; how many were."""
        return await self._live.purge(utcnow() - RETENTION)

    async def aclose(self) -> None:
        """Write what is waiting, then stop writing."""
        await self._commit.aclose()
        self._deadlines.close()


def _not_confirmed() -> Unavailable:
    return Unavailable("the database did not confirm the write in time")


def _replayed(
    conversation_id: str, missed: list[LiveEntry], statuses: list[LiveEntry]
) -> list[ReplayItem]:
    """Lines and sets as they are; each status as the whole status at its position."""
    items: list[ReplayItem] = []
    for entry in missed:
        if entry.kind == "line":
            items.append((entry.position, as_line(entry)))
        elif entry.kind == "suggestions":
            items.append((entry.position, as_suggestions(entry)))
        else:
            upto = [status for status in statuses if status.position <= entry.position]
            meta = folded(ConversationMeta(conversation_id=conversation_id), upto)
            items.append((entry.position, meta))
    return items


async def keep_journal_trimmed(journal: Journal, every: float = PURGE_EVERY_SECONDS) -> None:
    """Forget idle conversations now and every ``every`` seconds (a background task)."""
    while True:
        try:
            if forgotten := await journal.purge():
                log.info("journal: %d idle conversations forgotten", forgotten)
        except CuecardError as err:
            log.warning("journal: forgetting idle conversations failed (%s)", err.code)
        await asyncio.sleep(every)
