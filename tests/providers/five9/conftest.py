"""Five9 scenarios (recorded-shape SDK payloads) and the messages the widget forwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
DATA_KEYS = ("callData", "chatData", "emailData")


def fixture(name: str) -> Any:
    """A recorded-shape fixture from fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def metadata(scenario: dict[str, Any]) -> dict[str, Any]:
    """What ``interactionApi.getMetadata()`` resolves to on the scenario's desktop."""
    return {"agentId": scenario["context"]["agentId"], "tenantId": scenario["context"]["tenantId"]}


def forwarded(
    scenario: dict[str, Any], event: dict[str, Any], *, with_cavs: bool = True
) -> dict[str, Any]:
    """The ``bridge.event`` message the widget's Five9 module makes of one SDK callback."""
    message: dict[str, Any] = {
        "type": "interaction",
        "reason": event["reason"],
        "metadata": metadata(scenario),
        **event["payload"],
    }
    data = next((event["payload"][key] for key in DATA_KEYS if key in event["payload"]), None)
    cavs = scenario["cavs"].get(data["interactionId"]) if data else None
    if with_cavs and cavs:
        message["cavs"] = cavs
    return message
