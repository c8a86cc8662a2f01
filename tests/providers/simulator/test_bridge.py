"""Bridge mode: the simulated desktop's messages map to canonical events for the session."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from providers.base import BridgeContext, Capability, DesktopBridge, Embedding
from providers.models import (
    AgentAssigned,
    ConversationStarted,
    Event,
    Message,
    ParticipantHeld,
    Speaker,
    Transcript,
)
from providers.simulator import HostMessage
from providers.simulator.client import load_script
from providers.simulator.config import SimulatorSettings
from providers.simulator.manifest import MANIFEST
from providers.simulator.mapping import script_to_events, script_to_host_messages

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_SCRIPTS = sorted((Path(__file__).parents[3] / "server/demo/conversations").glob("*.json"))
CONTEXT = BridgeContext(tenant_id="acme", agent_id="ada")
START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def bridge() -> DesktopBridge:
    assert MANIFEST.bridge is not None
    return MANIFEST.bridge


def events_of(raw: Any, context: BridgeContext = CONTEXT) -> list[Event]:
    """What the server does with one forwarded message: validate, then map."""
    return bridge().to_events(bridge().message_model.model_validate(raw), context)


def recorded() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / "host_messages.json").read_text())
    return data


def test_recorded_desktop_messages_become_the_conversation() -> None:
    events = [event for raw in recorded() for event in events_of(raw)]

    assert [event.kind for event in events] == [
        "conversation.started",
        "agent.assigned",
        "message",
        "message",
        "participant.held",
        "participant.resumed",
        "transcript",
        "conversation.ended",
    ]
    assert {(e.tenant_id, e.provider, e.conversation_id) for e in events} == {
        ("acme", "simulator", "desk-3f2a-1")
    }
    assert {event.queue for event in events} == {"broadband-support"}
    assert [e.provider_event_id for e in events][:2] == [
        "desktop:desk-3f2a-1:e000",
        "desktop:desk-3f2a-1:e001",
    ]
    started, assigned, first = events[0], events[1], events[2]
    assert isinstance(started, ConversationStarted)
    assert isinstance(assigned, AgentAssigned)
    assert isinstance(first, Message)
    assert assigned.agent_id == "ada"
    assert (first.speaker, first.text) == (Speaker.CUSTOMER, recorded()[2]["text"])
    assert first.occurred_at == datetime(2026, 11, 21, 10, 0, 9, 250000, tzinfo=UTC)
    assert isinstance(events[6], Transcript)


def test_the_accepting_agent_is_the_sessions_agent() -> None:
    accepted = recorded()[1]
    [for_bob] = events_of(accepted, BridgeContext(tenant_id="globex", agent_id="bob"))
    assert isinstance(for_bob, AgentAssigned)
    assert (for_bob.tenant_id, for_bob.agent_id) == ("globex", "bob")


def test_a_resent_message_keeps_its_event_id() -> None:
    [first] = events_of(recorded()[2])
    [again] = events_of(json.loads(json.dumps(recorded()[2])))
    assert first.provider_event_id == again.provider_event_id


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"conversation_id": None}, ("line", "conversation_id")),
        ({"type": "transfer"}, ()),
        ({"speaker": "robot"}, ("line", "speaker")),
        ({"text": ""}, ("line", "text")),
        ({"occurred_at": "2026-11-21T10:00:09"}, ("line", "occurred_at")),
        ({"tenant_id": "globex"}, ("line", "tenant_id")),
        ({"agent_id": "mallory"}, ("line", "agent_id")),
        ({"id": "has spaces"}, ("line", "id")),
    ],
)
def test_malformed_messages_are_refused_where_they_are_wrong(
    change: dict[str, Any], location: tuple[str, ...]
) -> None:
    raw = {key: value for key, value in (recorded()[2] | change).items() if value is not None}
    with pytest.raises(ValidationError) as refused:
        HostMessage.model_validate(raw)
    assert refused.value.errors()[0]["loc"] == location


@pytest.mark.parametrize("path", DEMO_SCRIPTS, ids=[path.stem for path in DEMO_SCRIPTS])
def test_the_desktop_plays_a_script_as_the_replay_would(path: Path) -> None:
    script = load_script(path)
    settings = SimulatorSettings(tenant_id="acme", scripts=(path,), agent_id="ada", speed=4)
    replayed = script_to_events(script, settings, "desk-1", START)
    played = script_to_host_messages(script, "desk-1", START, speed=4)

    # Through the wire and back, as the desktop page posts them.
    wire = [message.model_dump(mode="json") for _delay, message in played]
    bridged = [event for raw in wire for event in events_of(raw)]

    assert [delay for delay, _ in played] == [delay for delay, _ in replayed]
    assert [e.model_dump(exclude={"provider_event_id"}) for e in bridged] == [
        e.model_dump(exclude={"provider_event_id"}) for _delay, e in replayed
    ]
    ids = [event.provider_event_id for event in bridged]
    assert len(set(ids)) == len(ids)


def test_voice_lines_are_spoken_transcripts() -> None:
    script = load_script(FIXTURES / "voice.json")
    played = script_to_host_messages(script, "desk-2", START)
    lines = [m.root for _delay, m in played if m.root.type == "line"]
    assert lines
    assert all(line.spoken for line in lines)


def test_hold_keeps_the_conversations_media() -> None:
    script = load_script(FIXTURES / "chat.json")
    played = script_to_host_messages(script, "desk-3", START)
    holds = [
        e
        for _d, m in played
        for e in events_of(m.model_dump(mode="json"))
        if isinstance(e, ParticipantHeld)
    ]
    assert [hold.media for hold in holds] == [script.media]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://Desk.Example.com/", "https://desk.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_desktop_origins_are_kept_as_origins(given: str, stored: str) -> None:
    settings = SimulatorSettings(
        tenant_id="acme", scripts=(FIXTURES / "chat.json",), desktop_origins=(given,)
    )
    assert settings.desktop_origins == (stored,)
    assert MANIFEST.embedding is not None
    assert MANIFEST.embedding.frame_origins(settings) == (stored,)


@pytest.mark.parametrize(
    "given", ["https://desk.example.com/app", "desk.example.com", "ftp://desk.example.com", "*"]
)
def test_a_desktop_origin_must_be_an_http_origin(given: str) -> None:
    with pytest.raises(ValidationError):
        SimulatorSettings(
            tenant_id="acme", scripts=(FIXTURES / "chat.json",), desktop_origins=(given,)
        )


def test_the_manifest_declares_the_bridge_and_the_embedding() -> None:
    assert MANIFEST.has(Capability.DESKTOP_BRIDGE)
    assert MANIFEST.has(Capability.EMBEDDING)
    assert isinstance(MANIFEST.bridge, DesktopBridge)
    assert isinstance(MANIFEST.embedding, Embedding)
    assert MANIFEST.embedding.host_origin_param == "hostOrigin"
    assert MANIFEST.storable is False
