"""Tests for looking adapters up in the registry and building them."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.base import ProviderSettings
from providers.errors import ProviderConfigError
from providers.registry import get_spec
from providers.simulator import SimulatorAdapter, SimulatorSettings

CHAT = Path(__file__).parent / "simulator" / "fixtures" / "chat.json"


def test_get_spec_returns_the_simulator() -> None:
    spec = get_spec("simulator")
    assert (spec.adapter_cls, spec.settings_cls, spec.kind) == (
        SimulatorAdapter,
        SimulatorSettings,
        "pull",
    )


def test_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(ProviderConfigError, match=r"unknown provider 'five9'.*simulator"):
        get_spec("five9")


def test_parse_settings_translates_validation_errors() -> None:
    with pytest.raises(ProviderConfigError, match=r"simulator settings: .*scripts: Field required"):
        get_spec("simulator").parse_settings({"tenant_id": "acme"})


async def test_create_builds_the_adapter() -> None:
    spec = get_spec("simulator")
    adapter = spec.create(spec.parse_settings({"tenant_id": "acme", "scripts": [CHAT]}))
    assert isinstance(adapter, SimulatorAdapter)
    await adapter.aclose()


def test_create_rejects_another_adapters_settings() -> None:
    with pytest.raises(ProviderConfigError, match="needs SimulatorSettings"):
        get_spec("simulator").create(ProviderSettings(tenant_id="acme"))
