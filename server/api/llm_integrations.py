"""/api/v1/llm-integrations: OpenAI-compatible endpoints; their API keys are write-only."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import items_out, json_out, no_content, read_model
from server.api.models import LlmIntegrationOut
from server.api.openapi import api_doc
from server.keys import LLMS
from server.middlewares import request_tenant
from server.services.models import LlmIntegrationIn, LlmIntegrationPatch

routes = web.RouteTableDef()
INTEGRATIONS = "/api/v1/llm-integrations"
INTEGRATION = INTEGRATIONS + "/{integration_id}"


def _id(request: web.Request) -> str:
    return request.match_info["integration_id"]


@routes.get(INTEGRATIONS)
@api_doc(response=LlmIntegrationOut, items=True)
async def list_integrations(request: web.Request) -> web.Response:
    """The tenant's integrations, by name."""
    integrations = await request.app[LLMS].list(await request_tenant(request))
    return items_out([LlmIntegrationOut.of(item) for item in integrations])


@routes.post(INTEGRATIONS)
@api_doc(body=LlmIntegrationIn, response=LlmIntegrationOut, status=201, errors=(409,))
async def create_integration(request: web.Request) -> web.Response:
    """Add an integration; its API key is sealed before it reaches the database."""
    body = await read_model(request, LlmIntegrationIn)
    integration = await request.app[LLMS].create(await request_tenant(request), body)
    return json_out(LlmIntegrationOut.of(integration), status=201)


@routes.get(INTEGRATION)
@api_doc(response=LlmIntegrationOut, errors=(404,))
async def get_integration(request: web.Request) -> web.Response:
    """One integration (never its key)."""
    integration = await request.app[LLMS].get(await request_tenant(request), _id(request))
    return json_out(LlmIntegrationOut.of(integration))


@routes.patch(INTEGRATION)
@api_doc(body=LlmIntegrationPatch, response=LlmIntegrationOut, errors=(404, 409))
async def patch_integration(request: web.Request) -> web.Response:
    """Change the given fields; ``"api_key": null`` removes the key."""
    body = await read_model(request, LlmIntegrationPatch)
    tenant_id = await request_tenant(request)
    integration = await request.app[LLMS].update(tenant_id, _id(request), body)
    return json_out(LlmIntegrationOut.of(integration))


@routes.delete(INTEGRATION)
@api_doc(status=204, errors=(404, 409))
async def delete_integration(request: web.Request) -> web.Response:
    """Delete an integration; 409 while a queue mapping uses it."""
    await request.app[LLMS].delete(await request_tenant(request), _id(request))
    return no_content()
