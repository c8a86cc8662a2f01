"""Tests for looking platforms up in the registry and building their adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.base import Capability, Manifest, ProviderSettings
from providers.errors import ProviderConfigError
from providers.registry import (
    PLANNED,
    PLATFORMS,
    build_adapter,
    get_platform,
    parse_settings,
    secret_fields,
    settings_schema,
    source_kind,
    storable,
)
from providers.simulator import SimulatorAdapter, SimulatorSettings

CHAT = Path(__file__).parent / "simulator" / "fixtures" / "chat.json"


def test_get_platform_returns_the_simulator() -> None:
    manifest = get_platform("simulator")
    assert (manifest.adapter, manifest.settings, source_kind(manifest)) == (
        SimulatorAdapter,
        SimulatorSettings,
        "pull",
    )


def test_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(ProviderConfigError, match=r"unknown provider 'acmedesk'.*simulator"):
        get_platform("acmedesk")


def test_only_platforms_admins_can_configure_are_storable() -> None:
    assert "genesys" in storable()
    assert "simulator" not in storable()
    assert set(storable()) < set(PLATFORMS)


def test_parse_settings_translates_validation_errors() -> None:
    with pytest.raises(ProviderConfigError, match=r"simulator settings: .*scripts: Field required"):
        parse_settings(get_platform("simulator"), {"tenant_id": "acme"})


async def test_build_adapter_builds_the_platforms_source() -> None:
    manifest = get_platform("simulator")
    adapter = build_adapter(
        manifest, parse_settings(manifest, {"tenant_id": "acme", "scripts": [CHAT]})
    )
    assert isinstance(adapter, SimulatorAdapter)
    await adapter.aclose()


def test_build_adapter_rejects_another_platforms_settings() -> None:
    with pytest.raises(ProviderConfigError, match="needs SimulatorSettings"):
        build_adapter(get_platform("simulator"), ProviderSettings(tenant_id="acme"))


class QueueRecorder:
    """A queue-watching source that remembers what it was built with."""

    name = "recorder"

    def __init__(self, settings: ProviderSettings, *, queues: tuple[str, ...] = ()) -> None:
        self.queues = queues

    async def aclose(self) -> None:
        return None


def test_a_queue_watching_adapter_is_built_with_the_mapped_queues() -> None:
    manifest = Manifest(
        name="recorder",
        display_name="Recorder",
        settings=ProviderSettings,
        capabilities=frozenset({Capability.EVENTS_PULL, Capability.QUEUE_WATCHING}),
        adapter=QueueRecorder,
    )
    adapter = build_adapter(manifest, ProviderSettings(tenant_id="acme"), queues=["b", "a", "b"])
    assert isinstance(adapter, QueueRecorder)
    assert adapter.queues == ("a", "b")


async def test_an_adapter_without_queue_watching_is_built_from_its_settings_alone() -> None:
    manifest = get_platform("simulator")
    assert not manifest.has(Capability.QUEUE_WATCHING)
    settings = parse_settings(manifest, {"tenant_id": "acme", "scripts": [CHAT]})
    # The simulator's constructor takes no queues: passing them would raise TypeError.
    adapter = build_adapter(manifest, settings, queues=["q-1"])
    assert isinstance(adapter, SimulatorAdapter)
    await adapter.aclose()


def test_secrets_are_write_only_in_the_published_schema() -> None:
    manifest = get_platform("genesys")
    assert secret_fields(manifest) == {"client_secret"}
    schema = settings_schema(manifest)
    assert schema["properties"]["client_secret"]["writeOnly"] is True
    assert "tenant_id" not in schema["properties"]
    assert "tenant_id" not in schema["required"]


# The README's platform table: which capabilities answer each column.
README_COLUMNS = (
    {Capability.EVENTS_PULL, Capability.EVENTS_PUSH, Capability.DESKTOP_BRIDGE},
    {Capability.AGENT_SIGN_IN},
    {Capability.AGENT_ACTIONS, Capability.DESKTOP_ACTIONS},
    {Capability.EMBEDDING},
)
README = Path(__file__).parents[2] / "README.md"


def test_the_readme_offers_exactly_what_each_folder_declares() -> None:
    table = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ")
    ]
    rows = {cells[0]: cells[1:] for cells in table if len(cells) == len(README_COLUMNS) + 1}
    expected = {
        manifest.display_name: [
            "yes" if column & manifest.capabilities else "no" for column in README_COLUMNS
        ]
        for manifest in PLATFORMS.values()
    }
    expected |= {
        plan.display_name: [
            "planned" if column & plan.capabilities else "no" for column in README_COLUMNS
        ]
        for plan in PLANNED.values()
    }
    shown = {name.removesuffix(" (demo)"): cells for name, cells in rows.items()}
    assert {name: shown.get(name) for name in expected} == expected
