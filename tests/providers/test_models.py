"""The canonical event model accepts what platforms send and refuses what they must not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from providers.models import (
    EVENT_KINDS,
    AgentAssigned,
    HandoffContext,
    Message,
    Transcript,
    event_json_schema,
    is_utterance,
    parse_event,
)

DOCS_SCHEMA = Path(__file__).parents[2] / "docs" / "events.schema.json"
BASE = {
    "tenant_id": "acme",
    "provider": "genesys",
    "provider_event_id": "evt-1",
    "conversation_id": "c-1",
    "occurred_at": "2026-11-21T10:00:00+01:00",
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "conversation.started": {"media": "voice"},
    "message": {"speaker": "customer", "text": "hello"},
    "participant.held": {"media": "voice", "participant_id": "p-1"},
    "participant.resumed": {"media": "chat"},
    "agent.assigned": {"agent_id": "a-1", "queue": "billing"},
    "transcript": {"speaker": "agent", "text": "one moment", "is_final": False},
    "conversation.ended": {},
    "suggestions.external": {
        "source": "Google Agent Assist",
        "items": [
            {
                "type": "article",
                "title": "Reset",
                "text": "Hold the button",
                "url": "https://k.example/1",
            }
        ],
    },
    "conversation.alert": {"alert": "human_intervention_needed"},
    "context.handoff": {
        "intent": "router keeps dropping",
        "items": [{"label": "Account", "value": "ACC-1001"}],
    },
}


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_kind_parses_and_round_trips(kind: str) -> None:
    event = parse_event({**BASE, "kind": kind, **EXAMPLES[kind]})

    assert event.kind == kind
    assert event.occurred_at.utcoffset() is not None
    assert parse_event(json.loads(event.model_dump_json())) == event


def test_events_are_frozen() -> None:
    event = parse_event({**BASE, "kind": "message", **EXAMPLES["message"]})
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    [
        {"occurred_at": "2026-11-21T10:00:00"},
        {"tenant_id": ""},
        {"provider_event_id": "x" * 201},
        {"speaker": "customer ", "text": "hi"},
        {"text": ""},
        {"kind": "unknown"},
    ],
)
def test_bad_events_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_event({**BASE, "kind": "message", **EXAMPLES["message"], **change})


def test_agent_assignment_requires_a_queue() -> None:
    with pytest.raises(ValidationError):
        AgentAssigned.model_validate({**BASE, "agent_id": "a-1"})


def test_handoff_context_must_say_something() -> None:
    with pytest.raises(ValidationError, match="intent, a summary or an item"):
        HandoffContext.model_validate({**BASE, "items": []})


def test_handoff_context_is_not_an_utterance() -> None:
    context = HandoffContext.model_validate({**BASE, "summary": "wants to upgrade"})

    assert is_utterance(context) is False


def test_only_final_lines_are_utterances() -> None:
    partial = Transcript.model_validate({**BASE, **EXAMPLES["transcript"]})
    final = partial.model_copy(update={"is_final": True})
    message = Message.model_validate({**BASE, **EXAMPLES["message"]})

    assert [is_utterance(partial), is_utterance(final), is_utterance(message)] == [
        False,
        True,
        True,
    ]


def test_published_schema_is_current() -> None:
    published = json.loads(DOCS_SCHEMA.read_text())
    assert published == event_json_schema(), "regenerate: cuecard schema > docs/events.schema.json"


@pytest.mark.parametrize(
    "item",
    [
        {"type": "article", "text": "x", "url": "javascript:alert(1)"},
        {"type": "faq", "text": ""},
        {"type": "faq", "text": "x", "confidence": 1.5},
        {"type": "summary", "text": "x"},
    ],
    ids=["script-url", "empty-text", "confidence-over-one", "unknown-type"],
)
def test_external_suggestions_refuse_bad_cards(item: dict[str, Any]) -> None:
    data = {**BASE, "kind": "suggestions.external", "source": "Agent Assist", "items": [item]}
    with pytest.raises(ValidationError):
        parse_event(data)


def test_external_suggestions_need_at_least_one_card() -> None:
    data = {**BASE, "kind": "suggestions.external", "source": "Agent Assist", "items": []}
    with pytest.raises(ValidationError):
        parse_event(data)
