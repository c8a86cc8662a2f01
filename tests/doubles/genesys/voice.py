"""Script a voice call in the double, and what Genesys' own transcription hears on it.

Call changes are published on the queue's and each agent's ``conversations`` topic
(protocols.md 1.6).
Speech is published on ``v2.conversations.{id}.transcription`` with the body of
``TranscriptionTopicTranscriptionMessage`` (protocols.md 1.7, "Transcription topic"), and
only while the call is connected: Genesys transcribes calls, not messaging, and nothing
after the call ends. Like every notification of the double it reaches only the channels
subscribed to that topic (:meth:`ChannelHub.publish`).

Example::

    call = VoiceCall(world, "conv-1", queue_id="queue-1")
    call.arrive()
    call.assign("user-1")
    call.customer_says("my router keeps dropping")       # one final EXTERNAL utterance
    call.hear([utterance("u-2", "INTERNAL", "let me check", final=False)])
    call.end()
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.doubles.genesys.messaging import timestamp
from tests.doubles.genesys.world import GenesysWorld

# Field names of the transcription body, its transcripts and their alternatives
# (protocols.md 1.7). The double refuses anything else: a test cannot publish a shape
# Genesys would never send.
BODY_FIELDS = frozenset(
    {
        "eventTime",
        "organizationId",
        "conversationId",
        "communicationId",
        "sessionStartTimeMs",
        "transcriptionStartTimeMs",
        "status",
        "speechTextAnalyticsProgramId",
        "transcripts",
    }
)
TRANSCRIPT_FIELDS = frozenset(
    {
        "utteranceId",
        "isFinal",
        "channel",
        "alternatives",
        "engineProvider",
        "engineId",
        "engineName",
        "dialect",
        "agentAssistEnabled",
        "voiceTranscriptionEnabled",
    }
)
ALTERNATIVE_FIELDS = frozenset(
    {
        "confidence",
        "offsetMs",
        "durationMs",
        "transcript",
        "words",
        "decoratedTranscript",
        "decoratedWords",
    }
)
CHANNELS = frozenset({"INTERNAL", "EXTERNAL", "BOTH", "UNKNOWN"})


class NotTranscribed(Exception):
    """Genesys would not publish this transcription (no such call, or it is over)."""


def utterance(
    utterance_id: str, channel: str, text: str, *, final: bool = True, confidence: float = 0.9
) -> dict[str, Any]:
    """One ``transcripts[]`` entry with a single alternative."""
    return {
        "utteranceId": utterance_id,
        "isFinal": final,
        "channel": channel,
        "engineProvider": "GENESYS",
        "engineId": "engine-1",
        "engineName": "genesys-native",
        "dialect": "en-US",
        "agentAssistEnabled": True,
        "voiceTranscriptionEnabled": True,
        "alternatives": [
            {"confidence": confidence, "offsetMs": 1200, "durationMs": 2400, "transcript": text}
        ],
    }


def check_body(body: dict[str, Any]) -> None:
    """Refuse a transcription body with a field or channel protocols.md does not list."""
    _only(body, BODY_FIELDS, "transcription body")
    for entry in body.get("transcripts", []):
        _only(entry, TRANSCRIPT_FIELDS, "transcript")
        if entry.get("channel") not in CHANNELS:
            raise ValueError(f"channel {entry.get('channel')!r} is not one Genesys sends")
        for alternative in entry.get("alternatives", []):
            _only(alternative, ALTERNATIVE_FIELDS, "alternative")


class VoiceCall:
    """One customer's inbound call routed through a queue, transcribed by Genesys."""

    def __init__(self, world: GenesysWorld, conversation_id: str, *, queue_id: str) -> None:
        self.world = world
        self.id = conversation_id
        self.queue_id = queue_id
        started = timestamp()
        self.customer = _participant(f"{conversation_id}-cust", "customer", started)
        self.acd = _participant(f"{conversation_id}-acd", "acd", started)
        self.acd["queueId"] = queue_id
        self.body: dict[str, Any] = {"id": conversation_id, "participants": []}
        self.session_start_ms = 1_767_348_000_000

    @property
    def connected(self) -> bool:
        """Whether the customer's leg of the call is still up."""
        return bool(self.body["participants"]) and self.customer["calls"][0]["state"] == (
            "connected"
        )

    def arrive(self) -> None:
        """The customer calls in and waits in the queue."""
        self.body["participants"] = [self.customer, self.acd]
        self.world.conversations[self.id] = self.body
        self.publish()

    def assign(self, user_id: str) -> None:
        """An agent answers: the agent's leg connects, the queue leg ends."""
        now = timestamp()
        agent = _participant(f"{self.id}-agent", "agent", now)
        agent.update(userId=user_id, queueId=self.queue_id, connectedTime=now)
        _disconnect(self.acd, now)
        self.body["participants"].append(agent)
        self.publish()

    def end(self) -> None:
        """Everyone hangs up."""
        now = timestamp()
        for participant in self.body["participants"]:
            if participant.get("endTime") is None:
                _disconnect(participant, now)
        self.publish()

    def customer_says(self, text: str) -> dict[str, Any]:
        """A final utterance heard on the customer's side; the body published."""
        return self.hear([utterance(str(uuid.uuid4()), "EXTERNAL", text)])

    def hear(self, transcripts: list[dict[str, Any]]) -> dict[str, Any]:
        """Publish one transcription notification carrying ``transcripts``; return its body."""
        body = {
            "eventTime": timestamp(),
            "organizationId": self.world.org_id,
            "conversationId": self.id,
            "communicationId": self.customer["calls"][0]["id"],
            "sessionStartTimeMs": self.session_start_ms,
            "transcriptionStartTimeMs": self.session_start_ms + 500,
            "transcripts": transcripts,
        }
        self.publish_speech(body)
        return body

    def publish_speech(self, body: dict[str, Any]) -> int:
        """Publish (or redeliver) a transcription body; return how many sockets got it."""
        if not self.connected:
            raise NotTranscribed(f"call {self.id} is not connected")
        check_body(body)
        return self.world.channels.publish(f"v2.conversations.{self.id}.transcription", body)

    def topics(self) -> list[str]:
        """Every topic a change of this call is published on."""
        # Not ``.conversations.calls``: its body is another class (protocols.md 1.6), unused here.
        users = [p["userId"] for p in self.body["participants"] if p.get("userId")]
        return [f"v2.routing.queues.{self.queue_id}.conversations"] + [
            f"v2.users.{user}.conversations" for user in users
        ]

    def publish(self) -> int:
        """Announce the call's current state; return how many sockets got it."""
        return sum(self.world.channels.publish(topic, self.body) for topic in self.topics())


def _participant(participant_id: str, purpose: str, at: str) -> dict[str, Any]:
    leg = {
        "id": f"{participant_id}-call",
        "state": "connected",
        "direction": "inbound",
        "held": False,
        "confined": False,
        "muted": False,
        "connectedTime": at,
    }
    return {"id": participant_id, "purpose": purpose, "startTime": at, "calls": [leg]}


def _disconnect(participant: dict[str, Any], at: str) -> None:
    participant["endTime"] = at
    for leg in participant["calls"]:
        leg.update(state="disconnected", disconnectedTime=at, held=False)


def _only(item: dict[str, Any], fields: frozenset[str], what: str) -> None:
    unknown = set(item) - fields
    if unknown:
        raise ValueError(f"{what} has fields Genesys does not send: {sorted(unknown)}")
