"""Genesys Cloud's declaration: what cuecard does with a Genesys Cloud organization."""

from __future__ import annotations

from providers.base import Capability, Manifest
from providers.genesys.adapter import GenesysAdapter
from providers.genesys.config import GenesysSettings
from providers.genesys.const import PROVIDER

MANIFEST = Manifest(
    name=PROVIDER,
    display_name="Genesys Cloud",
    settings=GenesysSettings,
    capabilities=frozenset(
        {
            Capability.EVENTS_PULL,
            Capability.QUEUE_WATCHING,
            Capability.USER_WATCHING,
            Capability.CONNECTION_CHECK,
        }
    ),
    adapter=GenesysAdapter,
    docs="docs/genesys.md",
)
