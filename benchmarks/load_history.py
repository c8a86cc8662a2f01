"""Journalled history for ``load.py --history``: conversations already holding lines."""

from __future__ import annotations

from datetime import UTC, datetime

from load_server import TENANT

from server.conversation import LineIn
from server.journal.entries import SuggestionSet
from server.state.models import MetaChanges
from server.store.database import Store
from server.store.models import LiveEntryIn, LiveEntryKind


async def seed_history(database_url: str, conversations: tuple[str, ...], lines: int) -> None:
    """Journal a status, ``lines`` alternating lines and a card set for each conversation, as
    a call in progress leaves them: a widget joining it reads them back."""
    store = await Store.connect(database_url)
    try:
        for conversation_id in conversations:
            await store.live.write(_history(conversation_id, lines))
    finally:
        await store.aclose()


def _history(conversation_id: str, lines: int) -> list[LiveEntryIn]:
    def entry(kind: LiveEntryKind, event_id: str, body: str) -> LiveEntryIn:
        return LiveEntryIn(
            tenant_id=TENANT,
            conversation_id=conversation_id,
            kind=kind,
            provider="bench",
            event_id=event_id,
            agent_id="agent-0" if kind == "status" else None,
            body=body,
        )

    status = MetaChanges(status="open", provider="bench", agent_id="agent-0")
    entries = [entry("status", f"{conversation_id}-open", status.model_dump_json())]
    now = datetime.now(UTC)
    for number in range(lines):
        event_id = f"{conversation_id}-h{number}"
        speaker = "customer" if number % 2 == 0 else "agent"
        text = f"line {number}: I would like to check the status of my order and the refund."
        said = LineIn(event_id=event_id, speaker=speaker, text=text, occurred_at=now)
        entries.append(entry("line", event_id, said.model_dump_json()))
    cards = SuggestionSet(trigger_event_id=f"{conversation_id}-h0", items=[], reason="unsure")
    entries.append(entry("suggestions", f"{conversation_id}-h0", cards.model_dump_json()))
    return entries
