"""/api/v1/admins: admin accounts. Platform admins manage all; tenant admins their tenant's."""

from __future__ import annotations

from aiohttp import web

from server.api.bodies import items_out, json_out, no_content, read_model
from server.api.models import AdminIn, AdminOut
from server.api.openapi import api_doc
from server.auth.access import Permission, allowed, authorize
from server.errors import Conflict, NotFound
from server.keys import ADMINS
from server.middlewares import TENANT_HEADER, request_principal, request_tenant

routes = web.RouteTableDef()
ADMINS_PATH = "/api/v1/admins"
EMAIL_TAKEN = "this email address cannot be used for a new admin account"


@routes.get(ADMINS_PATH)
@api_doc(response=AdminOut, items=True, errors=(403,))
async def list_admins(request: web.Request) -> web.Response:
    """Every admin for a platform admin (or one tenant's with X-Cuecard-Tenant)."""
    principal = request_principal(request)
    tenant_id = None
    if not principal.is_platform or TENANT_HEADER in request.headers:
        tenant_id = await request_tenant(request)
    authorize(principal, Permission.MANAGE_ADMINS if tenant_id else Permission.PLATFORM, tenant_id)
    admins = await request.app[ADMINS].list(tenant_id)
    return items_out([AdminOut.of(admin) for admin in admins])


@routes.post(ADMINS_PATH)
@api_doc(body=AdminIn, response=AdminOut, status=201, errors=(403, 404, 409))
async def create_admin(request: web.Request) -> web.Response:
    """Add an admin: platform admins by a platform admin, tenant admins by their tenant's."""
    body = await read_model(request, AdminIn)
    principal = request_principal(request)
    if body.role == "platform":
        authorize(principal, Permission.PLATFORM)
    else:
        authorize(principal, Permission.MANAGE_ADMINS, body.tenant_id)
    password = None if body.password is None else body.password.get_secret_value()
    try:
        admin = await request.app[ADMINS].create(
            body.email,
            password,
            role=body.role,
            tenant_id=body.tenant_id,
            # A platform admin sees every account anyway; others may not probe for them.
            by=None if principal.admin is None or principal.is_platform else principal.admin.id,
        )
    except Conflict as err:
        # Emails are one namespace across tenants: the answer names neither the address nor
        # whose account holds it, the same for an account of the caller's tenant or another.
        raise Conflict(EMAIL_TAKEN, field="email") from err
    return json_out(AdminOut.of(admin), status=201)


@routes.delete(ADMINS_PATH + "/{admin_id}")
@api_doc(status=204, errors=(403, 404, 409))
async def delete_admin(request: web.Request) -> web.Response:
    """Remove an admin (not yourself); their sessions end at once."""
    principal = request_principal(request)
    # An API key is refused for what it is, before any id is looked at.
    authorize(principal, Permission.MANAGE_ADMINS, principal.tenant_id)
    admins = request.app[ADMINS]
    admin = await admins.get(request.match_info["admin_id"])
    if not allowed(principal, Permission.MANAGE_ADMINS, admin.tenant_id):
        # Another tenant's account, or a platform admin's, is answered like an id that does
        # not exist: ids cannot be probed.
        raise NotFound("no such admin")
    if principal.admin is not None and principal.admin.id == admin.id:
        raise Conflict("you cannot remove your own account")
    await admins.delete(admin.id)
    return no_content()
