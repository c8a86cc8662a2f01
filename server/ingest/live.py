"""Each widget event of a live conversation: into the journal, then live state, then widgets.

The journal comes first: it gives the event its position and makes it durable, and it knows
whether the event was recorded before (a delivery processed again after Redis forgot its
claim). The live state (Redis or memory) is the fast path the assist step reads; when it no
longer knows a conversation the journal has earlier entries for, it is restored from them.
Widgets hear of the entry last, with its position, so a widget that misses it can catch up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Generic, TypeVar

from providers.models import Event
from server.conversation import Line, LineIn, Suggestion
from server.journal.entries import (
    EncodedSet,
    SuggestionSet,
    as_line,
    as_suggestions,
    encoded_entry,
    encoded_set,
    line_entry,
    status_entry,
)
from server.journal.service import Journal
from server.realtime.rooms import Broadcaster
from server.state.base import StateStore
from server.state.models import ConversationMeta, MetaChanges

log = logging.getLogger(__name__)
ShownT = TypeVar("ShownT")
# Live state this many entries behind the journal missed them for good (a Redis restarted from
# an old snapshot), not merely for the moment (entries of the same conversation in flight).
STALE_ENTRIES = 20


def stale(applied: int, position: int) -> bool:
    """Whether live state that had applied ``applied`` should be restored before ``position``."""
    return (applied == 0 and position > 1) or position - applied > STALE_ENTRIES


@dataclass(frozen=True, slots=True)
class Shown(Generic[ShownT]):
    """What widgets were sent, at which position; ``fresh`` False for an entry recorded before."""

    value: ShownT
    position: int
    fresh: bool


class LiveWriter:
    """Records, keeps and shows the lines, statuses and suggestion sets of conversations."""

    def __init__(self, *, journal: Journal, state: StateStore, broadcaster: Broadcaster) -> None:
        self._journal = journal
        self._state = state
        self._broadcaster = broadcaster

    async def line(self, event: Event, line: LineIn) -> Shown[Line]:
        """A transcript line, numbered by its position."""
        written = await self._journal.record(line_entry(event, line))
        # A line stored now is the one in hand; one stored before is read. (Validating the
        # fields by keyword costs a fifth of ``model_construct`` over ``dict(line)``.)
        numbered = (
            Line(seq=written.entry.position, **vars(line))
            if written.fresh
            else as_line(written.entry)
        )
        applied = await self._state.append_line(event.tenant_id, event.conversation_id, numbered)
        if stale(applied, numbered.seq):
            await self._restore(event.tenant_id, event.conversation_id)
        await self._broadcaster.transcript(event.tenant_id, event.conversation_id, numbered)
        return Shown(numbered, numbered.seq, written.fresh)

    async def status(
        self, event: Event, changes: MetaChanges, agent_id: str | None = None
    ) -> Shown[ConversationMeta]:
        """A status change; ``agent_id`` names the agent the event assigned, if it did."""
        written = await self._journal.record(status_entry(event, changes, agent_id))
        position = written.entry.position
        meta, applied = await self._state.update_meta(
            event.tenant_id, event.conversation_id, changes, position
        )
        if stale(applied, position):
            meta = await self._restore(event.tenant_id, event.conversation_id)
        await self._broadcaster.status(event.tenant_id, meta, position)
        return Shown(meta, position, written.fresh)

    async def suggestions(
        self, event: Event, items: list[Suggestion], reason: str | None = None
    ) -> Shown[SuggestionSet]:
        """The card set a customer turn produced (``reason``: why it is empty)."""
        encoded = encoded_set(event, items, reason)
        written = await self._journal.record(encoded_entry(event, encoded))
        # Stored now, the set is the one in hand (dumped once for the journal and the widgets);
        # stored before, by an earlier delivery, it is the stored one.
        if not written.fresh:
            encoded = _encoded(as_suggestions(written.entry))
        return await self._show_set(event, encoded, written.entry.position, fresh=written.fresh)

    async def shown_suggestions(self, event: Event) -> Shown[SuggestionSet] | None:
        """Send again the set recorded for ``event`` (a duplicate delivery), if there is one."""
        found = await self._journal.find(
            event.tenant_id, event.provider, event.provider_event_id, "suggestions"
        )
        if found is None:
            return None
        encoded = _encoded(as_suggestions(found))
        return await self._show_set(event, encoded, found.position, fresh=False)

    async def _show_set(
        self, event: Event, encoded: EncodedSet, position: int, *, fresh: bool
    ) -> Shown[SuggestionSet]:
        await self._broadcaster.suggestions(
            event.tenant_id, event.conversation_id, encoded.data, position
        )
        return Shown(encoded.shown, position, fresh)

    async def _restore(self, tenant_id: str, conversation_id: str) -> ConversationMeta:
        """Put the journal's copy of a conversation back into the live state."""
        snapshot = await self._journal.snapshot(tenant_id, conversation_id)
        agents = await self._journal.agents(tenant_id, conversation_id)
        meta = ConversationMeta(**snapshot.model_dump(include=set(ConversationMeta.model_fields)))
        await self._state.restore(tenant_id, conversation_id, meta, snapshot.transcript, agents)
        log.debug("conversation %s restored from the journal into live state", conversation_id)
        return meta


def _encoded(shown: SuggestionSet) -> EncodedSet:
    return EncodedSet(shown, shown.model_dump(mode="json"))
