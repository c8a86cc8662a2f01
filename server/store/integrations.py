"""Provider integrations: a tenant's platform connections, with their secrets sealed.

The store never sees plaintext credentials: callers seal the secret settings first (see
:class:`server.integrations.service.IntegrationService`) and pass the ciphertext with a hint
(the last four characters) per secret field.

Example::

    integration = await store.integrations.create(
        "acme", provider="acmedesk", name="Acme Desk EU", enabled=True,
        settings={"environment": "mypurecloud.ie", ...},
        sealed=SealedSettings(ciphertext="gAAAA...", hints={"client_secret": "x9Qa"}),
    )
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, select

from server.errors import NotFound
from server.store.engine import Database
from server.store.models import Integration
from server.store.schema import integrations, new_id, utcnow

_int = integrations.c
_PUBLIC = (
    _int.id,
    _int.tenant_id,
    _int.provider,
    _int.name,
    _int.enabled,
    _int.settings,
    _int.secret_hints,
    _int.created_at,
    _int.updated_at,
)
UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class SealedSettings:
    """The secret settings of one integration, encrypted together, and a hint per field."""

    ciphertext: str | None
    hints: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"SealedSettings(fields={sorted(self.hints)!r})"


def _own(tenant_id: str, integration_id: str) -> tuple[ColumnElement[bool], ...]:
    return _int.tenant_id == tenant_id, _int.id == integration_id


def _conflict(name: str) -> str:
    return f"an integration named {name!r} already exists"


class IntegrationRepository:
    """Create, change and read a tenant's integrations; every statement filters by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        tenant_id: str,
        *,
        provider: str,
        name: str,
        enabled: bool,
        settings: dict[str, Any],
        sealed: SealedSettings,
    ) -> Integration:
        """Add an integration; :class:`Conflict` if the tenant already has one of that name."""
        now, integration_id = utcnow(), new_id()
        row = {
            "id": integration_id,
            "tenant_id": tenant_id,
            "provider": provider,
            "name": name,
            "enabled": enabled,
            "settings": settings,
            "secrets_encrypted": sealed.ciphertext,
            "secret_hints": sealed.hints,
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.transaction(conflict=_conflict(name)) as conn:
            await conn.execute(integrations.insert().values(row))
        return await self._must_get(tenant_id, integration_id)

    async def update(
        self,
        tenant_id: str,
        integration_id: str,
        *,
        name: str = UNSET,
        enabled: bool = UNSET,
        settings: dict[str, Any] = UNSET,
        sealed: SealedSettings = UNSET,
    ) -> Integration:
        """Change the given fields; :class:`NotFound` if the tenant has no such integration."""
        given = {"name": name, "enabled": enabled, "settings": settings}
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not UNSET}
        if sealed is not UNSET:
            changes.update(secrets_encrypted=sealed.ciphertext, secret_hints=sealed.hints)
        changes["updated_at"] = utcnow()
        statement = integrations.update().where(*_own(tenant_id, integration_id))
        async with self._db.transaction(conflict=_conflict(str(name))) as conn:
            result = await conn.execute(statement.values(changes))
        if result.rowcount == 0:
            raise NotFound("no such integration")
        return await self._must_get(tenant_id, integration_id)

    async def get(self, tenant_id: str, integration_id: str) -> Integration | None:
        """The tenant's integration with this id; another tenant's is ``None``."""
        rows = await self._select(*_own(tenant_id, integration_id))
        return rows[0] if rows else None

    async def list(self, tenant_id: str) -> builtins.list[Integration]:
        """The tenant's integrations, by name."""
        return await self._select(_int.tenant_id == tenant_id)

    async def enabled(self) -> builtins.list[Integration]:
        """Every tenant's enabled integrations: what a starting server runs."""
        return await self._select(_int.enabled.is_(True))

    async def sealed_secrets(self, tenant_id: str, integration_id: str) -> str | None:
        """The stored ciphertext of the integration's secrets, for the code that connects."""
        statement = select(_int.secrets_encrypted).where(*_own(tenant_id, integration_id))
        async with self._db.reading() as conn:
            value = await conn.scalar(statement)
        return None if value is None else str(value)

    async def delete(self, tenant_id: str, integration_id: str) -> bool:
        """Remove an integration; False if the tenant had none with this id."""
        async with self._db.transaction() as conn:
            result = await conn.execute(
                delete(integrations).where(*_own(tenant_id, integration_id))
            )
        return result.rowcount > 0

    async def _must_get(self, tenant_id: str, integration_id: str) -> Integration:
        found = await self.get(tenant_id, integration_id)
        if found is None:
            raise NotFound("no such integration")
        return found

    async def _select(self, *where: ColumnElement[bool]) -> builtins.list[Integration]:
        statement = select(*_PUBLIC).where(*where).order_by(_int.tenant_id, _int.name, _int.id)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Integration.model_validate(row) for row in rows]
