"""What every admin page uses: who is signed in, which tenant, rendering and redirects.

A page module is a ``web.RouteTableDef`` of named routes whose handlers start with
:func:`require_admin` or :func:`page_tenant` and end with :func:`render` or
:func:`redirect`; see docs/admin.md, "Adding a page".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from server.admin.flash import FlashKind, clear_flash, read_flash, set_flash
from server.admin.nav import tenant_nav
from server.api.bodies import read_post
from server.auth.access import Permission, Principal, authorize
from server.auth.admin_sessions import SignedIn
from server.errors import CuecardError, NotFound, Unauthenticated
from server.keys import PAGE_TENANT, SETTINGS, SIGNED_IN, STORE
from server.store.models import Tenant

FormData = MultiDictProxy[Any]
_INDEX = re.compile(r"\[(\d+)\]$")


def require_admin(request: web.Request) -> SignedIn:
    """The signed-in admin's session (the middleware already sent anonymous users away)."""
    if SIGNED_IN not in request:
        raise Unauthenticated("sign in first")
    return request[SIGNED_IN]


def page_principal(request: web.Request) -> Principal:
    """The signed-in admin as a principal, for :func:`server.auth.access.authorize`."""
    return Principal.of_admin(require_admin(request).admin)


async def page_tenant(request: web.Request) -> Tenant:
    """The tenant named by the URL's ``{tenant_id}``, once the admin may configure it."""
    tenant_id = request.match_info["tenant_id"]
    authorize(page_principal(request), Permission.CONFIGURE, tenant_id)
    tenant = await request.config_dict[STORE].tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    request[PAGE_TENANT] = tenant
    return tenant


def url(request: web.Request, name: str, **parts: str) -> str:
    """The path of a named admin route."""
    return str(request.app.router[name].url_for(**parts))


def render(
    request: web.Request, template: str, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    """A page: ``template`` with ``context`` plus the layout's own (nav, flash, CSRF token)."""
    settings = request.config_dict[SETTINGS]
    assert settings.secret_key is not None
    flash = read_flash(request, settings.secret_key)
    response = aiohttp_jinja2.render_template(
        template, request, {**layout_context(request), "flash": flash, **context}, status=status
    )
    if flash is not None:
        clear_flash(response)
    return response


def layout_context(request: web.Request) -> dict[str, Any]:
    """What base.html needs besides the page's own values."""
    signed_in = request.get(SIGNED_IN)
    tenant = request.get(PAGE_TENANT)
    return {
        "signed_in": signed_in,
        "admin": None if signed_in is None else signed_in.admin,
        "csrf_token": "" if signed_in is None else signed_in.session.csrf_token,
        "tenant": tenant,
        "tenant_nav": [] if tenant is None else tenant_nav(request, tenant.id),
        "current_route": request.match_info.route.name,
        "flash": None,
        "errors": {},
    }


def behind_tls(request: web.Request) -> bool:
    """Whether browsers reach the server over https, so its cookies must be ``Secure``."""
    base_url: str = request.config_dict[SETTINGS].base_url
    return base_url.startswith("https://")


def redirect(
    request: web.Request, location: str, flash: str | None = None, kind: FlashKind = "success"
) -> web.Response:
    """303 See Other to ``location`` (after a form post), with an optional flash message."""
    response = web.Response(status=303, headers={"Location": location})
    if flash is not None:
        _flash(request, response, flash, kind)
    return response


def json_redirect(request: web.Request, location: str, flash: str) -> web.Response:
    """For a page script: ``{"location": ...}`` to go to, with the flash message it shows."""
    response = web.json_response({"location": location})
    _flash(request, response, flash, "success")
    return response


def _flash(request: web.Request, response: web.Response, text: str, kind: FlashKind) -> None:
    secret = request.config_dict[SETTINGS].secret_key
    assert secret is not None
    set_flash(response, secret, text, kind, secure=behind_tls(request))


async def read_form(request: web.Request) -> FormData:
    """The posted form fields; :class:`MalformedBody` if the form does not parse."""
    return await read_post(request)


def text(form: FormData, name: str) -> str:
    """A text field's value, stripped; missing fields are empty."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def lines(form: FormData, name: str) -> list[str]:
    """A textarea's non-empty lines, stripped."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def form_errors(err: CuecardError) -> dict[str, str]:
    """``{field: message}`` for the template, so the message sits next to its field.

    ``allowed_origins[2]`` belongs to the ``allowed_origins`` textarea (as its line 3), and
    an error that names no field is shown above the form.
    """
    if not err.field:
        return {"form": err.message}
    index = _INDEX.search(err.field)
    if index is None:
        return {err.field: err.message}
    return {err.field[: index.start()]: f"line {int(index[1]) + 1}: {err.message}"}
