"""/api/v1/llm-integrations: OpenAI-compatible endpoints; their API keys are write-only."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.bodies import items_out, json_out, no_content, not_found, read_model
from server.api.models import LlmIntegrationIn, LlmIntegrationOut, LlmIntegrationPatch
from server.api.openapi import api_doc
from server.keys import SECRETS, STORE
from server.middlewares import request_tenant

routes = web.RouteTableDef()
INTEGRATIONS = "/api/v1/llm-integrations"
INTEGRATION = INTEGRATIONS + "/{integration_id}"


@routes.get(INTEGRATIONS)
@api_doc(response=LlmIntegrationOut, items=True)
async def list_integrations(request: web.Request) -> web.Response:
    """The tenant's integrations, by name."""
    integrations = await request.app[STORE].llm_integrations.list(await request_tenant(request))
    return items_out([LlmIntegrationOut.of(item) for item in integrations])


@routes.post(INTEGRATIONS)
@api_doc(body=LlmIntegrationIn, response=LlmIntegrationOut, status=201, errors=(409,))
async def create_integration(request: web.Request) -> web.Response:
    """Add an integration; its API key is sealed before it reaches the database."""
    body = await read_model(request, LlmIntegrationIn)
    box = request.app[SECRETS]
    integration = await request.app[STORE].llm_integrations.create(
        await request_tenant(request),
        name=body.name,
        base_url=str(body.base_url),
        model=body.model,
        api_key=None if body.api_key is None else box.seal(body.api_key.get_secret_value()),
    )
    return json_out(LlmIntegrationOut.of(integration), status=201)


@routes.get(INTEGRATION)
@api_doc(response=LlmIntegrationOut, errors=(404,))
async def get_integration(request: web.Request) -> web.Response:
    """One integration (never its key)."""
    integration = await request.app[STORE].llm_integrations.get(
        await request_tenant(request), request.match_info["integration_id"]
    )
    if integration is None:
        raise not_found("LLM integration")
    return json_out(LlmIntegrationOut.of(integration))


@routes.patch(INTEGRATION)
@api_doc(body=LlmIntegrationPatch, response=LlmIntegrationOut, errors=(404, 409))
async def patch_integration(request: web.Request) -> web.Response:
    """Change the given fields; ``"api_key": null`` removes the key."""
    body = await read_model(request, LlmIntegrationPatch)
    changes: dict[str, Any] = {}
    for name in ("name", "model", "base_url"):
        value = getattr(body, name)
        if value is not None:
            changes[name] = str(value)
    if "api_key" in body.model_fields_set:
        secret = body.api_key
        changes["api_key"] = (
            None if secret is None else request.app[SECRETS].seal(secret.get_secret_value())
        )
    integration = await request.app[STORE].llm_integrations.update(
        await request_tenant(request), request.match_info["integration_id"], **changes
    )
    return json_out(LlmIntegrationOut.of(integration))


@routes.delete(INTEGRATION)
@api_doc(status=204, errors=(404, 409))
async def delete_integration(request: web.Request) -> web.Response:
    """Delete an integration; 409 while a queue mapping uses it."""
    deleted = await request.app[STORE].llm_integrations.delete(
        await request_tenant(request), request.match_info["integration_id"]
    )
    if not deleted:
        raise not_found("LLM integration")
    return no_content()
