"""Google CCAI: Dialogflow / Agent Assist conversation events through Pub/Sub."""

from __future__ import annotations

from providers.base import Capability, Manifest
from providers.google_ccai.adapter import GoogleCcaiAdapter
from providers.google_ccai.config import GoogleCcaiSettings
from providers.google_ccai.const import DISPLAY_NAME, PROVIDER

MANIFEST = Manifest(
    name=PROVIDER,
    display_name=DISPLAY_NAME,
    settings=GoogleCcaiSettings,
    capabilities=frozenset(
        {
            Capability.EVENTS_PULL,
            Capability.EVENTS_ACKNOWLEDGED,
            Capability.EVENTS_PUSH,
            Capability.CONNECTION_CHECK,
        }
    ),
    adapter=GoogleCcaiAdapter,
    docs="docs/google-ccai.md",
)
