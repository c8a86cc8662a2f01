"""POST /api/v1/events: the door for platforms without an adapter, and for load tests."""

from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import web
from pydantic import ValidationError

from providers.models import Event, parse_event, parse_event_json
from server.api.bodies import parse_json, read_body
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
JSON = "application/json"


@routes.post("/api/v1/events")
@api_doc(body=IngestBody, response=IngestResult, errors=(403, 503))
async def ingest_events(request: web.Request) -> web.Response:
    """Accept one canonical event or a batch; all are validated before any is processed."""
    tenant_id = await request_tenant(request)
    raw: list[Any] = []
    body = b""
    try:
        body = await read_body(request)
        events, prefix = _one_valid_event(body)
        if events is None:
            raw, prefix = _event_list(parse_json(body))
            events = _validate(raw, prefix, request.app[SETTINGS].max_batch_events)
        _check_tenant(events, prefix, tenant_id)
    except (InvalidInput, MalformedBody, Forbidden, BodyTooLarge) as err:
        _count_rejection(request, tenant_id, raw or _parsed_quietly(body), err)
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
    answer = {"accepted": accepted, "duplicates": len(results) - accepted, "results": results}
    # Plain strings and integers: orjson writes them as the standard library would, in C.
    return web.Response(body=orjson.dumps(answer), content_type=JSON, charset="utf-8")


def _one_valid_event(body: bytes) -> tuple[list[Event] | None, str]:
    """The body as one valid event, parsed and validated in one pass (most requests).

    None for anything else, which takes the general path and gets its exact errors: no valid
    event nests deeply or holds a huge number, so this accepts nothing that path refuses.
    """
    try:
        return [parse_event_json(body)], ""
    except ValidationError:
        return None, ""


def _parsed_quietly(body: bytes) -> list[Any]:
    """The body's events for the record of a refusal, if it is JSON at all."""
    try:
        return _event_list(parse_json(body))[0]
    except CuecardError:
        return []


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


def _validate(raw: list[Any], prefix: str, max_events: int) -> list[Event]:
    if not raw:
        raise InvalidInput("no events given", field=prefix or "body")
    if len(raw) > max_events:
        raise BodyTooLarge(f"at most {max_events} events per request", field="events")
    events = []
    for index, item in enumerate(raw):
        try:
            events.append(parse_event(item))
        except ValidationError as err:
            where = f"{prefix}[{index}]" if prefix else ""
            raise invalid_input(err, prefix=where, tagged=True) from err
    return events


def _check_tenant(events: list[Event], prefix: str, tenant_id: str) -> None:
    for index, event in enumerate(events):
        if event.tenant_id != tenant_id:
            field = f"{prefix}[{index}].tenant_id" if prefix else "tenant_id"
            raise Forbidden("the API key does not belong to this tenant", field=field)
