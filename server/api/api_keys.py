"""/api/v1/api-keys: the tenant's API keys; a new key is shown once, in the creating response."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import items_out, json_out
from server.api.models import ApiKeyCreatedOut, ApiKeyOut
from server.api.openapi import api_doc
from server.keys import TENANTS
from server.middlewares import request_tenant

routes = web.RouteTableDef()
KEYS = "/api/v1/api-keys"


@routes.get(KEYS)
@api_doc(response=ApiKeyOut, items=True)
async def list_keys(request: web.Request) -> web.Response:
    """The tenant's keys, oldest first, revoked ones included (never the keys themselves)."""
    keys = await request.app[TENANTS].api_keys(await request_tenant(request))
    return items_out([ApiKeyOut.of(key) for key in keys])


@routes.post(KEYS)
@api_doc(response=ApiKeyCreatedOut, status=201)
async def create_key(request: web.Request) -> web.Response:
    """Issue a key; the response is the only place its plaintext ever appears."""
    key, plaintext = await request.app[TENANTS].issue_api_key(await request_tenant(request))
    return json_out(ApiKeyCreatedOut(key=plaintext, **ApiKeyOut.of(key).model_dump()), status=201)


@routes.post(KEYS + "/{key_id}:revoke")
@api_doc(response=ApiKeyOut, errors=(404,))
async def revoke_key(request: web.Request) -> web.Response:
    """Revoke a key; servers stop accepting it within 30 seconds."""
    tenant_id = await request_tenant(request)
    key = await request.app[TENANTS].revoke_api_key(tenant_id, request.match_info["key_id"])
    return json_out(ApiKeyOut.of(key))
