"""Embedding the widget: each agent desktop's iframe URL, and who may frame it."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from server.admin.pages import form_errors, lines, page_tenant, read_form, redirect, render, url
from server.api.bodies import validate
from server.errors import CuecardError
from server.keys import SETTINGS, TENANTS
from server.services.models import TenantPatch
from server.store.models import Tenant

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/embedding"
# Genesys Cloud fills these placeholders in when it loads the Interaction Widget
# (protocols.md 2.4); docs/genesys.md "The Interaction Widget" shows the same URL.
GENESYS_QUERY = (
    "conversationId={{gcConversationId}}&gcHostOrigin={{gcHostOrigin}}"
    "&gcTargetEnv={{gcTargetEnv}}&langTag={{gcLangTag}}&usePopupAuth={{gcUsePopupAuth}}"
)
GENESYS_SANDBOX = (
    "allow-scripts,allow-same-origin,allow-forms,allow-popups,allow-popups-to-escape-sandbox"
)


def widget_urls(base_url: str, tenant_id: str) -> list[tuple[str, str, str]]:
    """(platform, iframe URL, where it goes) for every agent desktop cuecard embeds in."""
    base = base_url.rstrip("/")
    widget = f"{base}/widget/?tenant={tenant_id}"
    return [
        (
            "Genesys Cloud",
            f"{base}/widget/genesys?tenant={tenant_id}&{GENESYS_QUERY}",
            "Admin > Integrations > Interaction Widget > Configuration > Properties: "
            f"Application URL. Iframe Sandbox Options: {GENESYS_SANDBOX}; Iframe "
            "Feature/Permissions Policy: clipboard-write. The frame origin comes from the "
            "tenant's Genesys integration (its environment or desktop origin).",
        ),
        (
            "Five9",
            f"{widget}&provider=five9",
            "Agent Desktop Plus: a custom connector tab; the widget follows the agent.",
        ),
        (
            "8x8",
            f"{widget}&provider=8x8",
            "8x8 Agent Workspace: a partner iframe panel.",
        ),
        (
            "Salesforce Service Cloud",
            f"{widget}&provider=salesforce",
            "A Lightning utility item or Visualforce iframe in the service console.",
        ),
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
        "urls": widget_urls(base_url, tenant.id),
        "origins": "\n".join(origins),
        "errors": errors,
    }
    return render(request, "embedding.html", context, status=status)
