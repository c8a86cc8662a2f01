"""8x8 Event Streaming on the Pulsar double: 8x8's topic layout and keys (protocols.md 5.1).

8x8 publishes every event of a tenant to ``persistent/TENANT/event-v1/all`` and to
``event-v1/<EventType>``, and an agent's events to ``agent-v1/<agentId>``. Payloads are the
decoded JSON (the double base64-encodes them, as Pulsar does).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tests.doubles.pulsar.world import PulsarWorld

API_KEY = "eght_Zk1xR3cJq8NvT2yH6mB0sLdW4pFa9uE"


@dataclass
class EightByEightTenant:
    """One 8x8 tenant publishing to the double, readable with ``key``."""

    world: PulsarWorld
    name: str = "acmecc01"
    key: str = API_KEY

    def __post_init__(self) -> None:
        self.world.tenants.add(self.name)
        self.world.keys.setdefault(self.key, set()).add(self.name)

    @property
    def all_topic(self) -> str:
        """The tenant's everything topic."""
        return f"persistent://{self.name}/event-v1/all"

    def agent_topic(self, agent_id: str) -> str:
        """One agent's topic."""
        return f"persistent://{self.name}/agent-v1/{agent_id}"

    def emit(self, payload: dict[str, Any]) -> str:
        """Publish one event where 8x8 would; the id it got on the ``all`` topic."""
        message_id = self.world.publish(self.all_topic, payload)
        body, event_type = _body_and_type(payload)
        self.world.publish(f"persistent://{self.name}/event-v1/{event_type}", payload)
        for agent in _agents(body):
            self.world.publish(self.agent_topic(agent), payload)
        return message_id

    def rotate_key(self, new_key: str) -> None:
        """An admin replaced the key: the old one is refused from now on."""
        self.world.revoke(self.key)
        self.key = new_key
        self.world.keys.setdefault(new_key, set()).add(self.name)


def interaction(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of an interaction payload with some of its fields changed."""
    copied = copy.deepcopy(payload)
    copied["Interaction"].update(changes)
    return copied


def _body_and_type(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if isinstance(body := payload.get("Interaction"), dict):
        return body, str(body["event"])
    (event_type, body), *_ = payload.items()
    return body, event_type


def _agents(body: dict[str, Any]) -> list[str]:
    agents = {str(body["agentId"])} if body.get("agentId") else set()
    participating = body.get("participatingAgents")
    if isinstance(participating, str):
        agents.update(a.strip() for a in participating.split(",") if a.strip())
    return sorted(agents)
