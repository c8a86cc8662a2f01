"""The contract every registered platform follows, checked over the whole registry (hassfest).

Each platform is one folder ``providers/<name>/`` with the house file names, a manifest whose
declared capabilities are exactly the ones implemented, a documented settings model, and a
test folder ``tests/providers/<name>/`` whose ``fixtures/settings.json`` is a working
settings section (the tenant is implied). docs/platforms.md explains each rule.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

import providers
from providers.base import Capability, Manifest, ProviderSettings
from providers.registry import PLATFORMS, parse_settings
from tests.fixtures import hookdesk
from tests.fixtures.hookdesk.config import HookdeskSettings
from tests.fixtures.hookdesk.manifest import MANIFEST as HOOKDESK
from tests.providers.contract import (
    field_problems,
    folder_problems,
    placement_problems,
    protocol_problems,
    server_imports,
    settings_problems,
)

PROVIDERS_DIR = Path(providers.__file__).parent
REPOSITORY = PROVIDERS_DIR.parent
TESTS_DIR = Path(__file__).parent
NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")

HOOKDESK_SETTINGS = HookdeskSettings(tenant_id="acme", signing_secret=SecretStr("s" * 32))

platforms = pytest.mark.parametrize("manifest", list(PLATFORMS.values()), ids=list(PLATFORMS))


def example_settings(manifest: Manifest) -> ProviderSettings:
    """The platform's example settings from its test folder, for the tenant acme."""
    path = TESTS_DIR / manifest.name / "fixtures" / "settings.json"
    assert path.is_file(), f"add {path.relative_to(REPOSITORY)}: a working settings section"
    return parse_settings(manifest, {**json.loads(path.read_text()), "tenant_id": "acme"})


def test_registry_keys_are_manifest_names() -> None:
    assert all(key == manifest.name for key, manifest in PLATFORMS.items())


def test_display_names_are_distinct() -> None:
    names = [manifest.display_name.casefold() for manifest in PLATFORMS.values()]
    assert len(set(names)) == len(names)


@platforms
def test_name_is_a_lowercase_identifier(manifest: Manifest) -> None:
    # It is a URL segment (/widget/<name>, /auth/<name>/login) and a Python package name;
    # names that start with a digit ("8x8") are spelt out ("eight_by_eight").
    assert NAME.fullmatch(manifest.name)


@platforms
def test_folder_has_the_house_files_of_its_capabilities(manifest: Manifest) -> None:
    assert folder_problems(manifest, PROVIDERS_DIR / manifest.name) == []


@platforms
def test_each_part_lives_in_its_house_file(manifest: Manifest) -> None:
    assert placement_problems(manifest, f"providers.{manifest.name}") == []


@platforms
def test_declared_capabilities_and_fields_match(manifest: Manifest) -> None:
    assert field_problems(manifest) == []


@platforms
def test_settings_model_is_strict_and_documented(manifest: Manifest) -> None:
    assert settings_problems(manifest) == []


@platforms
async def test_every_declared_capability_implements_its_protocol(
    manifest: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPOSITORY)  # example settings name files relative to the repository
    assert await protocol_problems(manifest, example_settings(manifest)) == []


@platforms
def test_platform_has_a_test_folder_and_its_docs_exist(manifest: Manifest) -> None:
    assert (TESTS_DIR / manifest.name / "__init__.py").is_file()
    assert manifest.docs is not None, "name the platform's install guide"
    assert (REPOSITORY / manifest.docs).is_file()


def test_providers_never_import_the_server_or_the_widget() -> None:
    assert server_imports(PROVIDERS_DIR) == []


async def test_the_push_platform_of_the_tests_follows_the_contract_too() -> None:
    folder = Path(hookdesk.__file__).parent
    assert folder_problems(HOOKDESK, folder) == []
    assert placement_problems(HOOKDESK, "tests.fixtures.hookdesk") == []
    assert field_problems(HOOKDESK) == []
    assert settings_problems(HOOKDESK) == []
    assert await protocol_problems(HOOKDESK, HOOKDESK_SETTINGS) == []


class Undocumented(ProviderSettings):
    token: str


async def test_the_checks_name_what_a_broken_platform_gets_wrong(tmp_path: Path) -> None:
    broken = dataclasses.replace(
        HOOKDESK,
        settings=Undocumented,
        capabilities=frozenset({Capability.EVENTS_PULL, Capability.EMBEDDING}),
    )
    for name in ("__init__.py", "manifest.py", "adapter.py", "utils.py"):
        (tmp_path / name).write_text("")
    assert folder_problems(broken, tmp_path) == [
        "missing config.py",
        "embed.py missing",
        "utils.py: not a house file name (private modules start with _)",
    ]
    assert field_problems(broken) == ["embedding is not set"]
    assert settings_problems(broken) == [
        "settings field token has neither a description nor a title"
    ]
    assert placement_problems(broken, "tests.fixtures.hookdesk") == [
        "tests.fixtures.hookdesk.manifest.MANIFEST is not the registered manifest",
        f"settings is defined in {__name__}, not tests.fixtures.hookdesk.config",
    ]
    as_pull = dataclasses.replace(HOOKDESK, capabilities=frozenset({Capability.EVENTS_PULL}))
    assert await protocol_problems(as_pull, HOOKDESK_SETTINGS) == [
        "HookdeskAdapter lacks PullAdapter.listen",
        "listen must be an async generator",
    ]
