"""Genesys Cloud's declaration: what cuecard does with a Genesys Cloud organization."""

from __future__ import annotations

from providers.base import Capability, Manifest, SignInFlow
from providers.genesys.actions import GenesysActions
from providers.genesys.adapter import GenesysAdapter
from providers.genesys.config import GenesysSettings
from providers.genesys.const import PROVIDER
from providers.genesys.embed import GenesysEmbedding
from providers.genesys.login import GenesysOAuth

MANIFEST = Manifest(
    name=PROVIDER,
    display_name="Genesys Cloud",
    settings=GenesysSettings,
    capabilities=frozenset(
        {
            Capability.EVENTS_PULL,
            Capability.EVENTS_ACKNOWLEDGED,
            Capability.QUEUE_WATCHING,
            Capability.USER_WATCHING,
            Capability.CONNECTION_CHECK,
            Capability.AGENT_SIGN_IN,
            Capability.AGENT_ACTIONS,
            Capability.EMBEDDING,
        }
    ),
    adapter=GenesysAdapter,
    sign_in=SignInFlow.PLATFORM_OAUTH,
    oauth=GenesysOAuth,
    actions=GenesysActions,
    embedding=GenesysEmbedding(),
    docs="docs/genesys.md",
)
