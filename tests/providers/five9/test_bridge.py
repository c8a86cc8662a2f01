"""Five9 desktop messages through the bridge: lifecycle, handoff variables, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from providers.base import BridgeContext, DesktopBridge
from providers.errors import BridgeRefused
from providers.five9 import Five9Bridge, Five9Settings
from providers.models import AgentAssigned, ConversationStarted, Event, HandoffContext, MediaType

from .conftest import fixture, forwarded, metadata

CALL = fixture("call_with_cavs.json")
CHAT = fixture("chat_session.json")
CALL_ID = "45E471D607A94072A553A1406CC0BF03"
SETTINGS = Five9Settings(
    tenant_id="acme", five9_tenant_id="131", handoff_items=("account_number", "plan", "ANI")
)
AS_AGENT = BridgeContext(tenant_id="acme", agent_id="138", settings=SETTINGS)


def bridged(message: dict[str, Any], context: BridgeContext = AS_AGENT) -> list[Event]:
    bridge = Five9Bridge()
    return bridge.to_events(bridge.message_model.model_validate(message), context)


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]


def test_the_bridge_satisfies_the_contract() -> None:
    assert isinstance(Five9Bridge(), DesktopBridge)


def test_an_offered_call_starts_assigns_and_brings_the_ivr_handoff() -> None:
    started, context, assigned = bridged(forwarded(CALL, CALL["events"][0]))

    assert isinstance(started, ConversationStarted)
    assert (started.conversation_id, started.queue, started.media) == (
        CALL_ID,
        "Broadband Support",
        MediaType.VOICE,
    )
    assert isinstance(context, HandoffContext)
    assert context.intent == "router keeps dropping the connection"
    assert (context.summary or "").startswith("Caller says the wifi drops")
    # Empty variables are left out; labels read as words.
    assert [(i.label, i.value) for i in context.items] == [
        ("Account number", "ACC-88120"),
        ("ANI", "4155550123"),
    ]
    assert isinstance(assigned, AgentAssigned)
    assert (assigned.agent_id, assigned.queue) == ("138", "Broadband Support")


def test_the_call_lifecycle_maps_callback_by_callback() -> None:
    per_callback = [kinds(bridged(forwarded(CALL, event))) for event in CALL["events"]]

    assert per_callback == [
        ["conversation.started", "context.handoff", "agent.assigned"],
        ["conversation.started", "context.handoff", "agent.assigned"],
        ["conversation.ended"],
        ["conversation.ended"],
    ]


def test_callbacks_fired_again_map_to_the_same_ids() -> None:
    offered = bridged(forwarded(CALL, CALL["events"][0]))
    accepted = bridged(forwarded(CALL, CALL["events"][1]))
    ended, finished = (bridged(forwarded(CALL, e)) for e in CALL["events"][2:])

    assert [e.provider_event_id for e in offered] == [e.provider_event_id for e in accepted]
    assert ended[0].provider_event_id == finished[0].provider_event_id == f"{CALL_ID}:ended"


def test_a_chat_session_maps_and_drops_what_it_does_not_know() -> None:
    per_callback = [kinds(bridged(forwarded(CHAT, event))) for event in CHAT["events"]]

    assert per_callback == [
        ["conversation.started", "agent.assigned"],
        [],
        ["conversation.started", "agent.assigned"],
        [],
        ["conversation.ended"],
        ["conversation.ended"],
    ]
    started = bridged(forwarded(CHAT, CHAT["events"][0]))[0]
    assert (started.queue, getattr(started, "media", None)) == ("Billing Chat", MediaType.CHAT)


def test_an_email_without_a_skill_is_routed_by_its_campaign() -> None:
    started, assigned = bridged(forwarded(CALL, fixture("email_offered.json")))

    assert getattr(started, "media", None) is MediaType.EMAIL
    assert isinstance(assigned, AgentAssigned)
    assert assigned.queue == "Support Email"


def test_an_unknown_callback_is_dropped() -> None:
    message = {"type": "interaction", "reason": "smsOffered", "metadata": metadata(CALL)}

    assert bridged(message) == []


def test_the_metadata_message_checks_the_agent_and_maps_to_nothing() -> None:
    assert bridged({"type": "metadata", "metadata": metadata(CALL)}) == []


@pytest.mark.parametrize("kind", ["metadata", "interaction"])
def test_a_desktop_signed_in_as_another_agent_is_refused(kind: str) -> None:
    other = BridgeContext(tenant_id="acme", agent_id="207", settings=SETTINGS)
    message = forwarded(CALL, CALL["events"][0])
    message["type"] = kind

    with pytest.raises(BridgeRefused, match="signed in as agent 138") as refused:
        bridged(message, other)
    assert "agent 207" in str(refused.value)
    assert refused.value.code == "bridge_refused"


def test_a_desktop_of_another_five9_domain_is_refused() -> None:
    message = forwarded(CALL, CALL["events"][0])
    message["metadata"] = {"agentId": 138, "tenantId": 999}

    with pytest.raises(BridgeRefused, match="Five9 domain 999"):
        bridged(message)


def test_without_stored_settings_the_agent_is_still_checked() -> None:
    anonymous = BridgeContext(tenant_id="acme", agent_id="138")

    events = bridged(forwarded(CALL, CALL["events"][0]), anonymous)

    assert kinds(events) == ["conversation.started", "context.handoff", "agent.assigned"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"callData": None}, "callData"),
        ({"metadata": {"agentId": 138}}, "tenantId"),
        ({"callData": {"number": "4155550123"}}, "interactionId"),
        ({"reason": ""}, "reason"),
        ({"type": "hello"}, "type"),
        ({"cavs": [{"value": "no name"}]}, "name"),
    ],
)
def test_bad_messages_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    message = {**forwarded(CALL, CALL["events"][0]), **change}

    with pytest.raises(ValidationError) as invalid:
        Five9Bridge().message_model.model_validate(message)
    assert field in str(invalid.value)


def test_agent_ids_reported_as_numbers_compare_as_text() -> None:
    message = forwarded(CALL, CALL["events"][0])
    message["metadata"] = {"agentId": "138", "tenantId": "131"}

    assert kinds(bridged(message))[0] == "conversation.started"
