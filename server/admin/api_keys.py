"""A tenant's API keys: create (the key is shown once, on the page that made it) and revoke."""

from __future__ import annotations

from aiohttp import web

from server.admin.pages import page_tenant, redirect, render, url
from server.keys import TENANTS

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/api-keys"


@routes.get(PATH, name="api_keys")
async def api_keys_page(request: web.Request) -> web.StreamResponse:
    """The tenant's keys (prefixes only)."""
    return await _page(request, created=None)


@routes.post(PATH, name="api_keys_create")
async def create_key(request: web.Request) -> web.StreamResponse:
    """Issue a key and show it once; it is not stored and cannot be shown again."""
    tenant = await page_tenant(request)
    _, plaintext = await request.config_dict[TENANTS].issue_api_key(tenant.id)
    response = await _page(request, created=plaintext, status=201)
    # The key is in this page only: keep it out of caches and the back/forward history.
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post(PATH + "/{key_id}/revoke", name="api_key_revoke")
async def revoke_key(request: web.Request) -> web.StreamResponse:
    """Revoke a key."""
    tenant = await page_tenant(request)
    key = await request.config_dict[TENANTS].revoke_api_key(tenant.id, request.match_info["key_id"])
    location = url(request, "api_keys", tenant_id=tenant.id)
    return redirect(request, location, f"Key cc_{key.prefix}_… revoked.")


async def _page(request: web.Request, *, created: str | None, status: int = 200) -> web.Response:
    tenant = await page_tenant(request)
    keys = await request.config_dict[TENANTS].api_keys(tenant.id)
    return render(request, "api_keys.html", {"keys": keys, "created": created}, status=status)
