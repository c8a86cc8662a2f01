"""The tenant's event inspector: recent events with their outcome; text only on request."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from providers.models import EVENT_KINDS
from server.admin.pages import form_errors, page_principal, page_tenant, render
from server.errors import InvalidInput
from server.keys import REVEALS, TELEMETRY
from server.observability.models import EventOutcome
from server.observability.reveals import actor_name
from server.observability.routes import read_query
from server.observability.views import EventRecordView, RecentEventsQuery, RevealedText
from server.store.models import Tenant

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/events"
# Reveals listed under the table; the REST API lists more.
REVEALS_SHOWN = 20
KIND_OPTIONS = [("", "Any kind"), *((kind, kind) for kind in EVENT_KINDS)]
OUTCOME_OPTIONS = [("", "Any outcome"), *((o.value, o.value) for o in EventOutcome)]


@routes.get(PATH, name="events")
async def events_page(request: web.Request) -> web.StreamResponse:
    """The newest events passing the filter form's filters."""
    tenant = await page_tenant(request)
    return await _page(request, tenant, revealed=None)


@routes.get(PATH + "/reveals", name="event_reveals")
async def reveals_section(request: web.Request) -> web.StreamResponse:
    """The "Recent reveals" section alone, for the page script to refresh after a reveal."""
    tenant = await page_tenant(request)
    reveals = await request.config_dict[REVEALS].list(tenant.id, REVEALS_SHOWN)
    # A fragment of the page, not a page: no layout, and no flash message consumed.
    return aiohttp_jinja2.render_template(
        "_reveals.html", request, {"tenant": tenant, "reveals": reveals}
    )


@routes.post(PATH + "/{record_id}/reveal", name="event_reveal")
async def reveal_text(request: web.Request) -> web.StreamResponse:
    """Record the reveal, then show the text: JSON to the page's script, else the page."""
    tenant = await page_tenant(request)
    revealed = await request.config_dict[REVEALS].reveal(
        tenant.id, request.match_info["record_id"], actor_name(page_principal(request))
    )
    if "application/json" in request.headers.get("Accept", ""):
        response: web.StreamResponse = web.json_response(
            {"record_id": revealed.record_id, "text": revealed.text}
        )
    else:
        response = await _page(request, tenant, revealed=revealed)
    # Customer text: keep it out of caches and the back/forward history.
    response.headers["Cache-Control"] = "no-store"
    return response


async def _page(
    request: web.Request, tenant: Tenant, *, revealed: RevealedText | None
) -> web.Response:
    errors: dict[str, str] = {}
    records: list[EventRecordView] = []
    try:
        query = read_query(request, RecentEventsQuery)
    except InvalidInput as err:
        query, errors = RecentEventsQuery(), form_errors(err)
    else:
        found = await request.config_dict[TELEMETRY].recent(
            tenant.id, query.record_filter(), query.limit
        )
        records = [EventRecordView.of(record) for record in found]
    context = {
        "query": query,
        "query_string": request.query_string,
        "errors": errors,
        "records": records,
        "revealed": revealed,
        "reveals": await request.config_dict[REVEALS].list(tenant.id, REVEALS_SHOWN),
        "kind_options": KIND_OPTIONS,
        "outcome_options": OUTCOME_OPTIONS,
    }
    return render(request, "events.html", context, status=422 if errors else 200)
