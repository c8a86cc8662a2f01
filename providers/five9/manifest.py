"""The Five9 platform: a desktop bridge through the CRM SDK, embedded in the agent desktop."""

from __future__ import annotations

from providers.base import Capability, Manifest, SignInFlow
from providers.five9.bridge import Five9Bridge
from providers.five9.config import Five9Settings
from providers.five9.const import DISPLAY_NAME, PROVIDER
from providers.five9.embed import Five9Embedding

MANIFEST = Manifest(
    name=PROVIDER,
    display_name=DISPLAY_NAME,
    settings=Five9Settings,
    capabilities=frozenset(
        {Capability.DESKTOP_BRIDGE, Capability.EMBEDDING, Capability.AGENT_SIGN_IN}
    ),
    bridge=Five9Bridge(),
    sign_in=SignInFlow.TENANT_IDP,
    embedding=Five9Embedding(),
    docs="docs/five9.md",
)
