"""/api/v1/tenant: the authenticated tenant's own settings."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import json_out, not_found, read_model
from server.api.models import TenantOut, TenantPatch
from server.api.openapi import api_doc
from server.keys import CONFIG_SYNC, STORE
from server.middlewares import request_tenant
from server.store.models import Tenant

routes = web.RouteTableDef()
TENANT = "/api/v1/tenant"


async def _tenant(request: web.Request) -> Tenant:
    tenant = await request.app[STORE].tenants.get(await request_tenant(request))
    if tenant is None:
        raise not_found("tenant")
    return tenant


@routes.get(TENANT)
@api_doc(response=TenantOut)
async def get_tenant(request: web.Request) -> web.Response:
    """The tenant's settings."""
    return json_out(TenantOut.of(await _tenant(request)))


@routes.patch(TENANT)
@api_doc(body=TenantPatch, response=TenantOut)
async def patch_tenant(request: web.Request) -> web.Response:
    """Change dense retrieval and/or the desktop origins allowed to frame the widget."""
    body = await read_model(request, TenantPatch)
    tenant = await _tenant(request)
    tenants = request.app[STORE].tenants
    if body.allowed_origins is not None:
        tenant = await tenants.set_allowed_origins(tenant.id, body.allowed_origins)
    if body.dense_retrieval is not None and body.dense_retrieval != tenant.dense_retrieval:
        tenant = await tenants.set_dense_retrieval(tenant.id, body.dense_retrieval)
        await request.app[CONFIG_SYNC].dense_changed(tenant.id, tenant.dense_retrieval)
    return json_out(TenantOut.of(tenant))
