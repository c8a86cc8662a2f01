"""Pure functions from Dialogflow / Agent Assist Pub/Sub messages to canonical events.

Example message data (a ``ConversationEvent`` in JSON, protocols.md 8.3)::

    {"conversation": "projects/p1/locations/global/conversations/c-123",
     "type": "NEW_MESSAGE",
     "newMessagePayload": {
       "name": "projects/p1/locations/global/conversations/c-123/messages/m-9",
       "content": "My order is late", "participantRole": "END_USER",
       "createTime": "2026-01-02T10:00:01.123Z"}}

Event ids come from Dialogflow's own ids where there are some (the conversation, the message,
the suggestions' answer records), so a redelivery *and* a second publish of the same event
are duplicates in the pipeline; otherwise from the Pub/Sub message id within its
subscription. A final recognition result carries its message's id in the ``message_id``
attribute, so it and the NEW_MESSAGE for the same words are one line.

Data that can never be mapped raises :class:`providers.errors.PayloadInvalid` naming the
field; data of an unknown type maps to nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, NamedTuple

from pydantic import ValidationError

from providers.errors import PayloadInvalid
from providers.google_ccai._payloads import (
    ConversationEvent,
    DialogflowMessage,
    HumanAgentAssistantEvent,
    PubsubMessage,
    RecognitionResult,
)
from providers.google_ccai._suggestions import suggestion_items
from providers.google_ccai.config import GoogleCcaiSettings
from providers.google_ccai.const import (
    ATTR_MESSAGE_ID,
    ATTR_ROLE,
    MAX_DATA_BYTES,
    PROVIDER,
    ROLE_SPEAKERS,
    SUGGESTION_SOURCE,
)
from providers.models import (
    AlertType,
    ConversationAlert,
    ConversationEnded,
    ConversationStarted,
    Event,
    ExternalSuggestions,
    MediaType,
    Message,
    Speaker,
    Transcript,
)

SUGGESTIONS = "SUGGESTIONS"
KNOWN_TYPES = frozenset(
    {
        "CONVERSATION_STARTED",
        "CONVERSATION_FINISHED",
        "HUMAN_INTERVENTION_NEEDED",
        "NEW_MESSAGE",
        "NEW_RECOGNITION_RESULT",
        "UNRECOVERABLE_ERROR",
        SUGGESTIONS,
    }
)
_CONVERSATION = re.compile(
    r"^projects/(?P<project>[^/]+)(?:/locations/[^/]+)?/conversations/(?P<id>[^/]+)$"
)
_MESSAGE_ID = re.compile(r"^[\w.~-]{1,100}$")


class Mapped(NamedTuple):
    """What one message became, and which Dialogflow notification type it was."""

    type: str
    events: tuple[Event, ...]


class _Context(NamedTuple):
    settings: GoogleCcaiSettings
    message: PubsubMessage
    conversation_key: str
    conversation_id: str

    def base(self, event_id: str) -> dict[str, Any]:
        return {
            "tenant_id": self.settings.tenant_id,
            "provider": PROVIDER,
            "provider_event_id": event_id,
            "conversation_id": self.conversation_id,
            "occurred_at": self.message.publish_time,
            "queue": self.settings.queue,
        }


def to_events(message: PubsubMessage, settings: GoogleCcaiSettings) -> Mapped:
    """The canonical events of one message; ``PayloadInvalid`` if it can never be mapped."""
    try:
        return _mapped(message, settings)
    except PayloadInvalid as err:
        raise PayloadInvalid(f"message {message.message_id}: {err}") from err


def _mapped(message: PubsubMessage, settings: GoogleCcaiSettings) -> Mapped:
    data = _decode(message.data)
    try:
        if "suggestionResults" in data or "suggestion_results" in data:
            assist = HumanAgentAssistantEvent.model_validate(data)
            context = _context(message, settings, assist.conversation)
            return Mapped(SUGGESTIONS, _suggestions(assist, context))
        event = ConversationEvent.model_validate(data)
        context = _context(message, settings, event.conversation)
        return Mapped(event.type, _conversation_events(event, context))
    except ValidationError as err:
        raise PayloadInvalid(_first_problem(err)) from err


def _decode(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_DATA_BYTES:
        raise PayloadInvalid(f"data: {len(raw)} bytes, more than {MAX_DATA_BYTES}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise PayloadInvalid("data: not UTF-8 (choose message format JSON)") from err
    except json.JSONDecodeError as err:
        raise PayloadInvalid(f"data: not JSON ({err.msg} at column {err.colno})") from err
    except (RecursionError, ValueError) as err:
        # Nesting past the recursion limit, an integer past 4,300 digits: never a retry's luck.
        raise PayloadInvalid(
            "data: not JSON we can read (nested too deep or a number too long)"
        ) from err
    if not isinstance(data, dict):
        raise PayloadInvalid("data: not a JSON object")
    return data


def _context(message: PubsubMessage, settings: GoogleCcaiSettings, name: str) -> _Context:
    match = _CONVERSATION.match(name)
    if match is None:
        raise PayloadInvalid("conversation: not projects/<p>/locations/<l>/conversations/<id>")
    native = match["id"]
    prefix = settings.conversation_id_prefix
    conversation_id = native[len(prefix) :] if prefix and native.startswith(prefix) else native
    return _Context(settings, message, f"{match['project']}/{native}", conversation_id)


def _conversation_events(event: ConversationEvent, context: _Context) -> tuple[Event, ...]:
    key = context.conversation_key
    match event.type:
        case "CONVERSATION_STARTED":
            media = context.settings.media
            return (ConversationStarted(**context.base(f"{key}#started"), media=media),)
        case "CONVERSATION_FINISHED":
            # Fired for every CompleteConversation call: the id makes the repeats duplicates.
            return (ConversationEnded(**context.base(f"{key}#finished")),)
        case "NEW_MESSAGE" if event.new_message_payload is not None:
            return _new_message(event.new_message_payload, context)
        case "NEW_RECOGNITION_RESULT" if event.new_recognition_result_payload is not None:
            return _recognition(event.new_recognition_result_payload, context)
        case "HUMAN_INTERVENTION_NEEDED":
            return (_alert(AlertType.HUMAN_NEEDED, None, context),)
        case "UNRECOVERABLE_ERROR":
            status = event.error_status
            detail = (status.message or f"error code {status.code}") if status else None
            return (_alert(AlertType.PLATFORM_ERROR, detail, context),)
    return ()


def _new_message(payload: DialogflowMessage, context: _Context) -> tuple[Event, ...]:
    text = payload.content.strip()
    if not text:
        return ()
    message_id = payload.name.rsplit("/", 1)[-1]
    occurred = payload.send_time or payload.create_time or context.message.publish_time
    fields = {
        **context.base(_message_event_id(context, message_id)),
        "occurred_at": occurred,
        "speaker": ROLE_SPEAKERS.get(payload.participant_role, Speaker.SYSTEM),
        "text": payload.content,
    }
    if context.settings.media is MediaType.VOICE:
        return (Transcript(**fields, is_final=True),)
    return (Message(**fields),)


def _recognition(result: RecognitionResult, context: _Context) -> tuple[Event, ...]:
    if result.message_type not in {"TRANSCRIPT", "MESSAGE_TYPE_UNSPECIFIED"}:
        return ()  # end of utterance, DTMF digits, speech activity: not words
    if not result.transcript.strip():
        return ()
    attributes = context.message.attributes
    message_id = attributes.get(ATTR_MESSAGE_ID, "")
    if result.is_final and _MESSAGE_ID.match(message_id):
        event_id = _message_event_id(context, message_id)
    else:
        event_id = context.message.key
    speaker = ROLE_SPEAKERS.get(attributes.get(ATTR_ROLE, ""), Speaker.SYSTEM)
    transcript = Transcript(
        **context.base(event_id),
        speaker=speaker,
        text=result.transcript,
        is_final=result.is_final,
    )
    return (transcript,)


def _alert(alert: AlertType, detail: str | None, context: _Context) -> ConversationAlert:
    return ConversationAlert(
        **context.base(context.message.key), alert=alert, detail=detail[:500] if detail else None
    )


def _suggestions(event: HumanAgentAssistantEvent, context: _Context) -> tuple[Event, ...]:
    items = suggestion_items(event.suggestion_results)
    if not items:
        return ()
    records = sorted(item.reference for item in items if item.reference)
    if records:
        digest = hashlib.sha256("\n".join(records).encode()).hexdigest()[:32]
        event_id = f"{context.conversation_key}#suggestions:{digest}"
    else:
        event_id = context.message.key
    return (ExternalSuggestions(**context.base(event_id), source=SUGGESTION_SOURCE, items=items),)


def _message_event_id(context: _Context, message_id: str) -> str:
    return f"{context.conversation_key}/messages/{message_id}"


def _first_problem(err: ValidationError) -> str:
    error = err.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "data"
    return f"{where}: {error['msg']}"
