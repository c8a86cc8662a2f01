"""Recorded Dialogflow / Agent Assist payloads become the canonical events an agent sees."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.errors import PayloadInvalid
from providers.google_ccai.mapping import to_events
from providers.models import (
    AlertType,
    ConversationAlert,
    ConversationEnded,
    ConversationStarted,
    ExternalSuggestions,
    MediaType,
    Message,
    Speaker,
    SuggestionType,
    Transcript,
)
from tests.providers.google_ccai.conftest import (
    CONVERSATION,
    PUBLISHED,
    ccai_settings,
    fixture_bytes,
    fixture_json,
    pubsub_message,
)

VOICE = ccai_settings()
CHAT = ccai_settings(media="chat")


def only(name: str, **kwargs: Any) -> Any:
    mapped = to_events(pubsub_message(fixture_bytes(name), **kwargs), VOICE)
    assert len(mapped.events) == 1, mapped
    return mapped.events[0]


def test_a_started_conversation_is_opened_in_the_profiles_queue() -> None:
    event = only("conversation_started.json")

    assert isinstance(event, ConversationStarted)
    assert (event.tenant_id, event.provider) == ("acme", "google_ccai")
    # The gc- prefix (Dialogflow ids start with a letter) is dropped: the Genesys id remains.
    assert event.conversation_id == "5f1b7c2e-conv"
    assert event.queue == "billing-voice"
    assert event.media is MediaType.VOICE
    assert event.occurred_at == PUBLISHED


def test_every_finish_of_a_conversation_is_the_same_event() -> None:
    first = only("conversation_finished.json", message_id="1")
    # Dialogflow fires FINISHED on every CompleteConversation call: a repeat is a duplicate.
    again = only("conversation_finished.json", message_id="2")

    assert isinstance(first, ConversationEnded)
    assert first.provider_event_id == again.provider_event_id


@pytest.mark.parametrize(
    ("name", "speaker"),
    [
        ("new_message_end_user.json", Speaker.CUSTOMER),
        ("new_message_human_agent.json", Speaker.AGENT),
        ("new_message_automated_agent.json", Speaker.BOT),
    ],
)
def test_new_messages_keep_who_said_them(name: str, speaker: Speaker) -> None:
    event = only(name)
    payload = fixture_json(name)["newMessagePayload"]

    assert isinstance(event, Transcript)  # a voice profile: lines are transcribed speech
    assert event.is_final
    assert event.speaker is speaker
    assert event.text == payload["content"]
    assert event.occurred_at.isoformat().startswith(payload["sendTime"][:19])


def test_a_chat_profile_gives_typed_messages() -> None:
    mapped = to_events(pubsub_message(fixture_bytes("new_message_end_user.json")), CHAT)

    assert [type(event) for event in mapped.events] == [Message]


def test_a_message_published_twice_has_one_id() -> None:
    data = fixture_bytes("new_message_end_user.json")
    first = to_events(pubsub_message(data, message_id="1"), VOICE).events[0]
    second = to_events(pubsub_message(data, message_id="2"), VOICE).events[0]

    assert first.provider_event_id == second.provider_event_id
    assert first.provider_event_id.endswith("/messages/m-0001")


def test_interim_recognition_results_are_partial_lines() -> None:
    event = only(
        "recognition_interim.json",
        attributes={"participant_role": "END_USER", "message_id": "m-0001"},
    )

    assert isinstance(event, Transcript)
    assert not event.is_final
    assert event.speaker is Speaker.CUSTOMER
    assert event.text == "my router keeps"


def test_each_interim_result_is_its_own_event() -> None:
    attributes = {"participant_role": "END_USER", "message_id": "m-0001"}
    first = only("recognition_interim.json", message_id="7", attributes=attributes)
    later = only("recognition_interim.json", message_id="8", attributes=attributes)
    redelivered = only("recognition_interim.json", message_id="7", attributes=attributes)

    assert first.provider_event_id != later.provider_event_id
    assert first.provider_event_id == redelivered.provider_event_id


def test_a_final_recognition_result_and_its_message_are_one_line() -> None:
    attributes = {"participant_role": "END_USER", "message_id": "m-0001"}
    final = only("recognition_final.json", attributes=attributes)
    message = only("new_message_end_user.json")

    assert isinstance(final, Transcript)
    assert final.is_final
    assert final.speaker is Speaker.CUSTOMER
    assert final.provider_event_id == message.provider_event_id


def test_a_recognition_result_without_a_role_is_not_attributed_to_anyone() -> None:
    event = only("recognition_final.json")

    assert event.speaker is Speaker.SYSTEM


def test_an_end_of_utterance_is_not_a_line() -> None:
    mapped = to_events(pubsub_message(fixture_bytes("recognition_end_of_utterance.json")), VOICE)

    assert (mapped.type, mapped.events) == ("NEW_RECOGNITION_RESULT", ())


def test_human_intervention_raises_an_alert() -> None:
    event = only("human_intervention_needed.json")

    assert isinstance(event, ConversationAlert)
    assert event.alert is AlertType.HUMAN_NEEDED


def test_an_unrecoverable_error_alerts_with_googles_explanation() -> None:
    event = only("unrecoverable_error.json")

    assert isinstance(event, ConversationAlert)
    assert event.alert is AlertType.PLATFORM_ERROR
    assert event.detail == fixture_json("unrecoverable_error.json")["errorStatus"]["message"]


def test_articles_and_faq_answers_become_cards_marked_with_their_source() -> None:
    event = only("suggestions_articles_faq.json")

    assert isinstance(event, ExternalSuggestions)
    assert event.source == "Google Agent Assist"
    assert event.conversation_id == "5f1b7c2e-conv"
    article, faq = event.items  # the failed smart-reply feature adds nothing
    assert article.type is SuggestionType.ARTICLE
    assert article.title == "Router drops Wi-Fi in the evening"
    assert str(article.url) == "https://help.acme.example/articles/router-evening-drops"
    assert "channel 1, 6 or 11" in article.text
    assert article.confidence == pytest.approx(0.82)
    assert article.reference == "projects/acme-ccai/locations/global/answerRecords/ar-article-1"
    assert faq.type is SuggestionType.FAQ
    assert faq.title == "Why does my internet drop at night?"
    assert faq.url is None  # a knowledge-base document name, not a web page


def test_smart_replies_become_reply_cards() -> None:
    event = only("suggestions_smart_reply.json")

    assert [item.type for item in event.items] == [SuggestionType.SMART_REPLY] * 2
    assert event.items[0].text.startswith("I can help with that")


def test_generator_output_becomes_cards() -> None:
    event = only("suggestions_generator.json")

    free_form, summary = event.items
    assert free_form.type is SuggestionType.GENERATED
    assert "microwave" in free_form.text
    assert summary.title == "Summary"
    assert summary.text.splitlines()[0].startswith("Situation: ")


def test_the_same_suggestions_published_twice_have_one_id() -> None:
    data = fixture_bytes("suggestions_smart_reply.json")
    first = to_events(pubsub_message(data, message_id="1"), VOICE).events[0]
    second = to_events(pubsub_message(data, message_id="2"), VOICE).events[0]

    assert first.provider_event_id == second.provider_event_id


def test_a_script_link_in_a_suggestion_never_becomes_a_link() -> None:
    data = fixture_json("suggestions_articles_faq.json")
    article = data["suggestionResults"][0]["suggestArticlesResponse"]["articleAnswers"][0]
    article["uri"] = "javascript:alert(document.cookie)"
    event = to_events(pubsub_message(json.dumps(data).encode()), VOICE).events[0]

    assert event.items[0].url is None


def test_an_unknown_type_maps_to_nothing() -> None:
    mapped = to_events(pubsub_message(fixture_bytes("unknown_type.json")), VOICE)

    assert mapped.events == ()
    assert mapped.type == "TYPE_UNSPECIFIED"


def test_enum_numbers_read_like_their_names() -> None:
    data = fixture_json("new_message_end_user.json")
    data["type"], data["newMessagePayload"]["participantRole"] = 5, 3
    unknown = {"conversation": CONVERSATION, "type": 42}

    event = to_events(pubsub_message(json.dumps(data).encode()), VOICE).events[0]
    assert event.speaker is Speaker.CUSTOMER
    assert to_events(pubsub_message(json.dumps(unknown).encode()), VOICE) == ("TYPE_42", ())


def test_conversation_ids_without_the_prefix_are_kept_whole() -> None:
    settings = ccai_settings(conversation_id_prefix="")
    mapped = to_events(pubsub_message(fixture_bytes("conversation_started.json")), settings)

    assert mapped.events[0].conversation_id == "gc-5f1b7c2e-conv"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"\xff\xfe not utf-8", "data: not UTF-8"),
        (b"{not json", "data: not JSON"),
        (b"[1, 2]", "data: not a JSON object"),
        (b'{"type": "NEW_MESSAGE"}', "conversation: Field required"),
        (b'{"conversation": "c-123", "type": "CONVERSATION_STARTED"}', "conversation: not"),
        (b'{"conversation": 7}', "conversation: Input should be a valid string"),
        (
            json.dumps(
                {
                    "conversation": CONVERSATION,
                    "type": "NEW_MESSAGE",
                    "newMessagePayload": {"content": "hi"},
                }
            ).encode(),
            "newMessagePayload.name: Field required",
        ),
        (b" " * 1_000_001, "data: 1000001 bytes"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "data: not JSON"),
        (b'{"conversation": ' + b"9" * 5_000 + b"}", "data: not JSON"),
    ],
    ids=[
        "binary",
        "broken-json",
        "array",
        "no-conversation",
        "bad-conversation-name",
        "conversation-not-text",
        "message-without-name",
        "too-big",
        "nested-too-deep",
        "integer-too-long",
    ],
)
def test_poison_is_refused_naming_the_field(data: bytes, field: str) -> None:
    with pytest.raises(PayloadInvalid) as caught:
        to_events(pubsub_message(data), VOICE)

    assert field in str(caught.value)
    assert caught.value.code == "payload_invalid"


def test_a_line_too_long_for_a_widget_is_poison_not_a_crash() -> None:
    data = fixture_json("new_message_end_user.json")
    data["newMessagePayload"]["content"] = "x" * 20_001

    with pytest.raises(PayloadInvalid, match="text"):
        to_events(pubsub_message(json.dumps(data).encode()), VOICE)
