"""A tenant's entity types: named patterns for the agent's details panel, and its threshold.

Changes reach every server node within ``entity_rules.CACHE_SECONDS``. The "Try it" box runs
the tenant's rules on a sample line in the browser's request only: nothing is stored or logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from server.admin.pages import form_errors, page_tenant, read_form, redirect, render, text, url
from server.assist.entities import DEFAULT_THRESHOLD, extract
from server.assist.entity_rules import check_entity_type, check_threshold, recognisers
from server.errors import CuecardError, InvalidInput, NotFound
from server.keys import STORE

routes = web.RouteTableDef()
PATH = "/tenants/{tenant_id}/entity-types"
MAX_SAMPLE = 500


@routes.get(PATH, name="entity_types")
async def entity_types_page(request: web.Request) -> web.StreamResponse:
    """The tenant's entity types, its threshold, and a form to add a type."""
    return await _page(request, values={}, errors={})


@routes.post(PATH, name="entity_types_create")
async def create_entity_type(request: web.Request) -> web.StreamResponse:
    """Add a named pattern."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {name: text(form, name) for name in ("name", "pattern", "confidence")}
    try:
        confidence = _number(values["confidence"] or "0.9", "confidence")
        check_entity_type(values["name"], values["pattern"], confidence)
        await request.config_dict[STORE].entity_types.create(
            tenant.id, name=values["name"], pattern=values["pattern"], confidence=confidence
        )
    except CuecardError as err:
        return await _page(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "entity_types", tenant_id=tenant.id)
    return redirect(request, location, f"Entity type {values['name']} added.")


@routes.post(PATH + "/{type_id}/delete", name="entity_type_delete")
async def delete_entity_type(request: web.Request) -> web.StreamResponse:
    """Remove a named pattern."""
    tenant = await page_tenant(request)
    deleted = await request.config_dict[STORE].entity_types.delete(
        tenant.id, request.match_info["type_id"]
    )
    if not deleted:
        raise NotFound("no such entity type")
    return redirect(request, url(request, "entity_types", tenant_id=tenant.id), "Type deleted.")


@routes.post(PATH + "/threshold", name="entity_threshold")
async def set_threshold(request: web.Request) -> web.StreamResponse:
    """Set the confidence a detail needs to be shown."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {"threshold": text(form, "threshold")}
    try:
        threshold = check_threshold(_number(values["threshold"], "threshold"))
        await request.config_dict[STORE].entity_types.set_threshold(tenant.id, threshold)
    except CuecardError as err:
        return await _page(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "entity_types", tenant_id=tenant.id)
    return redirect(request, location, f"Details are shown from confidence {threshold:.2f}.")


@routes.post(PATH + "/try", name="entity_types_try")
async def try_rules(request: web.Request) -> web.StreamResponse:
    """Show what the tenant's rules find in a sample line."""
    form = await read_form(request)
    sample = text(form, "sample")[:MAX_SAMPLE]
    return await _page(request, values={"sample": sample}, errors={}, sample=sample)


def _number(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError as err:
        raise InvalidInput("enter a number such as 0.8", field=field) from err


async def _page(
    request: web.Request,
    *,
    values: Mapping[str, str],
    errors: dict[str, str],
    status: int = 200,
    sample: str | None = None,
) -> web.Response:
    tenant = await page_tenant(request)
    repository = request.config_dict[STORE].entity_types
    types = await repository.list(tenant.id)
    threshold = await repository.threshold(tenant.id)
    context: dict[str, Any] = {
        "types": types,
        "threshold": threshold if threshold is not None else DEFAULT_THRESHOLD,
        "values": values,
        "errors": errors,
        "found": None,
    }
    if sample:
        context["found"] = extract(sample, recognisers(types))
    response = render(request, "entity_types.html", context, status=status)
    # A sample may hold customer details: keep it out of caches and history.
    response.headers["Cache-Control"] = "no-store"
    return response
