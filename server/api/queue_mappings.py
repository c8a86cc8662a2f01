"""/api/v1/queue-mappings: which knowledge base, prompt and LLM serve each (provider, queue)."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import items_out, json_out, no_content, read_model
from server.api.models import QueueMappingOut, ResolveQuery
from server.api.openapi import api_doc
from server.errors import InvalidInput
from server.keys import MAPPINGS
from server.middlewares import request_tenant
from server.services.models import QueueMappingIn, ResolutionOut

routes = web.RouteTableDef()
PATH = "/api/v1/queue-mappings"
MAPPING = PATH + "/{provider}/{queue}"
MAX_NAME = 200


def _name(request: web.Request, part: str) -> str:
    value = request.match_info[part].strip()
    if not value or len(value) > MAX_NAME:
        raise InvalidInput(f"must be 1 to {MAX_NAME} characters", field=part)
    return value


def _optional_name(request: web.Request, part: str) -> str | None:
    value = request.query.get(part, "").strip()
    if len(value) > MAX_NAME:
        raise InvalidInput(f"must be at most {MAX_NAME} characters", field=part)
    return value or None


@routes.get(PATH)
@api_doc(response=QueueMappingOut, items=True)
async def list_mappings(request: web.Request) -> web.Response:
    """The tenant's mappings, by provider then queue."""
    mappings = await request.app[MAPPINGS].list(await request_tenant(request))
    return items_out([QueueMappingOut.of(mapping) for mapping in mappings])


@routes.get(PATH + ":resolve")
@api_doc(query=ResolveQuery, response=ResolutionOut)
async def resolve_mapping(request: web.Request) -> web.Response:
    """The route a conversation on ``?provider=&queue=`` gets, and the rule that chose it."""
    provider, queue = _optional_name(request, "provider"), _optional_name(request, "queue")
    tenant_id = await request_tenant(request)
    return json_out(await request.app[MAPPINGS].resolve(tenant_id, provider, queue))


@routes.get(MAPPING)
@api_doc(response=QueueMappingOut, errors=(404,))
async def get_mapping(request: web.Request) -> web.Response:
    """One mapping; ``*`` stands for any provider or queue."""
    mapping = await request.app[MAPPINGS].get(
        await request_tenant(request), _name(request, "provider"), _name(request, "queue")
    )
    return json_out(QueueMappingOut.of(mapping))


@routes.put(MAPPING)
@api_doc(
    body=QueueMappingIn, response=QueueMappingOut, status=201, extra_statuses=(200,), errors=(422,)
)
async def put_mapping(request: web.Request) -> web.Response:
    """Create or replace a mapping (201 if new, else 200); omitted fields become null."""
    tenant_id = await request_tenant(request)
    provider, queue = _name(request, "provider"), _name(request, "queue")
    body = await read_model(request, QueueMappingIn)
    mapping, created = await request.app[MAPPINGS].put(tenant_id, provider, queue, body)
    return json_out(QueueMappingOut.of(mapping), status=201 if created else 200)


@routes.delete(MAPPING)
@api_doc(status=204, errors=(404,))
async def delete_mapping(request: web.Request) -> web.Response:
    """Delete a mapping; its conversations fall back to the next rule."""
    await request.app[MAPPINGS].delete(
        await request_tenant(request), _name(request, "provider"), _name(request, "queue")
    )
    return no_content()
