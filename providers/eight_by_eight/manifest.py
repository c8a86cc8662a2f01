"""The 8x8 platform: Event Streaming as a pull source read by position, the widget as an
Agent Workspace partner app, agents signed in at the tenant's IdP."""

from __future__ import annotations

from providers.base import Capability, Manifest, SignInFlow
from providers.eight_by_eight.adapter import EightByEightAdapter
from providers.eight_by_eight.config import EightByEightSettings
from providers.eight_by_eight.const import DISPLAY_NAME, PROVIDER
from providers.eight_by_eight.embed import EightByEightEmbedding

MANIFEST = Manifest(
    name=PROVIDER,
    display_name=DISPLAY_NAME,
    settings=EightByEightSettings,
    capabilities=frozenset(
        {
            Capability.EVENTS_PULL,
            Capability.EVENTS_ACKNOWLEDGED,
            Capability.STREAM_POSITIONS,
            Capability.CONNECTION_CHECK,
            Capability.EMBEDDING,
            Capability.AGENT_SIGN_IN,
        }
    ),
    adapter=EightByEightAdapter,
    embedding=EightByEightEmbedding(),
    sign_in=SignInFlow.TENANT_IDP,
    docs="docs/8x8.md",
)
