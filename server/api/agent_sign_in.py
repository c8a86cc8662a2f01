"""/api/v1/agent-sign-in: the tenant's own identity provider, where agents of platforms without
agent OAuth sign in. The client secret is write-only."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import json_out, no_content, read_model
from server.api.openapi import api_doc
from server.auth.idp_models import AgentIdpIn, AgentIdpView
from server.integrations.models import CheckResult
from server.keys import AGENT_IDPS
from server.middlewares import request_tenant

routes = web.RouteTableDef()
PATH = "/api/v1/agent-sign-in"


@routes.get(PATH)
@api_doc(response=AgentIdpView, errors=(404,))
async def get_agent_sign_in(request: web.Request) -> web.Response:
    """The tenant's identity provider for agent sign-in (never its client secret)."""
    return json_out(await request.app[AGENT_IDPS].get(await request_tenant(request)))


@routes.put(PATH)
@api_doc(body=AgentIdpIn, response=AgentIdpView)
async def put_agent_sign_in(request: web.Request) -> web.Response:
    """Create or replace it; without ``client_secret`` the stored secret is kept.

    Sessions opened at the previous provider stop renewing when the issuer changes.
    """
    body = await read_model(request, AgentIdpIn)
    tenant_id = await request_tenant(request)
    return json_out(await request.app[AGENT_IDPS].put(tenant_id, body))


@routes.delete(PATH)
@api_doc(status=204, errors=(404,))
async def delete_agent_sign_in(request: web.Request) -> web.Response:
    """Remove it: agents can no longer sign in this way, and their sessions stop renewing."""
    await request.app[AGENT_IDPS].delete(await request_tenant(request))
    return no_content()


@routes.post(PATH + ":test")
@api_doc(response=CheckResult, errors=(404,))
async def test_agent_sign_in(request: web.Request) -> web.Response:
    """Fetch the provider's discovery document and signing keys; 200 either way, the body
    says how it went (with the provider's real error)."""
    return json_out(await request.app[AGENT_IDPS].check(await request_tenant(request)))
