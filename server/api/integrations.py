"""/api/v1/integrations: a tenant's platform connections; secret settings are write-only."""

from __future__ import annotations

from aiohttp import web

from providers.registry import settings_schema, source_kind
from server.api.bodies import items_out, json_out, no_content, read_model
from server.api.openapi import api_doc
from server.integrations.models import (
    CheckResult,
    IntegrationIn,
    IntegrationPatch,
    IntegrationView,
    ProviderInfo,
)
from server.keys import INTEGRATIONS
from server.middlewares import request_tenant

routes = web.RouteTableDef()
COLLECTION = "/api/v1/integrations"
ITEM = COLLECTION + "/{integration_id}"


@routes.get("/api/v1/providers")
@api_doc(response=ProviderInfo, items=True)
async def list_providers(request: web.Request) -> web.Response:
    """The providers integrations can be made for, each with its settings' JSON schema."""
    platforms = request.app[INTEGRATIONS].platforms
    return items_out(
        [
            ProviderInfo(
                name=manifest.name,
                display_name=manifest.display_name,
                kind=source_kind(manifest),
                capabilities=sorted(manifest.capabilities),
                settings_schema=settings_schema(manifest),
            )
            for manifest in sorted(platforms.values(), key=lambda manifest: manifest.name)
        ]
    )


@routes.get(COLLECTION)
@api_doc(response=IntegrationView, items=True)
async def list_integrations(request: web.Request) -> web.Response:
    """The tenant's integrations, by name."""
    return items_out(await request.app[INTEGRATIONS].list(await request_tenant(request)))


@routes.post(COLLECTION)
@api_doc(body=IntegrationIn, response=IntegrationView, status=201, errors=(409,))
async def create_integration(request: web.Request) -> web.Response:
    """Add an integration; its adapter starts if it is enabled."""
    body = await read_model(request, IntegrationIn)
    view = await request.app[INTEGRATIONS].create(await request_tenant(request), body)
    return json_out(view, status=201)


@routes.get(ITEM)
@api_doc(response=IntegrationView, errors=(404,))
async def get_integration(request: web.Request) -> web.Response:
    """One integration, secrets masked."""
    integration_id = request.match_info["integration_id"]
    return json_out(
        await request.app[INTEGRATIONS].get(await request_tenant(request), integration_id)
    )


@routes.patch(ITEM)
@api_doc(body=IntegrationPatch, response=IntegrationView, errors=(404, 409))
async def patch_integration(request: web.Request) -> web.Response:
    """Change name, enabled or settings; the adapter restarts with them."""
    body = await read_model(request, IntegrationPatch)
    integration_id = request.match_info["integration_id"]
    view = await request.app[INTEGRATIONS].update(
        await request_tenant(request), integration_id, body
    )
    return json_out(view)


@routes.delete(ITEM)
@api_doc(status=204, errors=(404,))
async def delete_integration(request: web.Request) -> web.Response:
    """Delete an integration; its adapter stops."""
    await request.app[INTEGRATIONS].delete(
        await request_tenant(request), request.match_info["integration_id"]
    )
    return no_content()


@routes.post(ITEM + ":test")
@api_doc(response=CheckResult, errors=(404,))
async def test_integration(request: web.Request) -> web.Response:
    """Run the adapter's connection test; 200 either way, the body says how it went."""
    integration_id = request.match_info["integration_id"]
    result = await request.app[INTEGRATIONS].check(await request_tenant(request), integration_id)
    return json_out(result)
