"""Recorded-shape Genesys transcription notifications mapped to transcript events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from providers.genesys._socket import Notification, parse_frame
from providers.genesys.mapping import (
    notification_view,
    transcript_events,
    transcription_target,
    transcription_topic,
)
from providers.models import Speaker, Transcript, is_utterance

from .conftest import fixture

CALL = "5d2f7e1b-call"
QUEUE = "fd17c2e4-queue"
NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def mapped(name: str) -> list[Transcript]:
    """The fixture's frame read off the socket, then mapped for the call it names."""
    frame = parse_frame(_text(fixture(name)))
    assert isinstance(frame, Notification)
    conversation_id = transcription_target(frame.topic)
    assert conversation_id == CALL
    return transcript_events(frame.body, conversation_id, "acme", QUEUE, NOW)


def test_the_topic_names_the_call_and_is_no_conversation_topic() -> None:
    topic = fixture("transcription_final.json")["topicName"]
    assert transcription_topic(CALL) == topic
    assert transcription_target(topic) == CALL
    assert transcription_target(f"v2.routing.queues.{QUEUE}.conversations") is None
    assert transcription_target("v2.conversations.a.b.transcription") is None
    assert notification_view(topic, fixture("transcription_final.json")["eventBody"]) is None


def test_a_final_customer_utterance_is_one_transcript_line_with_the_best_words() -> None:
    [line] = mapped("transcription_final.json")
    assert (line.speaker, line.text, line.is_final) == (
        Speaker.CUSTOMER,
        "my router keeps dropping the connection",
        True,
    )
    assert (line.tenant_id, line.provider, line.conversation_id, line.queue) == (
        "acme",
        "genesys",
        CALL,
        QUEUE,
    )
    assert line.provider_event_id == f"{CALL}:transcript:7f3e2a10-utt1"
    assert line.occurred_at == datetime(2026, 1, 2, 11, 0, 41, 250_000, tzinfo=UTC)
    assert is_utterance(line)


def test_the_most_confident_alternative_wins_whatever_its_place() -> None:
    body = fixture("transcription_final.json")["eventBody"]
    body["transcripts"][0]["alternatives"].reverse()
    [line] = transcript_events(body, CALL, "acme", QUEUE, NOW)
    assert line.text == "my router keeps dropping the connection"


def test_an_interim_utterance_is_a_partial_keyed_apart_from_its_final_line() -> None:
    [partial] = mapped("transcription_interim.json")
    [final] = mapped("transcription_final.json")
    assert (partial.speaker, partial.text, partial.is_final) == (
        Speaker.CUSTOMER,
        "my router keeps",
        False,
    )
    assert not is_utterance(partial)
    assert partial.provider_event_id != final.provider_event_id
    assert partial.provider_event_id.startswith(f"{CALL}:partial:7f3e2a10-utt1:")


def test_a_growing_interim_guess_is_new_and_a_repeated_one_is_not() -> None:
    body = fixture("transcription_interim.json")["eventBody"]
    [first] = transcript_events(body, CALL, "acme", QUEUE, NOW)
    [again] = transcript_events(body, CALL, "acme", QUEUE, NOW)
    body["transcripts"][0]["alternatives"][0]["transcript"] = "my router keeps dropping"
    [grown] = transcript_events(body, CALL, "acme", QUEUE, NOW)
    assert again.provider_event_id == first.provider_event_id
    assert grown.provider_event_id != first.provider_event_id


def test_external_is_the_customer_and_internal_the_agent() -> None:
    lines = mapped("transcription_both_channels.json")
    assert [(line.speaker, line.text) for line in lines] == [
        (Speaker.CUSTOMER, "I returned my order and still no refund"),
        (Speaker.AGENT, "let me look into that refund for you"),
    ]
    assert len({line.provider_event_id for line in lines}) == 2


def test_empty_or_garbled_alternatives_map_to_nothing_but_a_usable_one_is_kept() -> None:
    lines = mapped("transcription_garbled.json")
    # utt4: no alternatives; utt5: blank; utt6: not text; utt7: blank best, a usable second.
    assert [(line.provider_event_id, line.text) for line in lines] == [
        (f"{CALL}:transcript:7f3e2a10-utt7", "roaming abroad"),
    ]


def test_both_and_unknown_channels_name_no_speaker_and_are_dropped() -> None:
    assert mapped("transcription_unknown_channel.json") == []


def test_a_body_for_another_call_or_without_utterance_ids_maps_to_nothing() -> None:
    body = fixture("transcription_final.json")["eventBody"]
    assert transcript_events(body, "other-call", "acme", QUEUE, NOW) == []
    body["transcripts"][0]["utteranceId"] = "bad.id\x00"
    assert transcript_events(body, CALL, "acme", QUEUE, NOW) == []
    assert transcript_events({"transcripts": "nope"}, CALL, "acme", QUEUE, NOW) == []


def test_without_an_event_time_the_line_is_dated_now() -> None:
    body = fixture("transcription_final.json")["eventBody"]
    del body["eventTime"]
    [line] = transcript_events(body, CALL, "acme", None, NOW)
    assert (line.occurred_at, line.queue) == (NOW, None)


def _text(frame: dict[str, Any]) -> str:
    return json.dumps(frame)
