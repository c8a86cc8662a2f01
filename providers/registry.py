"""The explicit dict of platforms cuecard knows, and the helpers that read their manifests.

Adding a platform means one folder under ``providers/`` with a ``manifest.py`` and one line
in :data:`PLATFORMS`; the contract test in ``tests/providers/test_contract.py`` then checks
the folder like the others (docs/platforms.md walks through it).

Example::

    >>> manifest = get_platform("simulator")
    >>> settings = parse_settings(manifest, {"tenant_id": "demo", "scripts": ["chat.json"]})
    >>> adapter = build_adapter(manifest, settings)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from pydantic import SecretStr, ValidationError

from providers.base import (
    Adapter,
    Capability,
    Manifest,
    MemoryPositions,
    PositionStore,
    ProviderSettings,
)
from providers.eight_by_eight.manifest import MANIFEST as EIGHT_BY_EIGHT
from providers.errors import ProviderConfigError
from providers.five9.manifest import MANIFEST as FIVE9
from providers.genesys.manifest import MANIFEST as GENESYS
from providers.google_ccai.manifest import MANIFEST as GOOGLE_CCAI
from providers.salesforce.manifest import MANIFEST as SALESFORCE
from providers.simulator.manifest import MANIFEST as SIMULATOR

PLATFORMS: dict[str, Manifest] = {
    GENESYS.name: GENESYS,
    GOOGLE_CCAI.name: GOOGLE_CCAI,
    SALESFORCE.name: SALESFORCE,
    SIMULATOR.name: SIMULATOR,
    FIVE9.name: FIVE9,
    EIGHT_BY_EIGHT.name: EIGHT_BY_EIGHT,
}


@dataclass(frozen=True, slots=True)
class Planned:
    """A platform cuecard promises whose folder has not landed: pages show it as planned."""

    display_name: str
    capabilities: frozenset[Capability]


# Delete a platform's line here when its folder is registered above; every promised platform
# has landed.
PLANNED: dict[str, Planned] = {}

SourceKind = Literal["pull", "push"]


def get_platform(name: str, platforms: Mapping[str, Manifest] = PLATFORMS) -> Manifest:
    """The platform called ``name``; unknown names are a configuration error."""
    try:
        return platforms[name]
    except KeyError:
        known = ", ".join(sorted(platforms))
        raise ProviderConfigError(f"unknown provider {name!r} (known: {known})") from None


def planned(capability: Capability | None = None) -> list[str]:
    """Display names of the planned platforms (those that will have ``capability``)."""
    return [
        plan.display_name
        for plan in PLANNED.values()
        if capability is None or capability in plan.capabilities
    ]


def storable(platforms: Mapping[str, Manifest] = PLATFORMS) -> dict[str, Manifest]:
    """The platforms admins may store integrations of."""
    return {name: manifest for name, manifest in platforms.items() if manifest.storable}


def with_capability(
    capability: Capability, platforms: Mapping[str, Manifest] = PLATFORMS
) -> dict[str, Manifest]:
    """The platforms that declare ``capability``."""
    return {name: manifest for name, manifest in platforms.items() if manifest.has(capability)}


def source_kind(manifest: Manifest) -> SourceKind | None:
    """Whether the platform's server-side event source pulls or is pushed to, if it has one."""
    if manifest.has(Capability.EVENTS_PULL):
        return "pull"
    if manifest.has(Capability.EVENTS_PUSH):
        return "push"
    return None


def parse_settings(manifest: Manifest, data: Mapping[str, Any]) -> ProviderSettings:
    """Validate one settings section; errors become ``ProviderConfigError``."""
    try:
        return manifest.settings.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
            for error in err.errors()
        )
        raise ProviderConfigError(f"{manifest.name} settings: {problems}") from err


def secret_fields(manifest: Manifest) -> frozenset[str]:
    """Settings fields holding secrets: stored sealed and never shown back."""
    return frozenset(
        name
        for name, field in manifest.settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    )


def secret_destinations(manifest: Manifest) -> frozenset[str]:
    """Settings fields marked ``SECRET_DESTINATION``: where the secret settings are sent."""
    return frozenset(
        name
        for name, field in manifest.settings.model_fields.items()
        if isinstance(field.json_schema_extra, dict)
        and field.json_schema_extra.get("secretDestination") is True
    )


def settings_schema(manifest: Manifest) -> dict[str, Any]:
    """The JSON schema of the settings an admin enters (the tenant is implied)."""
    schema = manifest.settings.model_json_schema()
    schema["properties"].pop("tenant_id", None)
    schema["required"] = [name for name in schema.get("required", ()) if name != "tenant_id"]
    for name in secret_fields(manifest):
        schema["properties"][name]["writeOnly"] = True
    return schema


def build_adapter(
    manifest: Manifest,
    settings: ProviderSettings,
    *,
    queues: Iterable[str] = (),
    positions: PositionStore | None = None,
) -> Adapter:
    """The platform's event source for these settings.

    Adapters declaring ``Capability.QUEUE_WATCHING`` also get the queues admins mapped for
    the platform (``queues=``), those declaring ``Capability.STREAM_POSITIONS`` where their
    reading stopped (``positions=``, kept in memory when none is given); the others are
    built from their settings alone.
    """
    if manifest.adapter is None:
        raise ProviderConfigError(f"{manifest.name} has no server-side event source")
    if not isinstance(settings, manifest.settings):
        raise ProviderConfigError(
            f"{manifest.name} needs {manifest.settings.__name__}, not {type(settings).__name__}"
        )
    # Each adapter's constructor takes its own settings class, checked just above.
    factory = cast(Callable[..., Adapter], manifest.adapter)
    options: dict[str, Any] = {}
    if manifest.has(Capability.QUEUE_WATCHING):
        options["queues"] = tuple(sorted(set(queues)))
    if manifest.has(Capability.STREAM_POSITIONS):
        options["positions"] = positions if positions is not None else MemoryPositions()
    return factory(settings, **options)
