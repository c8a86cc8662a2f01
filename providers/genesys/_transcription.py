"""Genesys native voice transcription to transcript events (private helper of mapping).

Genesys publishes what its own speech recognition hears on a call on the Notification API
topic ``v2.conversations.{conversationId}.transcription`` (body class
``TranscriptionTopicTranscriptionMessage``, protocols.md 1.6-1.7). Example body (field
names from the SDK model; values made up)::

    {"eventTime": "2026-01-02T10:00:09.120Z", "organizationId": "7a1c-org",
     "conversationId": "0c5e-conv", "communicationId": "comm-1",
     "sessionStartTimeMs": 1767348000000, "transcriptionStartTimeMs": 1767348001000,
     "transcripts": [
       {"utteranceId": "u-1", "isFinal": true, "channel": "EXTERNAL",
        "engineProvider": "GENESYS", "dialect": "en-US",
        "alternatives": [{"confidence": 0.92, "offsetMs": 4100, "durationMs": 2300,
                          "transcript": "my router keeps dropping"}]}]}

``channel`` says whose audio was heard: ``EXTERNAL`` is the customer's side of the call,
``INTERNAL`` the agent's. ``BOTH`` (a mixed recording) and ``UNKNOWN`` name no speaker, so
their lines are dropped rather than guessed: a customer line would ask for suggestions on
the agent's own words, an agent line would hide the customer's.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Any

from providers.genesys._bodies import parse_time
from providers.genesys.const import PROVIDER
from providers.models import Speaker, Transcript

logger = logging.getLogger(__name__)

TOPIC = re.compile(r"^v2\.conversations\.([A-Za-z0-9-]{1,64})\.transcription$")
UTTERANCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CHANNEL_SPEAKERS = {"EXTERNAL": Speaker.CUSTOMER, "INTERNAL": Speaker.AGENT}
MAX_TEXT = 20_000


def transcription_topic(conversation_id: str) -> str:
    """The topic Genesys publishes a conversation's voice transcription on."""
    return f"v2.conversations.{conversation_id}.transcription"


def transcription_target(topic: str) -> str | None:
    """The conversation id of a transcription topic; None for any other topic."""
    match = TOPIC.match(topic)
    return match.group(1) if match else None


def transcript_events(
    body: dict[str, Any],
    conversation_id: str,
    tenant_id: str,
    queue: str | None,
    now: datetime,
) -> list[Transcript]:
    """Each heard utterance of one notification: final lines and interim (partial) ones.

    Utterances without a speaker (``BOTH``/``UNKNOWN``), an id or any words map to nothing.
    """
    claimed = body.get("conversationId")
    if claimed is not None and claimed != conversation_id:
        logger.debug("Transcription for %s arrived on %s's topic", claimed, conversation_id)
        return []
    occurred = parse_time(body.get("eventTime")) or now
    events: dict[str, Transcript] = {}
    for item in _dicts(body.get("transcripts")):
        event = _transcript(item, conversation_id, tenant_id, queue, occurred)
        if event is not None:
            events.setdefault(event.provider_event_id, event)
    return list(events.values())


def transcript_event_id(conversation_id: str, utterance_id: str, text: str, final: bool) -> str:
    """The de-duplication key of a heard utterance.

    A final line has one key per utterance, so a redelivery is the same line. An interim
    one grows while the caller speaks: its key also names the words, so each new guess is
    shown and a repeated one is not.
    """
    if final:
        return f"{conversation_id}:transcript:{utterance_id}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{conversation_id}:partial:{utterance_id}:{digest}"


def best_alternative(alternatives: Any) -> str | None:
    """The words of the most confident alternative that has any; None if none has."""
    candidates: list[tuple[float, int, str]] = []
    for index, alternative in enumerate(_dicts(alternatives)):
        text = alternative.get("transcript")
        if not isinstance(text, str):
            continue
        text = text.replace("\x00", "").strip()
        if not text:
            continue
        confidence = alternative.get("confidence")
        score = float(confidence) if isinstance(confidence, int | float) else 0.0
        # Ties keep Genesys' own order (best first).
        candidates.append((-score, index, text))
    return min(candidates)[2][:MAX_TEXT] if candidates else None


def _transcript(
    item: dict[str, Any],
    conversation_id: str,
    tenant_id: str,
    queue: str | None,
    occurred: datetime,
) -> Transcript | None:
    speaker = CHANNEL_SPEAKERS.get(str(item.get("channel") or "").upper())
    utterance = item.get("utteranceId")
    if speaker is None or not isinstance(utterance, str) or not UTTERANCE_ID.match(utterance):
        logger.debug("Dropping an utterance of %s without speaker or id", conversation_id)
        return None
    text = best_alternative(item.get("alternatives"))
    if text is None:
        return None
    final = item.get("isFinal") is True
    return Transcript(
        tenant_id=tenant_id,
        provider=PROVIDER,
        provider_event_id=transcript_event_id(conversation_id, utterance, text, final),
        conversation_id=conversation_id,
        occurred_at=occurred,
        queue=queue,
        speaker=speaker,
        text=text,
        is_final=final,
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
