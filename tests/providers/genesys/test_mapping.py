"""Recorded-shape Genesys payloads mapped to canonical events (pure functions, no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from providers.genesys._socket import Notification, parse_frame
from providers.genesys.mapping import (
    ConversationView,
    Memory,
    conversation_view,
    message_event,
    notification_view,
    pending_messages,
    remember,
    status_events,
)
from providers.models import (
    AgentAssigned,
    ConversationStarted,
    Event,
    MediaType,
    ParticipantHeld,
    ParticipantResumed,
    Speaker,
)

from .conftest import fixture

CONVERSATION = "0c5e1d2a-conv"
QUEUE = "fd17c2e4-queue"
USER = "8b1f9a3c-user"
NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def view_of(name: str) -> ConversationView:
    frame = fixture(name)
    view = notification_view(frame["topicName"], frame["eventBody"])
    assert view is not None
    return view


def replay(*names: str, memory: Memory | None = None) -> tuple[list[Event], Memory]:
    """Status events of fixtures applied in order, as one reader would see them."""
    memory = memory or Memory()
    events: list[Event] = []
    for name in names:
        changes = status_events(view_of(name), memory, "acme", NOW)
        events += changes.events + ([changes.ended] if changes.ended else [])
        memory = changes.memory
    return events, memory


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]


def test_waiting_conversation_starts_on_its_queue_as_messaging() -> None:
    events, _memory = replay("queue_conversation_waiting.json")
    assert kinds(events) == ["conversation.started"]
    started = events[0]
    assert isinstance(started, ConversationStarted)
    assert (started.conversation_id, started.queue, started.media) == (
        CONVERSATION,
        QUEUE,
        MediaType.MESSAGE,
    )
    assert started.provider == "genesys"
    assert started.occurred_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


def test_customer_message_is_pending_by_id_until_its_text_is_read() -> None:
    view = view_of("queue_conversation_waiting.json")
    pending = pending_messages(view, Memory())
    assert [(ref.id, ref.purpose) for ref in pending] == [("m-77", "customer")]
    read = remember(Memory(), [f"{CONVERSATION}:msg:m-77"])
    assert pending_messages(view, read) == []


def test_message_data_becomes_the_customers_message() -> None:
    view = view_of("queue_conversation_waiting.json")
    event = message_event(fixture("message_data.json"), view.messages[0], view, "acme", NOW)
    assert event is not None
    assert (event.speaker, event.text, event.queue) == (Speaker.CUSTOMER, "My order is late", QUEUE)
    assert event.provider_event_id == f"{CONVERSATION}:msg:m-77"
    assert event.occurred_at == datetime(2026, 1, 2, 10, 0, 1, tzinfo=UTC)


def test_bulk_listing_maps_each_message_with_its_speaker() -> None:
    view = view_of("queue_messages.json")
    by_id = {data["id"]: data for data in fixture("text_message_listing.json")["entities"]}
    events = [message_event(by_id[ref.id], ref, view, "acme", NOW) for ref in view.messages]
    assert [(e.speaker, e.text) for e in events if e is not None] == [
        (Speaker.CUSTOMER, "My order is late"),
        (Speaker.AGENT, "Sorry to hear that, let me look"),
    ]


def test_media_only_message_maps_to_nothing() -> None:
    view = view_of("queue_conversation_waiting.json")
    assert (
        message_event(fixture("media_only_message.json"), view.messages[0], view, "a", NOW) is None
    )


def test_connected_agent_is_assigned_once() -> None:
    events, memory = replay("queue_conversation_waiting.json", "queue_conversation_assigned.json")
    again, _memory = replay("queue_conversation_assigned.json", memory=memory)
    assert kinds(events) == ["conversation.started", "agent.assigned"]
    assigned = events[1]
    assert isinstance(assigned, AgentAssigned)
    assert (assigned.agent_id, assigned.queue) == (USER, QUEUE)
    assert again == []


def test_hold_and_resume_follow_the_held_flag_transitions() -> None:
    events, _memory = replay(
        "queue_conversation_assigned.json",
        "queue_conversation_held.json",
        "queue_conversation_held.json",
        "queue_conversation_resumed.json",
        "queue_conversation_resumed.json",
    )
    assert kinds(events) == [
        "conversation.started",
        "agent.assigned",
        "participant.held",
        "participant.resumed",
    ]
    held, resumed = events[2], events[3]
    assert isinstance(held, ParticipantHeld)
    assert isinstance(resumed, ParticipantResumed)
    assert (held.participant_id, held.media) == ("p-cust", MediaType.MESSAGE)
    assert held.occurred_at == datetime(2026, 1, 2, 10, 1, tzinfo=UTC)
    assert resumed.participant_id == "p-cust"


def test_not_held_without_a_previous_hold_is_no_resume() -> None:
    events, _memory = replay("queue_conversation_resumed.json")
    assert "participant.resumed" not in kinds(events)


def test_voice_call_hold_is_read_from_calls() -> None:
    events, _memory = replay("user_call_held.json")
    assert kinds(events) == ["conversation.started", "agent.assigned", "participant.held"]
    assert events[0].model_dump()["media"] == MediaType.VOICE
    assert events[2].model_dump()["media"] == MediaType.VOICE


def test_end_is_kept_apart_and_emitted_once() -> None:
    _events, memory = replay("queue_conversation_assigned.json")
    changes = status_events(view_of("queue_conversation_ended.json"), memory, "acme", NOW)
    again = status_events(view_of("queue_conversation_ended.json"), changes.memory, "acme", NOW)
    assert changes.events == []
    assert changes.ended is not None
    assert changes.ended.occurred_at == datetime(2026, 1, 2, 10, 5, tzinfo=UTC)
    assert again.ended is None


def test_messages_topic_and_rest_bodies_read_like_the_conversation_body() -> None:
    nested = view_of("queue_conversation_assigned.json")
    flat = view_of("queue_messages.json")
    rest = conversation_view(fixture("message_conversation.json"))
    assert rest is not None
    for view in (flat, rest):
        assert view.queue_id == nested.queue_id == QUEUE
        assert [ref.id for ref in view.messages] == [ref.id for ref in nested.messages]
        assert view.agent_present
        assert not view.ended
    assert replay("queue_messages.json")[0][1].model_dump()["agent_id"] == USER


def test_two_readers_derive_the_same_event_ids() -> None:
    names = ("queue_conversation_assigned.json", "queue_conversation_held.json")
    first, _memory = replay(*names)
    second, _memory = replay(*names)
    assert [e.provider_event_id for e in first] == [e.provider_event_id for e in second]
    assert len({e.provider_event_id for e in first}) == len(first)


def test_unknown_topic_and_bodies_without_a_conversation_map_to_nothing() -> None:
    frame = fixture("unknown_topic.json")
    assert notification_view(frame["topicName"], frame["eventBody"]) is None
    topic = f"v2.routing.queues.{QUEUE}.conversations"
    assert notification_view(topic, {"participants": []}) is None
    assert conversation_view(["not", "a", "conversation"]) is None


def frame(name: str) -> str:
    data: Any = fixture(name)
    return json.dumps(data)


def test_socket_frames_heartbeat_closing_and_notifications() -> None:
    assert parse_frame(frame("heartbeat.json")) is None
    assert parse_frame(frame("socket_closing.json")) == "closing"
    notification = parse_frame(frame("queue_conversation_waiting.json"))
    assert isinstance(notification, Notification)
    assert notification.topic == f"v2.routing.queues.{QUEUE}.conversations"
    assert parse_frame("not json") is None
