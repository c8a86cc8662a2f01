"""The Five9 folder declares what it implements, and implements what it declares."""

from __future__ import annotations

from providers.base import Capability, DesktopBridge, Embedding, SignInFlow
from providers.five9.manifest import MANIFEST


def test_five9_is_a_desktop_bridge_in_an_embedded_widget() -> None:
    assert MANIFEST.name == "five9"
    assert MANIFEST.display_name == "Five9"
    assert MANIFEST.capabilities == {
        Capability.DESKTOP_BRIDGE,
        Capability.EMBEDDING,
        Capability.AGENT_SIGN_IN,
    }
    assert isinstance(MANIFEST.bridge, DesktopBridge)
    assert isinstance(MANIFEST.embedding, Embedding)
    assert MANIFEST.sign_in is SignInFlow.TENANT_IDP
    assert MANIFEST.adapter is None
