"""Agent sign-in: the tenant's own identity provider, for platforms without agent OAuth.

One form per tenant (issuer, client, the claim that carries the platform agent id, allowed
email domains), a write-only client secret shown as its last four characters, and Test, which
fetches the provider's discovery document and keys and shows its real error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from providers.base import SignInFlow
from server.admin.pages import (
    form_errors,
    lines,
    page_tenant,
    read_form,
    redirect,
    render,
    text,
    url,
)
from server.api.bodies import validate
from server.auth.idp_models import AgentIdpIn, AgentIdpView
from server.errors import CuecardError
from server.integrations.models import CheckResult
from server.keys import AGENT_IDPS, PLATFORMS

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/agent-sign-in"
_FIELDS = ("display_name", "issuer", "client_id", "agent_id_claim")
NEW = {"agent_id_claim": "preferred_username", "enabled": True, "allowed_email_domains": ""}


@routes.get(PATH, name="agent_sign_in")
async def agent_sign_in_page(request: web.Request) -> web.StreamResponse:
    """The tenant's identity provider for agent sign-in, or the form to set one up."""
    return await _page(request, values=None, errors={}, check=None)


@routes.post(PATH, name="agent_sign_in_save")
async def save_agent_sign_in(request: web.Request) -> web.StreamResponse:
    """Save the settings; a client secret left empty keeps the stored one."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values: dict[str, Any] = {name: text(form, name) for name in _FIELDS}
    values["allowed_email_domains"] = text(form, "allowed_email_domains")
    values["enabled"] = form.get("enabled") == "on"
    secret = text(form, "client_secret")
    try:
        body = validate(
            AgentIdpIn,
            {
                **values,
                "allowed_email_domains": lines(form, "allowed_email_domains"),
                "client_secret": SecretStr(secret) if secret else None,
            },
        )
        await request.config_dict[AGENT_IDPS].put(tenant.id, body)
    except CuecardError as err:
        return await _page(
            request, values=values, errors=form_errors(err), check=None, status=err.status
        )
    location = url(request, "agent_sign_in", tenant_id=tenant.id)
    return redirect(request, location, "Saved. Test it, then agents can sign in.")


@routes.post(PATH + "/test", name="agent_sign_in_test")
async def test_agent_sign_in(request: web.Request) -> web.StreamResponse:
    """Fetch the discovery document and the signing keys; show the provider's real answer."""
    tenant = await page_tenant(request)
    result = await request.config_dict[AGENT_IDPS].check(tenant.id)
    return await _page(request, values=None, errors={}, check=result)


@routes.post(PATH + "/delete", name="agent_sign_in_delete")
async def delete_agent_sign_in(request: web.Request) -> web.StreamResponse:
    """Remove the identity provider; agents' sessions through it stop renewing."""
    tenant = await page_tenant(request)
    await request.config_dict[AGENT_IDPS].delete(tenant.id)
    location = url(request, "agent_sign_in", tenant_id=tenant.id)
    return redirect(request, location, "Agent sign-in through the identity provider removed.")


async def _page(
    request: web.Request,
    *,
    values: Mapping[str, Any] | None,
    errors: dict[str, str],
    check: CheckResult | None,
    status: int = 200,
) -> web.Response:
    tenant = await page_tenant(request)
    idps = request.config_dict[AGENT_IDPS]
    row = await idps.find(tenant.id)
    view = None if row is None else AgentIdpView.of(row, idps.redirect_uri)
    if values is None:
        values = NEW if view is None else _stored(view.model_dump())
    context = {
        "idp": view,
        "values": values,
        "errors": errors,
        "check": check,
        "redirect_uri": idps.redirect_uri,
        "platforms": sorted(
            manifest.display_name
            for manifest in request.config_dict[PLATFORMS].values()
            if manifest.sign_in is SignInFlow.TENANT_IDP
        ),
    }
    return render(request, "agent_sign_in.html", context, status=status)


def _stored(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "allowed_email_domains": "\n".join(view["allowed_email_domains"])}
