"""/api/v1/tenant (the caller's tenant) and /api/v1/tenants (platform admins: all tenants)."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import items_out, json_out, read_model
from server.api.models import TenantOut
from server.api.openapi import api_doc
from server.auth.access import Permission, authorize
from server.keys import TENANTS
from server.middlewares import request_principal, request_tenant
from server.services.models import TenantIn, TenantPatch

routes = web.RouteTableDef()
TENANT = "/api/v1/tenant"
ALL = "/api/v1/tenants"
ONE = ALL + "/{tenant_id}"


@routes.get(TENANT)
@api_doc(response=TenantOut)
async def get_tenant(request: web.Request) -> web.Response:
    """The tenant's settings."""
    return json_out(TenantOut.of(await request.app[TENANTS].get(await request_tenant(request))))


@routes.patch(TENANT)
@api_doc(body=TenantPatch, response=TenantOut)
async def patch_tenant(request: web.Request) -> web.Response:
    """Change the name, dense retrieval and/or the desktop origins allowed to frame the widget."""
    body = await read_model(request, TenantPatch)
    tenant = await request.app[TENANTS].update(await request_tenant(request), body)
    return json_out(TenantOut.of(tenant))


@routes.get(ALL)
@api_doc(response=TenantOut, items=True)
async def list_tenants(request: web.Request) -> web.Response:
    """Every tenant for a platform admin; the caller's own otherwise."""
    tenants = await request.app[TENANTS].visible_to(request_principal(request))
    return items_out([TenantOut.of(tenant) for tenant in tenants])


@routes.post(ALL)
@api_doc(body=TenantIn, response=TenantOut, status=201, errors=(403, 409))
async def create_tenant(request: web.Request) -> web.Response:
    """Add a tenant (platform admins)."""
    authorize(request_principal(request), Permission.PLATFORM)
    body = await read_model(request, TenantIn)
    return json_out(TenantOut.of(await request.app[TENANTS].create(body)), status=201)


@routes.get(ONE)
@api_doc(response=TenantOut, errors=(404,))
async def get_one_tenant(request: web.Request) -> web.Response:
    """One tenant the caller may configure."""
    tenant_id = request.match_info["tenant_id"]
    authorize(request_principal(request), Permission.CONFIGURE, tenant_id)
    return json_out(TenantOut.of(await request.app[TENANTS].get(tenant_id)))


@routes.patch(ONE)
@api_doc(body=TenantPatch, response=TenantOut, errors=(404,))
async def patch_one_tenant(request: web.Request) -> web.Response:
    """Change one tenant the caller may configure."""
    tenant_id = request.match_info["tenant_id"]
    authorize(request_principal(request), Permission.CONFIGURE, tenant_id)
    body = await read_model(request, TenantPatch)
    return json_out(TenantOut.of(await request.app[TENANTS].update(tenant_id, body)))
