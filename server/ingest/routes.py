"""POST /api/v1/events: the door for platforms without an adapter, and for load tests."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from providers.models import Event, parse_event
from server.api.bodies import read_json
from server.api.models import IngestBody, IngestResult
from server.api.openapi import api_doc
from server.errors import (
    BodyTooLarge,
    CuecardError,
    Forbidden,
    InvalidInput,
    MalformedBody,
    invalid_input,
)
from server.ingest.pipeline import Outcome, in_progress
from server.keys import METRICS, PIPELINE, SETTINGS, TELEMETRY
from server.middlewares import request_tenant

routes = web.RouteTableDef()
_BATCH_ITEM = re.compile(r"^events\[(\d+)\]")


@routes.post("/api/v1/events")
@api_doc(body=IngestBody, response=IngestResult, errors=(403, 503))
async def ingest_events(request: web.Request) -> web.Response:
    """Accept one canonical event or a batch; all are validated before any is processed."""
    tenant_id = await request_tenant(request)
    raw: list[Any] = []
    try:
        raw, prefix = _event_list(await read_json(request))
        events = _validate(raw, prefix, tenant_id, request.app[SETTINGS].max_batch_events)
    except (InvalidInput, MalformedBody, Forbidden, BodyTooLarge) as err:
        _count_rejection(request, tenant_id, raw, err)
        raise
    pipeline = request.app[PIPELINE]
    results = []
    for index, event in enumerate(events):
        outcome = await pipeline.process(event)
        results.append({"provider_event_id": event.provider_event_id, "status": outcome.value})
        if outcome is Outcome.IN_PROGRESS:
            # Later events wait for the retry, so a conversation's events keep their order.
            raise in_progress(event, results, f"{prefix}[{index}]" if prefix else None)
    accepted = sum(1 for result in results if result["status"] == "processed")
    return web.json_response(
        {"accepted": accepted, "duplicates": len(results) - accepted, "results": results}
    )


def _count_rejection(
    request: web.Request, tenant_id: str, raw: list[Any], err: CuecardError
) -> None:
    request.app[METRICS].events_rejected.labels(err.code).inc()
    request.app[TELEMETRY].rejected(tenant_id, _offending_item(raw, err.field), err)


def _offending_item(raw: list[Any], field: str | None) -> Any:
    """The event body the error is about: the one named by ``events[i]``, or the only one."""
    match = _BATCH_ITEM.match(field or "")
    if match is not None and int(match[1]) < len(raw):
        return raw[int(match[1])]
    return raw[0] if len(raw) == 1 else None


def _event_list(body: Any) -> tuple[list[Any], str]:
    """The events in a body: a single event object, ``{"events": [...]}`` or a bare list."""
    if isinstance(body, list):
        return body, "events"
    if isinstance(body, dict) and "events" in body:
        if not isinstance(body["events"], list) or set(body) != {"events"}:
            raise InvalidInput('expected {"events": [event, ...]}', field="events")
        return body["events"], "events"
    if isinstance(body, dict):
        return [body], ""
    if body is None or isinstance(body, str | int | float | bool):
        raise InvalidInput("expected an event object or a list of events", field="body")
    raise InvalidInput("expected an event object or a list of events", field="body")


def _validate(raw: list[Any], prefix: str, tenant_id: str, max_events: int) -> list[Event]:
    if not raw:
        raise InvalidInput("no events given", field=prefix or "body")
    if len(raw) > max_events:
        raise BodyTooLarge(f"at most {max_events} events per request", field="events")
    events = []
    for index, item in enumerate(raw):
        where = f"{prefix}[{index}]" if prefix else ""
        try:
            event = parse_event(item)
        except ValidationError as err:
            raise invalid_input(err, prefix=where, tagged=True) from err
        if event.tenant_id != tenant_id:
            field = f"{where}.tenant_id" if where else "tenant_id"
            raise Forbidden("the API key does not belong to this tenant", field=field)
        events.append(event)
    return events
