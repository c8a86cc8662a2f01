"""The desktop bridge: what the cuecardAssist component hands the widget → canonical events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from providers.base import BridgeContext, DesktopBridge
from providers.errors import BridgeRefused
from providers.models import (
    ConversationEnded,
    ConversationStarted,
    Event,
    MediaType,
    Message,
    Speaker,
    Transcript,
)
from providers.salesforce.bridge import SalesforceBridge
from providers.salesforce.mapping import parse_timestamp

from .conftest import AGENT_ID, FOREIGN_AGENT_ID, fixture

SESSION = "0MwHo00000AbCdEKAZ"
BRIDGE = SalesforceBridge()
CONTEXT = BridgeContext(tenant_id="acme", agent_id=AGENT_ID)


def events_of(payload: Any, context: BridgeContext = CONTEXT) -> list[Event]:
    """Validate a host message as the server does, then map it."""
    return BRIDGE.to_events(BRIDGE.message_model.model_validate(payload), context)


def test_the_bridge_satisfies_the_contract() -> None:
    assert isinstance(BRIDGE, DesktopBridge)


def test_a_messaging_session_page_starts_the_conversation() -> None:
    [event] = events_of(fixture("context_messaging_session.json"))
    assert isinstance(event, ConversationStarted)
    assert (event.conversation_id, event.media, event.provider) == (
        SESSION,
        MediaType.MESSAGE,
        "salesforce",
    )
    assert event.occurred_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_customer_and_agent_lines_become_messages_keyed_by_the_session() -> None:
    [customer] = events_of(fixture("lms_end_user_message.json"))
    [agent] = events_of(fixture("lms_agent_send.json"))
    assert isinstance(customer, Message)
    assert isinstance(agent, Message)
    assert (customer.speaker, customer.conversation_id) == (Speaker.CUSTOMER, SESSION)
    assert customer.text == "My router keeps dropping the connection every evening"
    assert customer.occurred_at == datetime.fromtimestamp(1795255202, UTC)
    assert agent.speaker is Speaker.AGENT
    assert agent.occurred_at == datetime(2026, 11, 21, 10, 0, 31, 880000, tzinfo=UTC)
    assert customer.tenant_id == agent.tenant_id == "acme"


def test_the_end_of_the_session_ends_the_conversation() -> None:
    [event] = events_of(fixture("lms_ended.json"))
    assert isinstance(event, ConversationEnded)
    assert event.conversation_id == SESSION


def test_a_line_handed_in_again_keeps_its_event_id() -> None:
    # A re-rendered component replays its buffer; a second component on the page forwards
    # the same broadcast: the server must see the same de-duplication key each time.
    message = fixture("lms_end_user_message.json")
    replayed = {**message, "observedAt": "2026-11-21T10:05:00.000Z"}
    first, again = events_of(message), events_of(replayed)
    assert first[0].provider_event_id == again[0].provider_event_id
    assert events_of(fixture("context_messaging_session.json"))[0].provider_event_id == (
        f"{SESSION}:started"
    )


def test_different_lines_get_different_ids() -> None:
    message = fixture("lms_end_user_message.json")
    same_text_later = {**message, "payload": {**message["payload"], "timestamp": 1795255290000}}
    other_text = {**message, "payload": {**message["payload"], "content": "Still dropping"}}
    ids = {events_of(m)[0].provider_event_id for m in (message, same_text_later, other_text)}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "name",
    [
        "lms_foreign_record.json",
        "lms_unknown_channel.json",
        "lms_rich_content.json",
        "unknown_type.json",
        "context_case.json",
    ],
)
def test_messages_that_say_nothing_about_the_conversation_map_to_nothing(name: str) -> None:
    assert events_of(fixture(name)) == []


def test_a_voice_call_page_turns_customer_lines_into_transcript() -> None:
    message = fixture("lms_end_user_message.json")
    voice = {**message, "objectApiName": "VoiceCall"}
    [started] = events_of(
        {**fixture("context_messaging_session.json"), "objectApiName": "VoiceCall"}
    )
    [line] = events_of(voice)
    assert isinstance(started, ConversationStarted)
    assert started.media is MediaType.VOICE
    assert isinstance(line, Transcript)
    assert line.is_final


def test_another_users_desktop_is_refused() -> None:
    foreign = BridgeContext(tenant_id="acme", agent_id=FOREIGN_AGENT_ID)
    with pytest.raises(BridgeRefused, match="not the agent signed in"):
        events_of(fixture("lms_end_user_message.json"), foreign)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recordId": "not an id"}, "recordId"),
        ({"observedAt": "yesterday"}, "observedAt"),
        ({"payload": {"content": "no record"}}, "payload.recordId"),
        ({"cuecard": "salesforce/2"}, "cuecard"),
    ],
)
def test_malformed_messages_are_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        BRIDGE.message_model.model_validate({**fixture("lms_end_user_message.json"), **change})
    locations = {".".join(map(str, error["loc"][1:])) for error in caught.value.errors()}
    assert field in locations


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1795255202000, datetime.fromtimestamp(1795255202, UTC)),
        ("1795255202000", datetime.fromtimestamp(1795255202, UTC)),
        (1795255202, datetime.fromtimestamp(1795255202, UTC)),
        ("2026-11-21T10:00:31Z", datetime(2026, 11, 21, 10, 0, 31, tzinfo=UTC)),
        ("not a time", None),
        (None, None),
    ],
)
def test_lms_timestamps_in_each_shape(raw: Any, expected: datetime | None) -> None:
    assert parse_timestamp(raw) == expected
