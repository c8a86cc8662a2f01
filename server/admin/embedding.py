"""Embedding the widget: each agent desktop's iframe URL, and who may frame it.

Only platforms whose folder declares ``Capability.EMBEDDING`` get a URL; the desktops cuecard
promises but cannot embed in yet are listed as planned, without a URL that would not work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp import web

from providers.base import Capability, Manifest
from providers.registry import planned, with_capability
from server.admin.pages import form_errors, lines, page_tenant, read_form, redirect, render, url
from server.api.bodies import validate
from server.errors import CuecardError
from server.keys import PLATFORMS, SETTINGS, TENANTS
from server.services.models import TenantPatch
from server.store.models import Tenant

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/embedding"


def widget_urls(
    base_url: str, tenant_id: str, platforms: Mapping[str, Manifest]
) -> list[tuple[str, str, str]]:
    """(platform, iframe URL, where it goes) for every desktop cuecard embeds in."""
    base = base_url.rstrip("/")
    return [
        (
            manifest.display_name,
            f"{base}/widget/{name}?tenant={tenant_id}&{manifest.embedding.url_query}",
            manifest.embedding.instructions,
        )
        for name, manifest in with_capability(Capability.EMBEDDING, platforms).items()
        if manifest.embedding is not None
    ]


@routes.get(PATH, name="embedding")
async def embedding_page(request: web.Request) -> web.StreamResponse:
    """The exact iframe URLs and the allowed frame origins."""
    tenant = await page_tenant(request)
    return _page(request, tenant, tenant.allowed_origins, errors={})


@routes.post(PATH, name="embedding_origins")
async def set_origins(request: web.Request) -> web.StreamResponse:
    """Replace the origins allowed to frame the widget."""
    tenant = await page_tenant(request)
    origins = lines(await read_form(request), "allowed_origins")
    try:
        patch = validate(TenantPatch, {"allowed_origins": origins})
        await request.config_dict[TENANTS].update(tenant.id, patch)
    except CuecardError as err:
        return _page(request, tenant, origins, errors=form_errors(err), status=err.status)
    location = url(request, "embedding", tenant_id=tenant.id)
    return redirect(request, location, "Allowed origins saved.")


def _page(
    request: web.Request,
    tenant: Tenant,
    origins: Sequence[str],
    *,
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    base_url = request.config_dict[SETTINGS].base_url
    context = {
        "urls": widget_urls(base_url, tenant.id, request.config_dict[PLATFORMS]),
        "planned": planned(Capability.EMBEDDING),
        "origins": "\n".join(origins),
        "errors": errors,
    }
    return render(request, "embedding.html", context, status=status)
