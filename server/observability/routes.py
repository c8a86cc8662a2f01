"""/api/v1/health and /api/v1/events/recent: what an admin sees of the tenant's traffic."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from server.api.bodies import items_out, json_out, validate
from server.api.openapi import api_doc
from server.keys import HEALTH, REVEALS, TELEMETRY
from server.middlewares import request_api_key, request_principal, request_tenant
from server.observability.reveals import actor_name
from server.observability.views import (
    EventRecordView,
    HealthView,
    RecentEventsQuery,
    RevealedText,
    RevealsQuery,
    RevealView,
)

routes = web.RouteTableDef()
QueryT = TypeVar("QueryT", RecentEventsQuery, RevealsQuery)


def read_query(request: web.Request, model: type[QueryT]) -> QueryT:
    """The query string as ``model``; an empty parameter (a blank filter field) is left out."""
    given = {name: value for name, value in request.query.items() if value != ""}
    return validate(model, given)


@routes.get("/api/v1/health")
@api_doc(response=HealthView)
async def get_health(request: web.Request) -> web.Response:
    """Provider connections, connected widgets and the last hour, per minute."""
    return json_out(await request.app[HEALTH].health(await request_tenant(request)))


@routes.get("/api/v1/events/recent")
@api_doc(query=RecentEventsQuery, response=EventRecordView, items=True)
async def list_recent_events(request: web.Request) -> web.Response:
    """The newest inspector records passing the filters, newest first, text withheld."""
    tenant_id = await request_tenant(request)
    query = read_query(request, RecentEventsQuery)
    records = await request.app[TELEMETRY].recent(tenant_id, query.record_filter(), query.limit)
    return items_out([EventRecordView.of(record) for record in records])


@routes.post("/api/v1/events/recent/{record_id}:reveal")
@api_doc(response=RevealedText, errors=(404,), extra_statuses=(422,))
async def reveal_event_text(request: web.Request) -> web.Response:
    """One record's customer text; the reveal is recorded first (who, when, which record)."""
    tenant_id = await request_tenant(request)
    revealed_by = actor_name(request_principal(request), request_api_key(request))
    revealed = await request.app[REVEALS].reveal(
        tenant_id, request.match_info["record_id"], revealed_by
    )
    return json_out(revealed)


@routes.get("/api/v1/events/reveals")
@api_doc(query=RevealsQuery, response=RevealView, items=True)
async def list_reveals(request: web.Request) -> web.Response:
    """Who revealed which record's text and when, newest first."""
    tenant_id = await request_tenant(request)
    query = read_query(request, RevealsQuery)
    reveals = await request.app[REVEALS].list(tenant_id, query.limit)
    return items_out([RevealView.of(reveal) for reveal in reveals])
