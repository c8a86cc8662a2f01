"""Keep this node's search index, route cache and dense switch in step with the database.

The REST API calls the ``*_changed`` methods after each committed write: they apply the change
here at once and publish it; :meth:`ConfigSync.apply` is how the other nodes receive it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from server.assist.base import Assistant
from server.cluster.bus import ConfigBus, ConfigChange
from server.queues.resolver import RouteResolver
from server.store.database import Store
from server.store.models import Document, KnowledgeBase

log = logging.getLogger(__name__)


class IntegrationRunner(Protocol):
    """What runs the tenants' integrations (server.integrations.supervisor)."""

    async def reload(self, tenant_id: str, integration_id: str) -> None: ...

    async def queues_changed(self, tenant_id: str) -> None: ...

    async def resync(self) -> None: ...


class ConfigSync:
    """Applies configuration changes to this node and relays them to the others."""

    def __init__(
        self,
        *,
        store: Store,
        assistant: Assistant,
        resolver: RouteResolver,
        bus: ConfigBus,
        runner: IntegrationRunner | None = None,
    ) -> None:
        self._store = store
        self._assistant = assistant
        self._resolver = resolver
        self._bus = bus
        # Integration and queue changes also reach the runner of the integrations, if any.
        self._runner = runner
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def editing(self, kb_id: str) -> AsyncIterator[None]:
        """Hold while writing a knowledge base and updating its index, so updates stay ordered."""
        async with self._locks.setdefault(kb_id, asyncio.Lock()):
            yield

    async def documents_changed(
        self, kb: KnowledgeBase, upserted: Sequence[Document], deleted: Sequence[str]
    ) -> None:
        """Documents were written or deleted: update the index incrementally."""
        await self._assistant.update(kb, upserted, deleted)
        await self._bus.publish(
            ConfigChange(
                kind="kb",
                tenant_id=kb.tenant_id,
                kb_id=kb.id,
                upserted=tuple(doc.external_id for doc in upserted),
                deleted=tuple(deleted),
            )
        )

    async def knowledge_base_changed(self, kb: KnowledgeBase, *, created: bool = False) -> None:
        """A knowledge base was created, renamed or made (or unmade) the default."""
        if created:
            await self._assistant.load(kb, [])
        else:
            await self._assistant.update(kb, [], [])
        self._resolver.invalidate(kb.tenant_id)
        await self._bus.publish(
            ConfigChange(kind="kb", tenant_id=kb.tenant_id, kb_id=kb.id, created=created)
        )

    async def reindex(self, kb: KnowledgeBase) -> int:
        """Rebuild a knowledge base's index from the database here and on every node."""
        async with self.editing(kb.id):
            documents = await self._store.documents.list(kb.tenant_id, kb.id)
            await self._assistant.load(kb, documents)
        # Other nodes treat a "created" change as "load it whole from the database".
        await self._bus.publish(
            ConfigChange(kind="kb", tenant_id=kb.tenant_id, kb_id=kb.id, created=True)
        )
        return len(documents)

    async def knowledge_base_dropped(self, tenant_id: str, kb_id: str) -> None:
        """A knowledge base was deleted."""
        await self._assistant.drop(kb_id)
        self._locks.pop(kb_id, None)
        self._resolver.invalidate(tenant_id)
        await self._bus.publish(ConfigChange(kind="kb_dropped", tenant_id=tenant_id, kb_id=kb_id))

    async def routes_changed(self, tenant_id: str) -> None:
        """The tenant's queue mappings changed."""
        self._resolver.invalidate(tenant_id)
        if self._runner is not None:
            await self._runner.queues_changed(tenant_id)
        await self._bus.publish(ConfigChange(kind="routes", tenant_id=tenant_id))

    async def integration_changed(self, tenant_id: str, integration_id: str) -> None:
        """An integration was created, changed or deleted: (re)start or stop its adapter."""
        if self._runner is not None:
            await self._runner.reload(tenant_id, integration_id)
        change = ConfigChange(
            kind="integration", tenant_id=tenant_id, integration_id=integration_id
        )
        await self._bus.publish(change)

    async def dense_changed(self, tenant_id: str, enabled: bool) -> None:
        """The tenant's dense-retrieval switch changed."""
        await self._assistant.set_dense(tenant_id, enabled)
        await self._bus.publish(ConfigChange(kind="dense", tenant_id=tenant_id, enabled=enabled))

    async def apply(self, change: ConfigChange) -> None:
        """Apply another node's change, reading the current state from the database."""
        log.debug("config change %s for tenant %s from another node", change.kind, change.tenant_id)
        if change.kind == "dense" and change.enabled is not None:
            await self._assistant.set_dense(change.tenant_id, change.enabled)
            return
        if change.kind == "integration":
            await self._apply_integration(change)
            return
        self._resolver.invalidate(change.tenant_id)
        if change.kind == "routes" and self._runner is not None:
            await self._runner.queues_changed(change.tenant_id)
        if change.kb_id is not None and change.kind in ("kb", "kb_dropped"):
            async with self.editing(change.kb_id):
                await self._refresh(change)

    async def resync(self) -> None:
        """Reload everything, after changes may have been missed."""
        self._resolver.invalidate()
        for kb in await self._store.knowledge_bases.all():
            async with self.editing(kb.id):
                docs = await self._store.documents.list(kb.tenant_id, kb.id)
                await self._assistant.load(kb, docs)
        for tenant in await self._store.tenants.list():
            await self._assistant.set_dense(tenant.id, tenant.dense_retrieval)
        if self._runner is not None:
            await self._runner.resync()

    async def _apply_integration(self, change: ConfigChange) -> None:
        if self._runner is not None and change.integration_id is not None:
            await self._runner.reload(change.tenant_id, change.integration_id)

    async def _refresh(self, change: ConfigChange) -> None:
        assert change.kb_id is not None
        kb = await self._store.knowledge_bases.get(change.tenant_id, change.kb_id)
        if kb is None:
            await self._assistant.drop(change.kb_id)
            return
        if change.created:
            await self._assistant.load(kb, await self._store.documents.list(kb.tenant_id, kb.id))
            return
        found = await self._store.documents.get_many(kb.tenant_id, kb.id, change.upserted)
        # A document upserted there and deleted since is gone here too.
        gone = set(change.upserted) - {doc.external_id for doc in found}
        await self._assistant.update(kb, found, [*change.deleted, *sorted(gone)])
