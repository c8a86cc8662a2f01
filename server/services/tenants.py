"""Tenants and their API keys."""

from __future__ import annotations

import builtins

from server.auth.access import Permission, Principal, allowed
from server.cluster.sync import ConfigSync
from server.errors import NotFound
from server.services.models import TenantIn, TenantPatch
from server.store.database import Store
from server.store.models import ApiKey, Tenant


class TenantService:
    """Create, list and configure tenants; issue and revoke their API keys."""

    def __init__(self, store: Store, sync: ConfigSync) -> None:
        self._store = store
        self._sync = sync

    async def visible_to(self, principal: Principal) -> builtins.list[Tenant]:
        """The tenants ``principal`` may configure, by id."""
        tenants = await self._store.tenants.list()
        return [t for t in tenants if allowed(principal, Permission.CONFIGURE, t.id)]

    async def create(self, body: TenantIn) -> Tenant:
        """Add a tenant; :class:`Conflict` if its id is taken."""
        return await self._store.tenants.create(body.id, body.name, body.allowed_origins)

    async def get(self, tenant_id: str) -> Tenant:
        """One tenant; :class:`NotFound` if absent."""
        tenant = await self._store.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound("no such tenant")
        return tenant

    async def allowed_origins(self, tenant_id: str) -> tuple[str, ...]:
        """Origins the tenant lets frame the widget; none for an unknown tenant."""
        tenant = await self._store.tenants.get(tenant_id)
        return tenant.allowed_origins if tenant is not None else ()

    async def update(self, tenant_id: str, patch: TenantPatch) -> Tenant:
        """Apply the given fields; a dense-retrieval change reaches every node's index."""
        tenant = await self.get(tenant_id)
        tenants = self._store.tenants
        if patch.name is not None and patch.name != tenant.name:
            tenant = await tenants.rename(tenant_id, patch.name)
        if patch.allowed_origins is not None:
            tenant = await tenants.set_allowed_origins(tenant_id, patch.allowed_origins)
        if patch.dense_retrieval is not None and patch.dense_retrieval != tenant.dense_retrieval:
            tenant = await tenants.set_dense_retrieval(tenant_id, patch.dense_retrieval)
            await self._sync.dense_changed(tenant_id, patch.dense_retrieval)
        return tenant

    async def api_keys(self, tenant_id: str) -> builtins.list[ApiKey]:
        """The tenant's keys, oldest first, revoked ones included."""
        return await self._store.api_keys.list(tenant_id)

    async def issue_api_key(self, tenant_id: str) -> tuple[ApiKey, str]:
        """A new key and its plaintext, which is shown once and never stored."""
        return await self._store.api_keys.create(tenant_id)

    async def revoke_api_key(self, tenant_id: str, key_id: str) -> ApiKey:
        """Revoke one of the tenant's keys (servers forget it within 30 seconds)."""
        return await self._store.api_keys.revoke(tenant_id, key_id)
