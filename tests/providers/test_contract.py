"""The contract every registered adapter must follow, checked over the whole registry."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

import providers
from providers.base import Adapter, ProviderSettings, PullAdapter, PushAdapter
from providers.registry import ADAPTERS, AdapterSpec

PROVIDERS_DIR = Path(providers.__file__).parent
FIXTURES = Path(__file__).parent
HOUSE_FILES = ("adapter.py", "config.py", "client.py", "mapping.py", "const.py")

# One working settings section per adapter, so the contract can build each of them.
EXAMPLE_SETTINGS: dict[str, dict[str, Any]] = {
    "genesys": {
        "tenant_id": "acme",
        "environment": "mypurecloud.ie",
        "organization_id": "7a1c4e7e-0000-4c1a-9f0e-000000000001",
        "client_id": "3f2a9c1e-client",
        "client_secret": "not-a-real-secret",
        "queue_ids": ["fd17c2e4-queue"],
    },
    "simulator": {
        "tenant_id": "acme",
        "scripts": [FIXTURES / "simulator" / "fixtures" / "chat.json"],
        "speed": 1000,
    },
}

specs = pytest.mark.parametrize("spec", list(ADAPTERS.values()), ids=list(ADAPTERS))


def test_registry_keys_are_spec_names() -> None:
    assert all(key == spec.name for key, spec in ADAPTERS.items())


@specs
def test_adapter_name_matches_registry_key(spec: AdapterSpec) -> None:
    assert spec.adapter_cls.name == spec.name


@specs
def test_settings_model_is_a_frozen_strict_provider_settings(spec: AdapterSpec) -> None:
    assert issubclass(spec.settings_cls, ProviderSettings)
    assert spec.settings_cls.model_config.get("frozen") is True
    assert spec.settings_cls.model_config.get("extra") == "forbid"


@specs
def test_adapter_lives_in_its_own_house_style_folder(spec: AdapterSpec) -> None:
    folder = PROVIDERS_DIR / spec.name
    assert [name for name in HOUSE_FILES if not (folder / name).is_file()] == []
    assert spec.adapter_cls.__module__ == f"providers.{spec.name}.adapter"
    assert spec.settings_cls.__module__ == f"providers.{spec.name}.config"


@specs
def test_adapter_implements_its_kind(spec: AdapterSpec) -> None:
    assert inspect.iscoroutinefunction(spec.adapter_cls.aclose)
    if spec.kind == "pull":
        assert inspect.isasyncgenfunction(getattr(spec.adapter_cls, "listen", None))
    else:
        assert inspect.iscoroutinefunction(getattr(spec.adapter_cls, "verify", None))
        assert callable(getattr(spec.adapter_cls, "parse", None))


@specs
async def test_built_adapter_satisfies_the_protocol(spec: AdapterSpec) -> None:
    assert spec.name in EXAMPLE_SETTINGS, "add example settings for the new adapter above"
    adapter = spec.create(spec.parse_settings(EXAMPLE_SETTINGS[spec.name]))
    protocol = PullAdapter if spec.kind == "pull" else PushAdapter
    assert isinstance(adapter, Adapter)
    assert isinstance(adapter, protocol)
    await adapter.aclose()


def test_providers_never_import_the_server() -> None:
    offenders = [
        f"{path.relative_to(PROVIDERS_DIR)}:{node.lineno}"
        for path in PROVIDERS_DIR.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom) and _imports_server_or_widget(node)
    ]
    assert offenders == []


def _imports_server_or_widget(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):
        roots = [alias.name.split(".")[0] for alias in node.names]
    else:
        roots = [node.module.split(".")[0]] if node.module and node.level == 0 else []
    return any(root in {"server", "widget"} for root in roots)
