"""LLM integrations: OpenAI-compatible endpoints whose API keys are stored sealed.

The store never sees a plaintext key: callers seal it first (see
:class:`server.secret_box.SecretBox`) and pass the ciphertext with the key's last four
characters, which is all that is ever shown back.

Example::

    sealed = box.seal("sk-live-1234")
    integration = await store.llm_integrations.create(
        "acme", name="openai", base_url="https://api.openai.com/v1", model="gpt-4o-mini",
        api_key=sealed,
    )
    assert integration.api_key_last4 == "1234"
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, select

from server.errors import NotFound
from server.store.engine import Database
from server.store.models import LlmIntegration
from server.store.schema import llm_integrations, new_id, utcnow

_llm = llm_integrations.c
_PUBLIC = (
    _llm.id,
    _llm.tenant_id,
    _llm.name,
    _llm.base_url,
    _llm.model,
    _llm.api_key_last4,
    _llm.api_key_encrypted.is_not(None).label("has_api_key"),
    _llm.created_at,
    _llm.updated_at,
)
UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class SealedKey:
    """An encrypted API key and its last four plaintext characters."""

    ciphertext: str
    last4: str

    def __repr__(self) -> str:
        return f"SealedKey(last4={self.last4!r})"


def _key_columns(api_key: SealedKey | None) -> dict[str, str | None]:
    if api_key is None:
        return {"api_key_encrypted": None, "api_key_last4": None}
    return {"api_key_encrypted": api_key.ciphertext, "api_key_last4": api_key.last4}


def _own(tenant_id: str, integration_id: str) -> tuple[ColumnElement[bool], ...]:
    return _llm.tenant_id == tenant_id, _llm.id == integration_id


class LlmIntegrationRepository:
    """Create, change and read a tenant's LLM integrations; every statement filters by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, tenant_id: str, *, name: str, base_url: str, model: str, api_key: SealedKey | None
    ) -> LlmIntegration:
        """Add an integration; :class:`Conflict` if the tenant already has one of that name."""
        now, integration_id = utcnow(), new_id()
        row = {
            "id": integration_id,
            "tenant_id": tenant_id,
            "name": name,
            "base_url": base_url,
            "model": model,
            "created_at": now,
            "updated_at": now,
            **_key_columns(api_key),
        }
        conflict = f"an LLM integration named {name!r} already exists"
        async with self._db.transaction(conflict=conflict) as conn:
            await conn.execute(llm_integrations.insert().values(row))
        found = await self.get(tenant_id, integration_id)
        assert found is not None
        return found

    async def update(
        self,
        tenant_id: str,
        integration_id: str,
        *,
        name: str = UNSET,
        base_url: str = UNSET,
        model: str = UNSET,
        api_key: SealedKey | None = UNSET,
    ) -> LlmIntegration:
        """Change the given fields (``api_key=None`` removes the key); :class:`NotFound` if none."""
        given = {"name": name, "base_url": base_url, "model": model}
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not UNSET}
        if api_key is not UNSET:
            changes.update(_key_columns(api_key))
        changes["updated_at"] = utcnow()
        statement = llm_integrations.update().where(*_own(tenant_id, integration_id))
        conflict = f"an LLM integration named {name!r} already exists"
        async with self._db.transaction(conflict=conflict) as conn:
            result = await conn.execute(statement.values(changes))
        if result.rowcount == 0:
            raise NotFound(f"no LLM integration {integration_id!r}")
        found = await self.get(tenant_id, integration_id)
        assert found is not None
        return found

    async def get(self, tenant_id: str, integration_id: str) -> LlmIntegration | None:
        """The tenant's integration with this id; another tenant's is ``None``."""
        rows = await self._select(*_own(tenant_id, integration_id))
        return rows[0] if rows else None

    async def list(self, tenant_id: str) -> builtins.list[LlmIntegration]:
        """The tenant's integrations, by name."""
        return await self._select(_llm.tenant_id == tenant_id)

    async def sealed_api_key(self, tenant_id: str, integration_id: str) -> str | None:
        """The stored ciphertext of the integration's key, for the code that calls the LLM."""
        statement = select(_llm.api_key_encrypted).where(*_own(tenant_id, integration_id))
        async with self._db.reading() as conn:
            value = await conn.scalar(statement)
        return None if value is None else str(value)

    async def delete(self, tenant_id: str, integration_id: str) -> bool:
        """Remove an integration; :class:`Conflict` while a queue mapping still uses it."""
        conflict = "a queue mapping still uses this LLM integration; change the mapping first"
        async with self._db.transaction(conflict=conflict) as conn:
            result = await conn.execute(
                delete(llm_integrations).where(*_own(tenant_id, integration_id))
            )
        return result.rowcount > 0

    async def _select(self, *where: ColumnElement[bool]) -> builtins.list[LlmIntegration]:
        statement = select(*_PUBLIC).where(*where).order_by(_llm.name, _llm.id)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [LlmIntegration.model_validate(row) for row in rows]
