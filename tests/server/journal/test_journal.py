"""The journal: what a joining widget is shown, and what a widget behind is replayed."""

from __future__ import annotations

from datetime import UTC, datetime

from providers.models import AgentAssigned, ConversationStarted, Message, Speaker
from server.conversation import Line, LineIn, Source, Suggestion
from server.journal.entries import SuggestionSet, line_entry, status_entry, suggestions_entry
from server.journal.service import REPLAY_LIMIT, Journal
from server.state.models import ConversationMeta, MetaChanges

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
BASE = {"tenant_id": "acme", "provider": "genesys", "conversation_id": "c1", "occurred_at": NOW}


def said(event_id: str, text: str, speaker: Speaker = Speaker.CUSTOMER) -> tuple[Message, LineIn]:
    message = Message(provider_event_id=event_id, speaker=speaker, text=text, **BASE)
    line = LineIn(event_id=event_id, speaker=speaker, text=text, occurred_at=NOW)
    return message, line


def card(card_id: str, trigger: str) -> Suggestion:
    source = Source(document_id=f"doc-{card_id}", url=None)
    return Suggestion(
        id=card_id,
        kind="article",
        title=card_id,
        snippet="…",
        source=source,
        score=1.0,
        trigger_event_id=trigger,
    )


async def started(journal: Journal) -> None:
    event = ConversationStarted(provider_event_id="start", queue="billing", **BASE)
    await journal.record(status_entry(event, MetaChanges(status="open", queue="billing")))


async def test_an_unknown_conversation_has_an_empty_snapshot(journal: Journal) -> None:
    snapshot = await journal.snapshot("acme", "never")
    assert (snapshot.position, snapshot.transcript, snapshot.suggestions) == (0, [], [])


async def test_the_snapshot_has_the_newest_lines_the_newest_set_and_the_folded_status(
    journal: Journal,
) -> None:
    await started(journal)
    for index in range(4):
        message, line = said(f"m{index}", f"line {index}")
        await journal.record(line_entry(message, line))
    await journal.record(suggestions_entry(message, [card("a", "m3")]))
    assigned = AgentAssigned(provider_event_id="as", agent_id="ada", queue="billing", **BASE)
    await journal.record(status_entry(assigned, MetaChanges(agent_id="ada"), "ada"))

    snapshot = await journal.snapshot("acme", "c1")

    assert snapshot.position == 7
    assert [line.text for line in snapshot.transcript] == ["line 1", "line 2", "line 3"]
    assert [line.seq for line in snapshot.transcript] == [3, 4, 5]
    assert [item.id for item in snapshot.suggestions] == ["a"]
    assert (snapshot.status, snapshot.queue, snapshot.agent_id) == ("open", "billing", "ada")
    assert await journal.agents("acme", "c1") == {"ada"}
    assert await journal.assigned("acme", "c1", "ada")


async def test_a_replay_holds_every_entry_after_the_widget_s_position_in_order(
    journal: Journal,
) -> None:
    await started(journal)
    for index in range(3):
        message, line = said(f"m{index}", f"line {index}")
        await journal.record(line_entry(message, line))
    await journal.record(suggestions_entry(message, [card("a", "m2")]))

    replay = await journal.replay("acme", "c1", after=2)

    assert replay is not None
    assert (replay.after, replay.position) == (2, 5)
    positions = [position for position, _ in replay.items]
    assert positions == [3, 4, 5]
    third, fourth, fifth = (item for _, item in replay.items)
    assert isinstance(third, Line)
    assert third.text == "line 1"
    assert isinstance(fourth, Line)
    assert fourth.seq == 4
    assert isinstance(fifth, SuggestionSet)
    assert fifth.trigger_event_id == "m2"


async def test_a_replayed_status_is_the_whole_status_at_its_position(journal: Journal) -> None:
    await started(journal)
    message, line = said("m1", "hello")
    await journal.record(line_entry(message, line))
    held = ConversationStarted(provider_event_id="hold", **BASE)
    await journal.record(status_entry(held, MetaChanges(status="held")))

    replay = await journal.replay("acme", "c1", after=2)

    assert replay is not None
    ((position, status),) = replay.items
    assert position == 3
    assert status == ConversationMeta(conversation_id="c1", status="held", queue="billing")


async def test_a_widget_far_behind_or_ahead_gets_a_snapshot_instead(journal: Journal) -> None:
    for index in range(REPLAY_LIMIT + 2):
        message, line = said(f"m{index}", "x")
        await journal.record(line_entry(message, line))

    assert await journal.replay("acme", "c1", after=0) is None
    assert await journal.replay("acme", "c1", after=REPLAY_LIMIT + 3) is None
    caught_up = await journal.replay("acme", "c1", after=REPLAY_LIMIT + 2)
    assert caught_up is not None
    assert caught_up.items == []


async def test_a_repeated_event_comes_back_recorded_before_at_its_first_position(
    journal: Journal,
) -> None:
    message, line = said("m1", "hello")
    first = await journal.record(line_entry(message, line))
    again = await journal.record(line_entry(message, line))

    assert (first.fresh, again.fresh) == (True, False)
    assert again.entry.position == first.entry.position
    assert [line.event_id for line in (await journal.snapshot("acme", "c1")).transcript] == ["m1"]
