"""Queue mappings and the LLM integrations they may name."""

from __future__ import annotations

import builtins
import re
from typing import Any

from providers.models import ID_CONTROLS
from server.cluster.sync import ConfigSync
from server.errors import InvalidInput, NotFound
from server.queues.resolver import RouteResolver
from server.secret_box import SecretBox
from server.services.models import (
    LlmIntegrationIn,
    LlmIntegrationPatch,
    MatchedRow,
    QueueMappingIn,
    ResolutionOut,
)
from server.store.database import Store
from server.store.models import LlmIntegration, QueueMapping

# The ids events carry never hold one (providers.models.Identifier): such a name never matches.
_CONTROL = re.compile(f"[{ID_CONTROLS}]")


class MappingService:
    """Which knowledge base, prompt and LLM serve each (provider, queue) of a tenant."""

    def __init__(self, store: Store, sync: ConfigSync, resolver: RouteResolver) -> None:
        self._store = store
        self._sync = sync
        self._resolver = resolver

    async def list(self, tenant_id: str) -> builtins.list[QueueMapping]:
        """The tenant's mappings, by provider then queue."""
        return await self._store.queue_mappings.list(tenant_id)

    async def get(self, tenant_id: str, provider: str, queue: str) -> QueueMapping:
        """One mapping; :class:`NotFound` if absent."""
        mapping = await self._store.queue_mappings.get(tenant_id, provider, queue)
        if mapping is None:
            raise NotFound("no such queue mapping")
        return mapping

    async def put(
        self, tenant_id: str, provider: str, queue: str, body: QueueMappingIn
    ) -> tuple[QueueMapping, bool]:
        """Create or replace a mapping; ``True`` if it is new. Routing changes at once."""
        for field, name in (("provider", provider), ("queue", queue)):
            if _CONTROL.search(name):
                raise InvalidInput("must not contain control characters", field=field)
        mapping, created = await self._store.queue_mappings.put(
            tenant_id, provider, queue, **body.model_dump()
        )
        await self._sync.routes_changed(tenant_id)
        return mapping, created

    async def delete(self, tenant_id: str, provider: str, queue: str) -> None:
        """Delete a mapping; its conversations fall back to the next rule."""
        if not await self._store.queue_mappings.delete(tenant_id, provider, queue):
            raise NotFound("no such queue mapping")
        await self._sync.routes_changed(tenant_id)

    async def resolve(
        self, tenant_id: str, provider: str | None, queue: str | None
    ) -> ResolutionOut:
        """The route a conversation on ``(provider, queue)`` gets, and the rule that chose it."""
        resolution = await self._resolver.explain(tenant_id, provider, queue)
        row = resolution.mapping
        return ResolutionOut(
            provider=provider,
            queue=queue,
            match=resolution.match.value,
            mapping=None if row is None else MatchedRow(provider=row.provider, queue=row.queue),
            route=resolution.route,
        )


class LlmIntegrationService:
    """OpenAI-compatible endpoints; their API keys are sealed before they are stored."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box

    async def list(self, tenant_id: str) -> builtins.list[LlmIntegration]:
        """The tenant's integrations, by name."""
        return await self._store.llm_integrations.list(tenant_id)

    async def get(self, tenant_id: str, integration_id: str) -> LlmIntegration:
        """One integration (never its key); :class:`NotFound` if absent."""
        integration = await self._store.llm_integrations.get(tenant_id, integration_id)
        if integration is None:
            raise NotFound("no such LLM integration")
        return integration

    async def create(self, tenant_id: str, body: LlmIntegrationIn) -> LlmIntegration:
        """Add an integration."""
        key = body.api_key
        return await self._store.llm_integrations.create(
            tenant_id,
            name=body.name,
            base_url=str(body.base_url),
            model=body.model,
            api_key=None if key is None else self._box.seal(key.get_secret_value()),
        )

    async def update(
        self, tenant_id: str, integration_id: str, patch: LlmIntegrationPatch
    ) -> LlmIntegration:
        """Change the given fields; an explicit ``api_key: null`` removes the key.

        A new ``base_url`` needs the key (or ``null``) again: the stored key is write-only,
        and sent on to an address of the caller's choosing it would be read there.
        """
        if patch.base_url is not None and "api_key" not in patch.model_fields_set:
            current = await self.get(tenant_id, integration_id)
            if current.has_api_key and str(patch.base_url) != current.base_url:
                raise InvalidInput(
                    "send the API key again (or null) with a new base_url", field="api_key"
                )
        changes: dict[str, Any] = {}
        for name in ("name", "model", "base_url"):
            value = getattr(patch, name)
            if value is not None:
                changes[name] = str(value)
        if "api_key" in patch.model_fields_set:
            key = patch.api_key
            changes["api_key"] = None if key is None else self._box.seal(key.get_secret_value())
        return await self._store.llm_integrations.update(tenant_id, integration_id, **changes)

    async def delete(self, tenant_id: str, integration_id: str) -> None:
        """Delete an integration; :class:`Conflict` while a mapping uses it."""
        if not await self._store.llm_integrations.delete(tenant_id, integration_id):
            raise NotFound("no such LLM integration")
