"""POST /api/v1/webhooks/{platform}/{integration_id}: events a platform pushes to us.

The stored integration names the tenant; its running push adapter ``verify``-s every request
(no API key: the platform signs its requests) and ``parse``-s the body. The events then go
through the same pipeline as every other source, and the platform gets its 2xx only once
the pipeline accepted them all, so a failure on our side is covered by its retry. A body that
can never map is a 422 naming the problem, a bad signature a 401: neither changes anything.
"""

from __future__ import annotations

import logging

from aiohttp import web

from providers.base import InboundRequest
from providers.errors import PayloadInvalid, ProviderError, ProviderNotReady, SignatureInvalid
from providers.models import Event
from server.api.models import WebhookResult
from server.api.openapi import api_doc
from server.errors import (
    CuecardError,
    Forbidden,
    NotFound,
    PayloadRejected,
    Unauthenticated,
    Unavailable,
)
from server.ingest.pipeline import Outcome, in_progress
from server.keys import METRICS, PIPELINE, SUPERVISOR, TELEMETRY

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
PATH = "/api/v1/webhooks/{platform}/{integration_id}"


class SignatureRejected(Unauthenticated):
    """The pushed request's signature did not verify."""

    code = "signature_invalid"


@routes.post(PATH)
@api_doc(
    public=True,
    body_schema={"type": "object", "description": "The platform's own payload, as it signs it."},
    response=WebhookResult,
    errors=(401, 403, 404, 503),
)
async def receive_webhook(request: web.Request) -> web.Response:
    """Verify, parse and process one pushed request; 200 once every event was processed."""
    platform, integration_id = request.match_info["platform"], request.match_info["integration_id"]
    target = request.app[SUPERVISOR].push_adapter(platform, integration_id)
    if target is None:
        raise NotFound(f"no running {platform} integration {integration_id}")
    tenant_id, adapter = target
    inbound = InboundRequest(
        method=request.method,
        path=request.path,
        headers=dict(request.headers),
        body=await request.read(),
    )
    try:
        await adapter.verify(inbound)
        events = adapter.parse(inbound)
        _check_tenant(events, tenant_id)
    except CuecardError as err:
        request.app[METRICS].events_rejected.labels(err.code).inc()
        raise
    except ProviderError as err:
        rejected = _translated(err, platform)
        request.app[METRICS].events_rejected.labels(rejected.code).inc()
        if isinstance(err, PayloadInvalid):
            request.app[TELEMETRY].rejected(tenant_id, None, rejected)
        raise rejected from err
    pipeline = request.app[PIPELINE]
    outcomes = []
    for index, event in enumerate(events):
        outcomes.append(await pipeline.process(event))
        if outcomes[-1] is Outcome.IN_PROGRESS:
            results = [
                {"provider_event_id": done.provider_event_id, "status": outcome.value}
                for done, outcome in zip(events, outcomes, strict=False)
            ]
            raise in_progress(event, results, f"events[{index}]")
    accepted = sum(1 for outcome in outcomes if outcome is Outcome.PROCESSED)
    log.debug("%s webhook for %s: %d events", platform, integration_id, len(events))
    return web.json_response({"accepted": accepted, "duplicates": len(outcomes) - accepted})


def _check_tenant(events: list[Event], tenant_id: str) -> None:
    # The adapter is built for one tenant; an event naming another must never get in.
    for index, event in enumerate(events):
        if event.tenant_id != tenant_id:
            raise Forbidden("an event names another tenant", field=f"events[{index}].tenant_id")


def _translated(err: ProviderError, platform: str) -> CuecardError:
    if isinstance(err, SignatureInvalid):
        return SignatureRejected(str(err) or "the request's signature does not verify")
    if isinstance(err, PayloadInvalid):
        return PayloadRejected(str(err) or "the payload cannot be read", field="body")
    if isinstance(err, ProviderNotReady):
        return Unavailable(f"{platform} cannot be verified right now; retry later")
    return Unavailable(f"{platform} webhook failed ({err.code}); retry later")
