"""8x8 Event Streaming payloads map to canonical events, and only what the agent needs."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from providers.eight_by_eight.mapping import decode_payload, interaction_view, to_events
from providers.errors import PayloadInvalid
from providers.handoff import HandoffNames
from providers.models import AgentAssigned, Event, HandoffContext, MediaType

from .conftest import AGENT, fixture

GUID = "int-19b2c4d6e80-Qm4vT8xWk2LpZr7YbN5hGdJ3c-phone-01-acmecc01"
PUBLISHED = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
NAMES = HandoffNames(items=("accountNumber",))


def mapped(
    payload: Any, message_id: str = "CI+/gAEQAQ==", names: HandoffNames = NAMES
) -> list[Event]:
    view = interaction_view(payload, PUBLISHED)
    if view is None:
        return []
    return to_events(view, tenant_id="acme", message_id=message_id, names=names)


def ids(events: list[Event]) -> list[tuple[str, str]]:
    """(kind, id without the GUID); a context's fingerprint is left out."""
    found = []
    for event in events:
        suffix = event.provider_event_id.removeprefix(GUID)
        found.append((event.kind, ":context" if suffix.startswith(":context:") else suffix))
    return found


def test_an_inbound_call_lifecycle_maps_event_by_event() -> None:
    call = fixture("inbound_call.json")

    per_payload = [ids(mapped(payload, message_id=f"m-{n}")) for n, payload in enumerate(call)]

    started, context = ("conversation.started", ":started"), ("context.handoff", ":context")
    assigned = ("agent.assigned", f":assigned:{AGENT}")
    ended = ("conversation.ended", ":ended")
    assert per_payload == [
        [started],
        [started, context],
        [started, context, assigned],
        [started, assigned],
        [("participant.held", f":hold:{_short('m-4')}")],
        [],
        [("participant.resumed", f":hold:{_short('m-6')}")],
        [ended],
        [ended],
        [ended],
        [ended],
    ]


def test_queued_call_carries_its_queue_media_and_the_ivr_handoff() -> None:
    started, context = mapped(fixture("inbound_call.json")[1])

    assert started.conversation_id == GUID
    assert (started.queue, getattr(started, "media", None)) == ("1162", MediaType.VOICE)
    assert isinstance(context, HandoffContext)
    assert context.intent == "router keeps dropping the connection"
    assert (context.summary or "").startswith("Caller says the wifi")
    assert [(item.label, item.value) for item in context.items] == [("Account number", "ACC-88120")]
    assert context.queue == "1162"
    assert started.occurred_at == datetime.fromtimestamp(1767261603, UTC)


def test_the_same_handoff_on_later_events_has_the_same_id() -> None:
    call = fixture("inbound_call.json")

    queued = mapped(call[1], message_id="m-1")[1]
    assigned = mapped(call[2], message_id="m-2")[1]

    assert queued.provider_event_id == assigned.provider_event_id


def test_assignment_names_the_8x8_agent_and_queue() -> None:
    *_, assigned = mapped(fixture("inbound_call.json")[2])

    assert isinstance(assigned, AgentAssigned)
    assert (assigned.agent_id, assigned.queue) == (AGENT, "1162")


def test_an_interaction_without_a_queue_is_routed_as_direct() -> None:
    *_, assigned = mapped(fixture("outbound_assigned.json"))

    assert isinstance(assigned, AgentAssigned)
    assert assigned.queue == "direct"


def test_media_comes_from_the_guid_when_the_event_omits_it() -> None:
    (started,) = mapped(fixture("inbound_call.json")[0])

    assert getattr(started, "media", None) is MediaType.VOICE
    assert started.occurred_at == datetime.fromtimestamp(1767261600, UTC)


def test_wrap_up_with_another_agent_still_on_the_call_does_not_end_it() -> None:
    assert mapped(fixture("transfer_post_process.json")) == []


@pytest.mark.parametrize("name", ["agent_status_change.json", "agent_skill_changed.json"])
def test_agent_events_map_to_nothing(name: str) -> None:
    assert interaction_view(fixture(name), PUBLISHED) is None


def test_unknown_interaction_event_types_are_dropped() -> None:
    payload = {"Interaction": {"event": "MediaProxyAdded", "interactionGUID": GUID}}

    assert mapped(payload) == []


def test_without_configured_keys_no_handoff_is_made() -> None:
    events = mapped(fixture("inbound_call.json")[1], names=HandoffNames(intent=(), summary=()))

    assert [event.kind for event in events] == ["conversation.started"]


def test_payloads_are_base64_json() -> None:
    envelope = fixture("envelope.json")

    decoded = decode_payload(envelope["payload"])

    assert decoded["Interaction"]["event"] == "InteractionCreated"


@pytest.mark.parametrize("payload", ["not base64!", base64.b64encode(b"not json").decode()])
def test_undecodable_payloads_are_refused(payload: str) -> None:
    with pytest.raises(PayloadInvalid):
        decode_payload(payload)


@pytest.mark.parametrize(
    "body",
    [
        {"event": "InteractionCreated"},
        {"event": 7, "interactionGUID": GUID},
        {"interactionGUID": GUID},
        "nonsense",
    ],
)
def test_interaction_events_without_event_or_guid_are_ignored(body: Any) -> None:
    assert interaction_view({"Interaction": body}, PUBLISHED) is None


def test_publish_time_is_the_last_resort_for_the_time() -> None:
    payload = {"Interaction": {"event": "InteractionCreated", "interactionGUID": GUID}}

    (started,) = mapped(json.loads(json.dumps(payload)))

    assert started.occurred_at == PUBLISHED


def _short(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:16]
