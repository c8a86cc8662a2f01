"""Script a web-messaging conversation in the double, as Genesys would play it out.

Each step changes the stored conversation (and stores message text), then publishes the
change to every topic Genesys would: the queue's and each agent's ``conversations`` and
``conversations.messages`` topics (protocols.md 1.6).

Example::

    chat = WebMessaging(world, "conv-1", queue_id="queue-1")
    chat.arrive()
    chat.customer_says("my router keeps dropping")
    chat.assign("user-1")
    chat.hold(); chat.resume()
    chat.end()
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.doubles.genesys.conversations import messages_topic_body
from tests.doubles.genesys.world import GenesysWorld

_clock = itertools.count(1)


def timestamp() -> str:
    """Now, in the platform's ISO format, strictly increasing between calls."""
    now = datetime.now(UTC).timestamp() + next(_clock) / 1000
    stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class WebMessaging:
    """One customer's web-messaging conversation routed through a queue."""

    def __init__(self, world: GenesysWorld, conversation_id: str, *, queue_id: str) -> None:
        self.world = world
        self.id = conversation_id
        self.queue_id = queue_id
        started = timestamp()
        self.customer = _participant(f"{conversation_id}-cust", "customer", started, "inbound")
        self.acd = _participant(f"{conversation_id}-acd", "acd", started, "inbound")
        self.acd["queueId"] = queue_id
        self.body: dict[str, Any] = {"id": conversation_id, "participants": []}

    @property
    def customer_leg(self) -> dict[str, Any]:
        """The customer's message communication."""
        leg: dict[str, Any] = self.customer["messages"][0]
        return leg

    def arrive(self) -> None:
        """The customer opens the conversation and it waits in the queue."""
        self.body["participants"] = [self.customer, self.acd]
        self.world.conversations[self.id] = self.body
        self.publish()

    def customer_says(self, text: str, *, publish: bool = True) -> str:
        """A customer message: stored, listed on the conversation, announced."""
        return self._say(self.customer, text, "inbound", publish)

    def agent_says(self, text: str, *, publish: bool = True) -> str:
        """An agent reply from the connected agent."""
        agent = next(p for p in reversed(self.body["participants"]) if p["purpose"] == "agent")
        return self._say(agent, text, "outbound", publish)

    def assign(self, user_id: str) -> str:
        """An agent answers: an agent participant connects and the queue leg ends."""
        now = timestamp()
        agents = sum(1 for p in self.body["participants"] if p["purpose"] == "agent")
        agent = _participant(f"{self.id}-agent-{agents + 1}", "agent", now, "inbound")
        agent.update(userId=user_id, queueId=self.queue_id, connectedTime=now)
        self._disconnect(self.acd, now)
        self.body["participants"].append(agent)
        self.publish()
        return str(agent["id"])

    def hold(self) -> None:
        """The agent puts the customer on hold."""
        self.customer_leg.update(held=True, startHoldTime=timestamp())
        self.publish()

    def resume(self) -> None:
        """The agent takes the customer off hold."""
        self.customer_leg["held"] = False
        self.customer_leg.pop("startHoldTime", None)
        self.publish()

    def end(self) -> None:
        """Everyone disconnects."""
        now = timestamp()
        for participant in self.body["participants"]:
            if participant.get("endTime") is None:
                self._disconnect(participant, now)
        self.publish()

    def topics(self) -> list[str]:
        """Every topic a change of this conversation is published on."""
        owners = [f"v2.routing.queues.{self.queue_id}"] + [
            f"v2.users.{p['userId']}" for p in self.body["participants"] if p.get("userId")
        ]
        suffixes = (".conversations", ".conversations.messages")
        return [owner + suffix for owner in owners for suffix in suffixes]

    def publish(self) -> int:
        """Announce the conversation's current state; return how many sockets got it."""
        delivered = 0
        for topic in self.topics():
            body = messages_topic_body(self.body) if topic.endswith(".messages") else self.body
            delivered += self.world.channels.publish(topic, body)
        return delivered

    def _say(self, who: dict[str, Any], text: str, direction: str, publish: bool) -> str:
        message_id = f"m-{uuid.uuid4().hex[:12]}"
        now = timestamp()
        self.world.messages[message_id] = message_data(
            message_id, self.id, text, direction=direction, at=now
        )
        status = "received" if direction == "inbound" else "sent"
        who["messages"][0]["messages"].append(
            {"messageId": message_id, "messageTime": now, "messageStatus": status}
        )
        if publish:
            self.publish()
        return message_id

    @staticmethod
    def _disconnect(participant: dict[str, Any], at: str) -> None:
        participant["endTime"] = at
        for leg in participant["messages"]:
            leg.update(state="disconnected", disconnectedTime=at, held=False)


def message_data(
    message_id: str, conversation_id: str, text: str, *, direction: str, at: str
) -> dict[str, Any]:
    """A ``MessageData`` as ``GET .../messages/{messageId}`` returns it (protocols.md 1.8)."""
    return {
        "id": message_id,
        "conversationId": conversation_id,
        "direction": direction,
        "messengerType": "webmessaging",
        "timestamp": at,
        "status": "received" if direction == "inbound" else "sent",
        "textBody": text,
        "normalizedMessage": {
            "id": message_id,
            "channel": {"platform": "Genesys"},
            "type": "Text",
            "text": text,
            "direction": direction.title(),
        },
        "selfUri": f"/api/v2/conversations/messages/{conversation_id}/messages/{message_id}",
    }


def _participant(participant_id: str, purpose: str, at: str, direction: str) -> dict[str, Any]:
    leg = {
        "id": f"{participant_id}-comm",
        "state": "connected",
        "direction": direction,
        "type": "webmessaging",
        "held": False,
        "connectedTime": at,
        "messages": [],
    }
    return {"id": participant_id, "purpose": purpose, "startTime": at, "messages": [leg]}
