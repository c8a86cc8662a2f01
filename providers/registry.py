"""The explicit list of provider adapters cuecard can run.

Adding a platform means one folder under ``providers/`` and one line in :data:`ADAPTERS`;
the contract test in ``tests/providers/test_contract.py`` then checks it like the others.

Example::

    >>> spec = get_spec("simulator")
    >>> settings = spec.parse_settings({"tenant_id": "demo", "scripts": ["chat.json"]})
    >>> adapter = spec.create(settings)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from pydantic import SecretStr, ValidationError

from providers.base import Adapter, Manifest, ProviderSettings
from providers.errors import ProviderConfigError
from providers.genesys import GenesysAdapter, GenesysSettings
from providers.simulator import SimulatorAdapter, SimulatorSettings
from providers.simulator.manifest import MANIFEST as SIMULATOR

AdapterKind = Literal["pull", "push"]


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    """What the server needs to know to configure and run one adapter."""

    name: str
    adapter_cls: type[Adapter]
    settings_cls: type[ProviderSettings]
    kind: AdapterKind
    # Whether admins may store integrations of this adapter (the simulator reads server files).
    storable: bool = True

    def parse_settings(self, data: Mapping[str, Any]) -> ProviderSettings:
        """Validate this adapter's settings section; errors become ``ProviderConfigError``."""
        try:
            return self.settings_cls.model_validate(data)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
                for error in err.errors()
            )
            raise ProviderConfigError(f"{self.name} settings: {problems}") from err

    @property
    def secret_fields(self) -> frozenset[str]:
        """Settings fields holding secrets: stored sealed and never shown back."""
        return frozenset(
            name
            for name, field in self.settings_cls.model_fields.items()
            if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
        )

    def settings_schema(self) -> dict[str, Any]:
        """The JSON schema of the settings an admin enters (the tenant is implied)."""
        schema = self.settings_cls.model_json_schema()
        schema["properties"].pop("tenant_id", None)
        schema["required"] = [name for name in schema.get("required", ()) if name != "tenant_id"]
        for name in self.secret_fields:
            schema["properties"][name]["writeOnly"] = True
        return schema

    def create(self, settings: ProviderSettings) -> Adapter:
        """Build the adapter from settings of its own settings class."""
        if not isinstance(settings, self.settings_cls):
            raise ProviderConfigError(
                f"{self.name} needs {self.settings_cls.__name__}, not {type(settings).__name__}"
            )
        # Each adapter's constructor takes its own settings class, checked just above.
        factory = cast(Callable[[ProviderSettings], Adapter], self.adapter_cls)
        return factory(settings)


ADAPTERS: dict[str, AdapterSpec] = {
    "genesys": AdapterSpec(
        name="genesys",
        adapter_cls=GenesysAdapter,
        settings_cls=GenesysSettings,
        kind="pull",
    ),
    "simulator": AdapterSpec(
        name="simulator",
        adapter_cls=SimulatorAdapter,
        settings_cls=SimulatorSettings,
        kind="pull",
        storable=False,
    ),
}


def storable_specs() -> dict[str, AdapterSpec]:
    """The adapters admins may configure as stored integrations."""
    return {name: spec for name, spec in ADAPTERS.items() if spec.storable}


def get_spec(name: str) -> AdapterSpec:
    """The registered adapter called ``name``; unknown names are a configuration error."""
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise ProviderConfigError(f"unknown provider {name!r} (known: {known})") from None


# The platforms that declare a manifest (providers/base.py). Issue 9's contract work turns this
# module into one dict of manifests; until it lands, the desktop bridge and the platform widget
# pages read this one.
MANIFESTS: dict[str, Manifest] = {SIMULATOR.name: SIMULATOR}
