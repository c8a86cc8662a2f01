"""The double's REST API below ``/services/data/vXX.X`` (protocols.md 7.3).

sObject get / update / upsert by external id, query (with ``nextRecordsUrl`` pages), limits,
and composite, which runs its subrequests through the same :func:`serve` in one transaction.
Every response carries ``Sforce-Limit-Info``; each top-level call (a composite included)
counts once against the org's allocation. Errors are Salesforce's JSON error array. The
faults in ``world.faults`` answer 403 REQUEST_LIMIT_EXCEEDED or 401 INVALID_SESSION_ID, or
stall requests (a server that dies mid-write).
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

from tests.doubles.salesforce import composite, soql
from tests.doubles.salesforce.oauth import WORLD
from tests.doubles.salesforce.replies import Reply, error
from tests.doubles.salesforce.world import SalesforceWorld

_DATA = re.compile(r"^/services/data/(?P<version>v\d{2,3}\.0)(?P<rest>/.*)$")


def install(app: web.Application) -> None:
    """Route everything below /services/data to :func:`handle`."""
    app.router.add_route("*", "/services/data/{tail:.*}", handle)


async def handle(request: web.Request) -> web.Response:
    """One top-level REST call: session, faults, then :func:`serve`."""
    world, faults = request.app[WORLD], request.app[WORLD].faults
    stalls = bool(faults.stall) and str(faults.stall) in request.path
    reply = _refusal(world, request.headers.get("Authorization", ""))
    if reply is None and stalls and not faults.stall_after_applying:
        await _stall(world)
        reply = error(503, "SERVER_UNAVAILABLE", "Server unavailable, try again later")
    if reply is None:
        world.api_used += 1
        try:
            body = await request.json() if request.can_read_body else None
        except ValueError:
            reply = error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        else:
            reply = serve(world, request.method, request.path_qs, body)
        if stalls and faults.stall_after_applying:
            await _stall(world)
    world.requests.append((request.method, request.path, reply.status))
    headers = {"Sforce-Limit-Info": world.limit_info(), **reply.headers}
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    return web.json_response(reply.body, status=reply.status, headers=headers)


async def _stall(world: SalesforceWorld) -> None:
    world.faults.stalled += 1
    await world.faults.stall_lifted.wait()


def _refusal(world: SalesforceWorld, authorization: str) -> Reply | None:
    faults = world.faults
    scheme, _, value = authorization.partition(" ")
    issued = world.tokens.get(value) if scheme.lower() == "bearer" else None
    if faults.invalid_session > 0 or issued is None or issued.expired:
        faults.invalid_session = max(0, faults.invalid_session - 1)
        reply = error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        reply.headers["WWW-Authenticate"] = "Token"
        return reply
    if faults.limit_storm or faults.limit_exceeded > 0:
        faults.limit_exceeded = max(0, faults.limit_exceeded - 1)
        return error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    return None


def serve(world: SalesforceWorld, method: str, path_qs: str, body: Any) -> Reply:
    """Answer one REST request (a top-level one or a composite subrequest)."""
    parts = urlsplit(path_qs)
    match = _DATA.match(parts.path)
    if match is None:
        return error(404, "NOT_FOUND", "The requested resource does not exist")
    version, rest = match["version"], match["rest"].rstrip("/")
    query = dict(parse_qsl(parts.query))
    segments = rest.split("/")[1:]
    if segments[:1] == ["sobjects"] and len(segments) in (3, 4):
        return _sobject(world, method, version, segments[1:], query, body)
    if rest == "/composite" and method == "POST":
        return composite.run(world, version, body, serve)
    if rest == "/query" and method == "GET":
        return _query(world, version, query.get("q", ""))
    if segments[:1] == ["query"] and len(segments) == 2 and method == "GET":
        return _next_page(world, version, segments[1])
    if rest == "/limits" and method == "GET":
        remaining = world.api_max - world.api_used
        return Reply(200, {"DailyApiRequests": {"Max": world.api_max, "Remaining": remaining}})
    return error(404, "NOT_FOUND", "The requested resource does not exist")


def _sobject(
    world: SalesforceWorld,
    method: str,
    version: str,
    segments: list[str],
    query: dict[str, str],
    body: Any,
) -> Reply:
    sobject = segments[0]
    if sobject not in world.schema:
        return error(404, "NOT_FOUND", f"The requested resource does not exist ({sobject})")
    if len(segments) == 3:
        if method != "PATCH":
            return error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")
        return _upsert(world, version, sobject, segments[1], segments[2], body)
    record_id = segments[1]
    if method == "GET":
        return _get(world, version, sobject, record_id, query.get("fields"))
    if method == "PATCH":
        return _update(world, sobject, record_id, body)
    return error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")


def _get(
    world: SalesforceWorld, version: str, sobject: str, record_id: str, fields: str | None
) -> Reply:
    row = _row(world, sobject, record_id)
    if row is None:
        return error(404, "NOT_FOUND", "The requested resource does not exist")
    names = fields.split(",") if fields else sorted(world.schema[sobject].fields)
    unknown = [name for name in names if name not in world.schema[sobject].fields]
    if unknown:
        return error(
            400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {sobject}"
        )
    url = f"/services/data/{version}/sobjects/{sobject}/{row['Id']}"
    return Reply(
        200,
        {"attributes": {"type": sobject, "url": url}, **{name: row.get(name) for name in names}},
    )


def _update(world: SalesforceWorld, sobject: str, record_id: str, body: Any) -> Reply:
    row = _row(world, sobject, record_id)
    if row is None:
        return error(404, "NOT_FOUND", "The requested resource does not exist")
    problem = _invalid(world, sobject, body, row)
    if problem is not None:
        return problem
    row.update(body)
    return Reply(204)


def _upsert(
    world: SalesforceWorld, version: str, sobject: str, id_field: str, value: str, body: Any
) -> Reply:
    schema = world.schema[sobject]
    if id_field not in schema.external_ids:
        return error(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {id_field}",
        )
    rows = world.records.setdefault(sobject, {})
    matches = [row for row in rows.values() if str(row.get(id_field)) == value]
    if len(matches) > 1:
        urls = [f"/services/data/{version}/sobjects/{sobject}/{row['Id']}" for row in matches]
        return Reply(300, urls)
    existing = matches[0] if matches else None
    problem = _invalid(world, sobject, body, existing or {})
    if problem is not None:
        return problem
    if existing is not None:
        existing.update(body)
        return Reply(200, {"id": existing["Id"], "success": True, "errors": [], "created": False})
    record_id = world.new_id(sobject)
    rows[record_id] = {"Id": record_id, **body, id_field: value}
    return Reply(201, {"id": record_id, "success": True, "errors": [], "created": True})


def _invalid(
    world: SalesforceWorld, sobject: str, body: Any, current: dict[str, Any]
) -> Reply | None:
    if not isinstance(body, dict):
        return error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    schema = world.schema[sobject]
    for name, value in body.items():
        if name not in schema.fields or name == "Id":
            return error(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on sobject of type {sobject}",
                [name],
            )
        allowed = schema.picklists.get(name)
        if allowed is not None and value not in allowed:
            return error(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{name}: bad value for restricted picklist field: {value}",
                [name],
            )
        if name in schema.references and value and not _exists(world, str(value)):
            return error(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
    merged = {**current, **body}
    for rule in world.validation_rules:
        item = rule(sobject, merged)
        if item is not None:
            return Reply(400, [item])
    return None


def _exists(world: SalesforceWorld, record_id: str) -> bool:
    return world.find(record_id) is not None or record_id in world.users


def _row(world: SalesforceWorld, sobject: str, record_id: str) -> dict[str, Any] | None:
    found = world.find(record_id)
    return found[1] if found is not None and found[0] == sobject else None


def _query(world: SalesforceWorld, version: str, text: str) -> Reply:
    try:
        records = soql.run(world, soql.parse(text), version)
    except soql.SoqlError as err:
        return error(400, err.code, err.message)
    return _page(world, version, records, 0)


def _next_page(world: SalesforceWorld, version: str, cursor: str) -> Reply:
    locator, _, offset = cursor.rpartition("-")
    records = world.cursors.get(locator)
    if records is None or not offset.isdigit():
        return error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(world, version, records, int(offset), locator)


def _page(
    world: SalesforceWorld,
    version: str,
    records: list[dict[str, Any]],
    offset: int,
    locator: str | None = None,
) -> Reply:
    size = world.query_page_size
    page = copy.deepcopy(records[offset : offset + size])
    body: dict[str, Any] = {"totalSize": len(records), "done": True, "records": page}
    if offset + size < len(records):
        locator = locator or world.new_locator()
        world.cursors[locator] = records
        body["done"] = False
        body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{offset + size}"
    return Reply(200, body)
