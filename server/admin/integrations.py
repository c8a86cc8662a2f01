"""Platform integrations: a settings form per provider, write-only secrets, Test connection.

The providers offered are the registered platforms admins may store integrations of; the ones
cuecard promises but has no folder for yet are named as planned, not offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from providers.base import Manifest
from providers.registry import planned, settings_schema
from server.admin.pages import form_errors, page_tenant, read_form, redirect, render, text, url
from server.admin.settings_form import form_values, read_settings, settings_fields
from server.api.bodies import validate
from server.errors import CuecardError, InvalidInput
from server.integrations.models import IntegrationIn, IntegrationPatch
from server.keys import INTEGRATIONS

routes = web.RouteTableDef()
LIST = "/tenants/{tenant_id}/integrations"
ONE = LIST + "/{integration_id}"


@routes.get(LIST, name="integrations")
async def integrations_page(request: web.Request) -> web.StreamResponse:
    """The tenant's integrations; ``?provider=`` opens the form for a new one."""
    provider = request.query.get("provider", "")
    return await _list(request, provider=provider, values={"enabled": True}, errors={})


@routes.post(LIST, name="integrations_create")
async def create_integration(request: web.Request) -> web.StreamResponse:
    """Add an integration; its settings are validated by the provider's own model."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    provider = text(form, "provider")
    values: dict[str, Any] = {**form, "enabled": form.get("enabled") == "on"}
    try:
        manifest = _manifest(request, provider)
        fields = settings_fields(settings_schema(manifest))
        settings = read_settings(fields, form, keep_secrets=False)
        body = validate(
            IntegrationIn,
            {
                "provider": provider,
                "name": text(form, "name"),
                "enabled": values["enabled"],
                "settings": settings,
            },
        )
        view = await request.config_dict[INTEGRATIONS].create(tenant.id, body)
    except CuecardError as err:
        errors = form_errors(err)
        return await _list(
            request, provider=provider, values=values, errors=errors, status=err.status
        )
    location = url(request, "integration", tenant_id=tenant.id, integration_id=view.id)
    return redirect(request, location, f"Integration {view.name} added. Test its connection.")


@routes.get(ONE, name="integration")
async def integration_page(request: web.Request) -> web.StreamResponse:
    """One integration: its settings (secrets masked) and Test connection."""
    return await _one(request, values=None, errors={}, check=None)


@routes.post(ONE, name="integration_update")
async def update_integration(request: web.Request) -> web.StreamResponse:
    """Change the settings; a secret left empty keeps its stored value."""
    tenant = await page_tenant(request)
    integrations = request.config_dict[INTEGRATIONS]
    view = await integrations.get(tenant.id, request.match_info["integration_id"])
    form = await read_form(request)
    values: dict[str, Any] = {**form, "enabled": form.get("enabled") == "on"}
    try:
        fields = settings_fields(settings_schema(_manifest(request, view.provider)))
        patch = validate(
            IntegrationPatch,
            {
                "name": text(form, "name"),
                "enabled": values["enabled"],
                "settings": read_settings(fields, form, keep_secrets=True),
            },
        )
        await integrations.update(tenant.id, view.id, patch)
    except CuecardError as err:
        return await _one(
            request, values=values, errors=form_errors(err), check=None, status=err.status
        )
    location = url(request, "integration", tenant_id=tenant.id, integration_id=view.id)
    return redirect(request, location, "Saved.")


@routes.post(ONE + "/test", name="integration_test")
async def test_integration(request: web.Request) -> web.StreamResponse:
    """Run the provider's connection test and show its real answer."""
    tenant = await page_tenant(request)
    result = await request.config_dict[INTEGRATIONS].check(
        tenant.id, request.match_info["integration_id"]
    )
    return await _one(request, values=None, errors={}, check=result)


@routes.post(ONE + "/delete", name="integration_delete")
async def delete_integration(request: web.Request) -> web.StreamResponse:
    """Delete the integration; its adapter stops."""
    tenant = await page_tenant(request)
    await request.config_dict[INTEGRATIONS].delete(tenant.id, request.match_info["integration_id"])
    location = url(request, "integrations", tenant_id=tenant.id)
    return redirect(request, location, "Integration deleted.")


def _manifest(request: web.Request, provider: str) -> Manifest:
    platforms = request.config_dict[INTEGRATIONS].platforms
    if provider not in platforms:
        raise InvalidInput("choose one of the providers listed", field="provider")
    return platforms[provider]


async def _list(
    request: web.Request,
    *,
    provider: str,
    values: Mapping[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    tenant = await page_tenant(request)
    integrations = request.config_dict[INTEGRATIONS]
    manifest = integrations.platforms.get(provider)
    context = {
        "integrations": await integrations.list(tenant.id),
        "providers": [
            (name, integrations.platforms[name].display_name)
            for name in sorted(integrations.platforms)
        ],
        "planned": planned(),
        "provider": provider if manifest is not None else "",
        "fields": [] if manifest is None else settings_fields(settings_schema(manifest)),
        "values": values,
        "errors": errors,
    }
    return render(request, "integrations.html", context, status=status)


async def _one(
    request: web.Request,
    *,
    values: Mapping[str, Any] | None,
    errors: dict[str, str],
    check: Any,
    status: int = 200,
) -> web.Response:
    tenant = await page_tenant(request)
    view = await request.config_dict[INTEGRATIONS].get(
        tenant.id, request.match_info["integration_id"]
    )
    manifest = request.config_dict[INTEGRATIONS].platforms.get(view.provider)
    stored = {"name": view.name, "enabled": view.enabled, **form_values(view.settings)}
    context = {
        "integration": view,
        "fields": [] if manifest is None else settings_fields(settings_schema(manifest)),
        "values": stored if values is None else values,
        "masked": form_values(view.settings),
        "errors": errors,
        "check": check,
    }
    return render(request, "integration.html", context, status=status)
