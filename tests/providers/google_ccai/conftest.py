"""Recorded-shape Dialogflow payloads and settings for the Google CCAI tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.google_ccai import GoogleCcaiSettings
from providers.google_ccai._payloads import PubsubMessage

FIXTURES = Path(__file__).parent / "fixtures"
CONVERSATION = "projects/acme-ccai/locations/global/conversations/gc-5f1b7c2e-conv"
SUBSCRIPTION = "projects/acme-ccai/subscriptions/cuecard-events"
PROFILES = "projects/acme-ccai/locations/global/conversationProfiles"
PUBLISHED = datetime(2026, 11, 21, 10, 0, 2, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    """A recorded Dialogflow message body, as published."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def ccai_settings(**changes: Any) -> GoogleCcaiSettings:
    """Settings of a pull integration for tenant acme, with ``changes``."""
    data: dict[str, Any] = {
        "tenant_id": "acme",
        "project_id": "acme-ccai",
        "subscriptions": ["cuecard-events"],
        "conversation_profile": f"{PROFILES}/billing-voice",
        "conversation_id_prefix": "gc-",
    }
    data.update(changes)
    return GoogleCcaiSettings.model_validate(data)


def pubsub_message(
    data: bytes, *, message_id: str = "1001", attributes: dict[str, str] | None = None
) -> PubsubMessage:
    """A message as the subscription hands it over."""
    return PubsubMessage(
        subscription=SUBSCRIPTION,
        message_id=message_id,
        data=data,
        publish_time=PUBLISHED,
        attributes=attributes or {},
        ordering_key="gc-5f1b7c2e-conv",
    )
