"""Integrations as the API and the admin pages see them: validated, sealed, checkable.

Settings are validated by the provider's own settings model; its secret fields are sealed
before they reach the database and are only ever shown back masked.

Example::

    service = IntegrationService(store=store, box=box, platforms=storable())
    view = await service.create("acme", IntegrationIn(provider="acmedesk", name="EU", settings=s))
    result = await service.check("acme", view.id)   # CheckResult(ok=False, message="...")
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from pydantic import SecretStr, ValidationError

from providers.base import Checkable, Manifest, ProviderSettings
from providers.errors import ProviderConfigError, ProviderError
from providers.registry import (
    build_adapter,
    parse_settings,
    secret_destinations,
    secret_fields,
    source_kind,
)
from server.errors import InvalidInput, NotFound, invalid_input
from server.integrations.desktop import desktop_only
from server.integrations.models import (
    MASK,
    CheckResult,
    IntegrationIn,
    IntegrationPatch,
    IntegrationView,
)
from server.secret_box import SecretBox
from server.store.database import Store
from server.store.integrations import SealedSettings
from server.store.models import Integration

log = logging.getLogger(__name__)

# A connection test the platform never answers must still end with a message for the admin.
CHECK_TIMEOUT_SECONDS = 15.0
ChangeListener = Callable[[str, str], Awaitable[None]]


class IntegrationService:
    """Create, change, read and test a tenant's integrations; every call names the tenant."""

    def __init__(
        self,
        *,
        store: Store,
        box: SecretBox,
        platforms: Mapping[str, Manifest],
        http: aiohttp.ClientSession | None = None,
        check_timeout: float = CHECK_TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._http = http
        self._box = box
        self._platforms = platforms
        self._check_timeout = check_timeout
        self._listeners: builtins.list[ChangeListener] = []

    @property
    def platforms(self) -> Mapping[str, Manifest]:
        """The platforms integrations can be made for."""
        return self._platforms

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(tenant_id, integration_id)`` after every committed change."""
        self._listeners.append(listener)

    async def list(self, tenant_id: str) -> builtins.list[IntegrationView]:
        """The tenant's integrations, by name."""
        return [IntegrationView.of(row) for row in await self._store.integrations.list(tenant_id)]

    async def get(self, tenant_id: str, integration_id: str) -> IntegrationView:
        """One integration; :class:`NotFound` for another tenant's."""
        return IntegrationView.of(await self._row(tenant_id, integration_id))

    async def create(self, tenant_id: str, body: IntegrationIn) -> IntegrationView:
        """Validate the settings with the provider's model, seal the secrets, store."""
        manifest = self._manifest(body.provider)
        settings = self._validate(manifest, tenant_id, body.settings)
        plain, sealed = self._split(manifest, settings)
        row = await self._store.integrations.create(
            tenant_id,
            provider=manifest.name,
            name=body.name,
            enabled=body.enabled,
            settings=plain,
            sealed=sealed,
        )
        await self._changed(tenant_id, row.id)
        return IntegrationView.of(row)

    async def update(
        self, tenant_id: str, integration_id: str, patch: IntegrationPatch
    ) -> IntegrationView:
        """Apply ``patch``; secret settings it leaves out (or sends back masked) are kept."""
        row = await self._row(tenant_id, integration_id)
        changes: dict[str, Any] = patch.model_dump(include={"name", "enabled"}, exclude_none=True)
        if patch.settings is not None:
            manifest = self._manifest(row.provider)
            stored, given = await self._secrets(row), _without_masked(patch.settings)
            merged = {**row.settings, **stored, **given}
            changes["settings"], changes["sealed"] = self._split(
                manifest, self._validate(manifest, tenant_id, merged)
            )
            _check_secrets_follow(
                manifest, row.settings, changes["settings"], set(stored) - set(given)
            )
        updated = await self._store.integrations.update(tenant_id, integration_id, **changes)
        await self._changed(tenant_id, integration_id)
        return IntegrationView.of(updated)

    async def delete(self, tenant_id: str, integration_id: str) -> None:
        """Remove an integration; its adapter stops."""
        if not await self._store.integrations.delete(tenant_id, integration_id):
            raise NotFound("no such integration")
        await self._changed(tenant_id, integration_id)

    async def settings(self, tenant_id: str, integration_id: str) -> ProviderSettings:
        """The integration's full settings, secrets opened, for the code that connects."""
        row = await self._row(tenant_id, integration_id)
        manifest = self._platforms.get(row.provider)
        if manifest is None:
            raise ProviderConfigError(f"provider {row.provider!r} is not available")
        data = {**row.settings, **await self._secrets(row), "tenant_id": tenant_id}
        return parse_settings(manifest, data)

    async def provider_settings(self, tenant_id: str, provider: str) -> ProviderSettings | None:
        """Settings of the tenant's first enabled integration of ``provider``, if any."""
        for row in await self._store.integrations.list(tenant_id):
            if row.provider == provider and row.enabled:
                return await self.settings(tenant_id, row.id)
        return None

    async def check(self, tenant_id: str, integration_id: str) -> CheckResult:
        """Run the platform's connection test; the result carries the platform's real error."""
        row = await self._row(tenant_id, integration_id)
        try:
            settings = await self.settings(tenant_id, integration_id)
            async with asyncio.timeout(self._check_timeout):
                found = await self._run_check(self._platforms[row.provider], settings)
        except ProviderError as err:
            return CheckResult(ok=False, code=err.code, message=str(err))
        except TimeoutError:
            message = f"{row.provider} did not answer within {self._check_timeout:g} s"
            return CheckResult(ok=False, code="provider_not_ready", message=message)
        except _NoCheck:
            message = f"{row.provider} has no connection test"
            return CheckResult(ok=False, code="check_unsupported", message=message)
        return CheckResult(ok=True, message=found)

    async def _run_check(self, manifest: Manifest, settings: ProviderSettings) -> str | None:
        """The platform's own check, else its adapter's; what it found, if it says."""
        if manifest.check is not None and self._http is not None:
            return await manifest.check(self._http).check(settings)
        if source_kind(manifest) is None:
            # Nothing to connect to: the settings are valid, and say what they allow.
            return desktop_only(manifest, settings)
        adapter = build_adapter(manifest, settings)
        try:
            if not isinstance(adapter, Checkable):
                raise _NoCheck
            return await adapter.check()
        finally:
            await adapter.aclose()

    async def _row(self, tenant_id: str, integration_id: str) -> Integration:
        row = await self._store.integrations.get(tenant_id, integration_id)
        if row is None:
            raise NotFound("no such integration")
        return row

    def _manifest(self, provider: str) -> Manifest:
        manifest = self._platforms.get(provider)
        if manifest is None:
            known = ", ".join(sorted(self._platforms)) or "none"
            raise InvalidInput(f"unknown provider {provider!r} (known: {known})", field="provider")
        return manifest

    def _validate(
        self, manifest: Manifest, tenant_id: str, data: Mapping[str, Any]
    ) -> ProviderSettings:
        if "tenant_id" in data:
            raise InvalidInput("the tenant is implied, not a setting", field="settings.tenant_id")
        try:
            return manifest.settings.model_validate({**data, "tenant_id": tenant_id})
        except ValidationError as err:
            raise invalid_input(err, prefix="settings") from err

    def _split(
        self, manifest: Manifest, settings: ProviderSettings
    ) -> tuple[dict[str, Any], SealedSettings]:
        secret_names = secret_fields(manifest)
        plain = settings.model_dump(mode="json", exclude={"tenant_id", *secret_names})
        secrets = {
            name: value.get_secret_value()
            for name in sorted(secret_names)
            if isinstance(value := getattr(settings, name), SecretStr)
        }
        if not secrets:
            return plain, SealedSettings(ciphertext=None)
        ciphertext = self._box.seal(json.dumps(secrets)).ciphertext
        return plain, SealedSettings(ciphertext, {k: v[-4:] for k, v in secrets.items()})

    async def _secrets(self, row: Integration) -> dict[str, str]:
        sealed = await self._store.integrations.sealed_secrets(row.tenant_id, row.id)
        if sealed is None:
            return {}
        opened: dict[str, str] = json.loads(self._box.open(sealed))
        return opened

    async def _changed(self, tenant_id: str, integration_id: str) -> None:
        for listener in self._listeners:
            await listener(tenant_id, integration_id)


class _NoCheck(Exception):
    """The platform's event source cannot test its settings."""


def _check_secrets_follow(
    manifest: Manifest, before: Mapping[str, Any], after: Mapping[str, Any], kept: set[str]
) -> None:
    """:class:`InvalidInput` if a setting saying where secrets go changes while a stored
    secret is kept: it was given for the old address, and would be read at the new one."""
    moved = sorted(
        name for name in secret_destinations(manifest) if before.get(name) != after.get(name)
    )
    if moved and kept:
        raise InvalidInput(
            f"send it again with a new {moved[0]}: a stored secret goes only where it was given",
            field=f"settings.{min(kept)}",
        )


def _without_masked(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Drop values the client sent back masked: they mean "keep what is stored"."""
    return {
        name: value
        for name, value in settings.items()
        if not (isinstance(value, str) and value.startswith(MASK))
    }
