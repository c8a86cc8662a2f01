"""Embedding the widget: each agent desktop's iframe URL, and who may frame it.

Only platforms whose folder declares ``Capability.EMBEDDING`` get a URL; the desktops cuecard
promises but cannot embed in yet are listed as planned, without a URL that would not work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from providers.base import Capability, EmbeddingSetup, Manifest, SetupValue
from providers.registry import planned, with_capability
from server.admin.pages import form_errors, lines, page_tenant, read_form, redirect, render, url
from server.api.bodies import validate
from server.auth.platform_login import callback_path
from server.errors import CuecardError
from server.keys import INTEGRATIONS, PLATFORMS, SETTINGS, TENANTS
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
            "&".join(
                part
                for part in (f"{base}/widget/{name}?tenant={tenant_id}", embedding.url_query)
                if part
            ),
            embedding.instructions,
        )
        for name, manifest in with_capability(Capability.EMBEDDING, platforms).items()
        if (embedding := manifest.embedding) is not None
    ]


@dataclass(frozen=True, slots=True)
class Embed:
    """One desktop's section of the page: its iframe URL, or the values its setup takes."""

    platform: str
    iframe_url: str
    where: str
    values: Sequence[SetupValue] = ()


async def embeds(
    request: web.Request, tenant_id: str, platforms: Mapping[str, Manifest]
) -> list[Embed]:
    """Each embedding desktop's section, with the tenant's own values where it has them."""
    base = request.config_dict[SETTINGS].base_url.rstrip("/")
    sections = []
    for (display, iframe_url, where), (name, manifest) in zip(
        widget_urls(base, tenant_id, platforms),
        with_capability(Capability.EMBEDDING, platforms).items(),
        strict=True,
    ):
        values: Sequence[SetupValue] = ()
        if isinstance(manifest.embedding, EmbeddingSetup):
            settings = await request.config_dict[INTEGRATIONS].provider_settings(tenant_id, name)
            values = manifest.embedding.setup_values(
                settings,
                widget_url=f"{base}/widget/{name}?tenant={tenant_id}",
                callback_url=base + callback_path(name),
            )
        sections.append(Embed(display, iframe_url, where, values))
    return sections


@routes.get(PATH, name="embedding")
async def embedding_page(request: web.Request) -> web.StreamResponse:
    """The exact iframe URLs and the allowed frame origins."""
    tenant = await page_tenant(request)
    return await _page(request, tenant, tenant.allowed_origins, errors={})


@routes.post(PATH, name="embedding_origins")
async def set_origins(request: web.Request) -> web.StreamResponse:
    """Replace the origins allowed to frame the widget."""
    tenant = await page_tenant(request)
    origins = lines(await read_form(request), "allowed_origins")
    try:
        patch = validate(TenantPatch, {"allowed_origins": origins})
        await request.config_dict[TENANTS].update(tenant.id, patch)
    except CuecardError as err:
        return await _page(request, tenant, origins, errors=form_errors(err), status=err.status)
    location = url(request, "embedding", tenant_id=tenant.id)
    return redirect(request, location, "Allowed origins saved.")


async def _page(
    request: web.Request,
    tenant: Tenant,
    origins: Sequence[str],
    *,
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    context = {
        "embeds": await embeds(request, tenant.id, request.config_dict[PLATFORMS]),
        "planned": planned(Capability.EMBEDDING),
        "origins": "\n".join(origins),
        "errors": errors,
    }
    return render(request, "embedding.html", context, status=status)
