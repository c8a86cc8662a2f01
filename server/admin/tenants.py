"""The tenants list (platform admins create tenants there) and each tenant's overview."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from server.admin.pages import (
    form_errors,
    lines,
    page_principal,
    page_tenant,
    read_form,
    redirect,
    render,
    text,
    url,
)
from server.api.bodies import validate
from server.auth.access import Permission, authorize
from server.errors import CuecardError
from server.keys import TENANTS
from server.services.models import TenantIn, TenantPatch

routes = web.RouteTableDef()


@routes.get("/", name="home")
async def home(request: web.Request) -> web.StreamResponse:
    """The portal opens on the tenants list."""
    return redirect(request, url(request, "tenants"))


@routes.get("/tenants", name="tenants")
async def tenants_page(request: web.Request) -> web.StreamResponse:
    """Every tenant a platform admin runs, or a tenant admin's own."""
    return await _tenants(request, values={}, errors={})


@routes.post("/tenants", name="tenants_create")
async def create_tenant(request: web.Request) -> web.StreamResponse:
    """Create a tenant (platform admins)."""
    authorize(page_principal(request), Permission.PLATFORM)
    form = await read_form(request)
    values = {
        "id": text(form, "id"),
        "name": text(form, "name"),
        "allowed_origins": lines(form, "allowed_origins"),
    }
    try:
        tenant = await request.config_dict[TENANTS].create(validate(TenantIn, values))
    except CuecardError as err:
        return await _tenants(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "tenant", tenant_id=tenant.id)
    return redirect(request, location, f"Tenant {tenant.id} created.")


@routes.get("/tenants/{tenant_id}", name="tenant")
async def tenant_page(request: web.Request) -> web.StreamResponse:
    """A tenant's name and search settings."""
    tenant = await page_tenant(request)
    return render(request, "tenant.html", {"values": tenant.model_dump()})


@routes.post("/tenants/{tenant_id}", name="tenant_update")
async def update_tenant(request: web.Request) -> web.StreamResponse:
    """Rename the tenant or switch dense retrieval."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {"name": text(form, "name"), "dense_retrieval": form.get("dense_retrieval") == "on"}
    try:
        await request.config_dict[TENANTS].update(tenant.id, validate(TenantPatch, values))
    except CuecardError as err:
        context = {"values": values, "errors": form_errors(err)}
        return render(request, "tenant.html", context, status=err.status)
    return redirect(request, url(request, "tenant", tenant_id=tenant.id), "Saved.")


async def _tenants(
    request: web.Request, *, values: Mapping[str, object], errors: dict[str, str], status: int = 200
) -> web.Response:
    principal = page_principal(request)
    tenants = await request.config_dict[TENANTS].visible_to(principal)
    context = {
        "tenants": tenants,
        "can_create": principal.is_platform,
        "values": values,
        "errors": errors,
    }
    return render(request, "tenants.html", context, status=status)
