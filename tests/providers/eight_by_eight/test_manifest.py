"""The 8x8 folder declares what it implements, and implements what it declares."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from providers.base import (
    Capability,
    Checkable,
    MemoryPositions,
    PullAdapter,
    SignInFlow,
    StatusReporting,
)
from providers.eight_by_eight import EightByEightSettings
from providers.eight_by_eight.manifest import MANIFEST
from providers.registry import build_adapter


async def test_8x8_is_a_checkable_pull_source_read_by_position_with_tenant_idp_sign_in() -> None:
    settings = EightByEightSettings.model_validate(
        {"tenant_id": "acme", "tenant_name": "acmecc01", "api_key": "eght_x"}
    )
    adapter = build_adapter(MANIFEST, settings, positions=MemoryPositions())

    assert (MANIFEST.name, MANIFEST.display_name) == ("eight_by_eight", "8x8")
    assert MANIFEST.capabilities == {
        Capability.EVENTS_PULL,
        Capability.EVENTS_ACKNOWLEDGED,
        Capability.STREAM_POSITIONS,
        Capability.CONNECTION_CHECK,
        Capability.EMBEDDING,
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


def test_only_8x8_pages_may_frame_the_widget_by_default() -> None:
    settings = EightByEightSettings.model_validate(
        {"tenant_id": "acme", "tenant_name": "acmecc01", "api_key": "eght_x"}
    )
    assert MANIFEST.embedding is not None

    assert MANIFEST.embedding.frame_origins(settings) == ("https://*.8x8.com",)
    assert MANIFEST.embedding.url_query == ""
    assert "aw-interaction-focus-v3" in MANIFEST.embedding.instructions


@pytest.mark.parametrize(
    "origin", ["http://aw.8x8.com", "https://aw.8x8.com/path", "https://*", "javascript:x"]
)
def test_workspace_origins_must_be_https_origins(origin: str) -> None:
    with pytest.raises(ValidationError, match="workspace_origins"):
        EightByEightSettings.model_validate(
            {
                "tenant_id": "acme",
                "tenant_name": "acmecc01",
                "api_key": "eght_x",
                "workspace_origins": [origin],
            }
        )
