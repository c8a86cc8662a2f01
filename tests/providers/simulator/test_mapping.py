"""Tests for turning scripts into timed canonical events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.models import (
    AgentAssigned,
    ConversationStarted,
    Event,
    MediaType,
    Message,
    ParticipantHeld,
    Speaker,
    Transcript,
)
from providers.simulator.client import LineTurn, load_script
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import MAX_TURN_SECONDS, MIN_DELAY_SECONDS, TYPING_PACE
from providers.simulator.mapping import line_delay, script_to_events, total_duration

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def settings(path: Path, **overrides: object) -> SimulatorSettings:
    """Settings replaying ``path`` for the ``acme`` tenant with a fixed run id."""
    return SimulatorSettings.model_validate(
        {"tenant_id": "acme", "scripts": [path], "run_id": "run1", **overrides}
    )


def events_of(path: Path, conversation_id: str = "sim-run1-1", **overrides: object) -> list[Event]:
    """The events of the script at ``path``, without delays."""
    timeline = script_to_events(
        load_script(path), settings(path, **overrides), conversation_id, START
    )
    return [event for _delay, event in timeline]


def test_chat_kinds_and_speakers_in_order(chat_script: Path) -> None:
    events = events_of(chat_script)
    assert [event.kind for event in events] == [
        "conversation.started",
        "agent.assigned",
        "message",
        "message",
        "message",
        "participant.held",
        "participant.resumed",
        "message",
        "message",
        "message",
        "conversation.ended",
    ]
    speakers = [event.speaker for event in events if isinstance(event, Message)]
    assert speakers == ["bot", "customer", "agent", "agent", "system", "customer"]


def test_opening_events_carry_media_queue_and_agent(chat_script: Path) -> None:
    started, assigned, *_ = events_of(chat_script, agent_id="agent-7")
    assert isinstance(started, ConversationStarted)
    assert started.media == "chat"
    assert isinstance(assigned, AgentAssigned)
    assert (assigned.agent_id, assigned.queue) == ("agent-7", "broadband-support")


def test_every_event_carries_the_common_fields(chat_script: Path) -> None:
    for event in events_of(chat_script):
        assert (event.tenant_id, event.provider) == ("acme", "simulator")
        assert event.conversation_id == "sim-run1-1"
        assert event.queue == "broadband-support"


def test_voice_lines_become_final_transcripts(voice_script: Path) -> None:
    events = events_of(voice_script)
    lines = [event for event in events if isinstance(event, Transcript)]
    assert [line.speaker for line in lines] == ["agent", "customer", "agent"]
    assert all(line.is_final for line in lines)
    assert not any(isinstance(event, Message) for event in events)


def test_hold_uses_the_script_media(chat_script: Path) -> None:
    held = next(event for event in events_of(chat_script) if isinstance(event, ParticipantHeld))
    assert held.media == "chat"


def test_event_ids_are_unique_and_stable(chat_script: Path) -> None:
    first = [event.provider_event_id for event in events_of(chat_script)]
    assert len(set(first)) == len(first)
    assert first == [event.provider_event_id for event in events_of(chat_script)]
    other = {event.provider_event_id for event in events_of(chat_script, "sim-run1-2")}
    assert other.isdisjoint(first)


def test_timestamps_are_aware_and_strictly_increasing(chat_script: Path) -> None:
    times = [event.occurred_at for event in events_of(chat_script, speed=10_000)]
    assert all(time.tzinfo is not None for time in times)
    assert times[0] == START
    assert all(earlier < later for earlier, later in itertools.pairwise(times))


def test_timestamps_follow_delays_scaled_by_speed(chat_script: Path) -> None:
    script = load_script(chat_script)
    timeline = script_to_events(script, settings(chat_script, speed=2), "c", START)
    last = timeline[-1][1].occurred_at
    assert last - START == pytest.approx(
        timedelta(seconds=total_duration(timeline) / 2), abs=timedelta(microseconds=2)
    )


def test_script_pauses_override_the_pace_model(chat_script: Path) -> None:
    delays = [
        delay
        for delay, _event in script_to_events(
            load_script(chat_script), settings(chat_script), "c", START
        )
    ]
    assert delays[6] == 4.5  # the resume
    assert delays[7] == 2.0  # the agent's reply after it


def test_line_delay_models_typing_and_is_capped() -> None:
    short = LineTurn(speaker=Speaker.CUSTOMER, text="ok thanks")
    pace = TYPING_PACE[Speaker.CUSTOMER]
    assert line_delay(short, MediaType.CHAT) == pytest.approx(
        pace.pause + 9 / pace.chars_per_second
    )
    long = LineTurn(speaker=Speaker.CUSTOMER, text="x" * 2_000)
    assert line_delay(long, MediaType.CHAT) == MAX_TURN_SECONDS


def test_speaking_is_faster_than_customer_typing() -> None:
    line = LineTurn(speaker=Speaker.CUSTOMER, text="my bill is higher than usual this month")
    assert line_delay(line, MediaType.VOICE) < line_delay(line, MediaType.CHAT)


def test_zero_pause_still_moves_the_clock() -> None:
    line = LineTurn(speaker=Speaker.AGENT, text="hi", pause=0)
    assert line_delay(line, MediaType.CHAT) == MIN_DELAY_SECONDS
