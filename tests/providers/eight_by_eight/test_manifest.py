"""The 8x8 folder declares what it implements, and implements what it declares."""

from __future__ import annotations

from providers.base import Capability, Checkable, PullAdapter, SignInFlow, StatusReporting
from providers.eight_by_eight import EightByEightSettings
from providers.eight_by_eight.manifest import MANIFEST


async def test_8x8_is_a_checkable_pull_source_with_tenant_idp_sign_in() -> None:
    settings = EightByEightSettings.model_validate(
        {"tenant_id": "acme", "tenant_name": "acmecc01", "api_key": "eght_x"}
    )
    assert MANIFEST.adapter is not None
    adapter = MANIFEST.adapter(settings)

    assert (MANIFEST.name, MANIFEST.display_name) == ("eight_by_eight", "8x8")
    assert MANIFEST.capabilities == {
        Capability.EVENTS_PULL,
        Capability.CONNECTION_CHECK,
        Capability.AGENT_SIGN_IN,
    }
    assert isinstance(adapter, PullAdapter)
    assert isinstance(adapter, Checkable)
    assert isinstance(adapter, StatusReporting)
    assert MANIFEST.sign_in is SignInFlow.TENANT_IDP
    await adapter.aclose()


def test_the_region_picks_the_stream_host() -> None:
    settings = EightByEightSettings.model_validate(
        {"tenant_id": "acme", "tenant_name": "acmecc01", "api_key": "eght_x", "region": "us1"}
    )

    assert settings.stream_url == "wss://pulsar-ws-use1.8x8.com"
    assert settings.topics == ("event-v1/all",)
    assert "eght_x" not in repr(settings)
