"""Queue mappings and LLM integrations: where each queue's suggestions and answers come from."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from pydantic import SecretStr

from server.admin.pages import form_errors, page_tenant, read_form, redirect, render, text, url
from server.api.bodies import validate
from server.errors import CuecardError, InvalidInput
from server.keys import KNOWLEDGE, LLMS, MAPPINGS
from server.services.models import LlmIntegrationIn, QueueMappingIn

routes = web.RouteTableDef()
MAPPINGS_PATH = "/tenants/{tenant_id}/queue-mappings"
LLMS_PATH = "/tenants/{tenant_id}/llm-integrations"


@routes.get(MAPPINGS_PATH, name="mappings")
async def mappings_page(request: web.Request) -> web.StreamResponse:
    """The tenant's mappings and a form to add or replace one."""
    return await _mappings(request, values={"provider": "*", "queue": ""}, errors={})


@routes.post(MAPPINGS_PATH, name="mappings_put")
async def put_mapping(request: web.Request) -> web.StreamResponse:
    """Create or replace the mapping of a (provider, queue)."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {name: text(form, name) for name in _MAPPING_FIELDS}
    try:
        provider, queue = _required(values, "provider"), _required(values, "queue")
        body = validate(
            QueueMappingIn,
            {
                name: values[name] or None
                for name in ("kb_id", "system_prompt", "llm_integration_id")
            },
        )
        await request.config_dict[MAPPINGS].put(tenant.id, provider, queue, body)
    except CuecardError as err:
        return await _mappings(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "mappings", tenant_id=tenant.id)
    return redirect(request, location, f"Queue {queue} on {provider} mapped.")


@routes.post(MAPPINGS_PATH + "/delete", name="mapping_delete")
async def delete_mapping(request: web.Request) -> web.StreamResponse:
    """Delete one mapping."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    await request.config_dict[MAPPINGS].delete(
        tenant.id, text(form, "provider"), text(form, "queue")
    )
    return redirect(request, url(request, "mappings", tenant_id=tenant.id), "Mapping deleted.")


@routes.get(LLMS_PATH, name="llm_integrations")
async def llms_page(request: web.Request) -> web.StreamResponse:
    """The tenant's OpenAI-compatible endpoints; keys are write-only."""
    return await _llms(request, values={}, errors={})


@routes.post(LLMS_PATH, name="llm_integrations_create")
async def create_llm(request: web.Request) -> web.StreamResponse:
    """Add an LLM integration."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {name: text(form, name) for name in ("name", "base_url", "model")}
    key = text(form, "api_key")
    try:
        body = validate(LlmIntegrationIn, {**values, "api_key": SecretStr(key) if key else None})
        created = await request.config_dict[LLMS].create(tenant.id, body)
    except CuecardError as err:
        return await _llms(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "llm_integrations", tenant_id=tenant.id)
    return redirect(request, location, f"LLM integration {created.name} added.")


@routes.post(LLMS_PATH + "/{integration_id}/delete", name="llm_integration_delete")
async def delete_llm(request: web.Request) -> web.StreamResponse:
    """Delete an LLM integration (refused while a mapping uses it)."""
    tenant = await page_tenant(request)
    location = url(request, "llm_integrations", tenant_id=tenant.id)
    try:
        await request.config_dict[LLMS].delete(tenant.id, request.match_info["integration_id"])
    except CuecardError as err:
        return redirect(request, location, err.message, "error")
    return redirect(request, location, "LLM integration deleted.")


_MAPPING_FIELDS = ("provider", "queue", "kb_id", "system_prompt", "llm_integration_id")


def _required(values: Mapping[str, str], name: str) -> str:
    value = values[name]
    if not value or len(value) > 200:
        raise InvalidInput("must be 1 to 200 characters (* for any)", field=name)
    return value


async def _mappings(
    request: web.Request, *, values: Mapping[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    tenant = await page_tenant(request)
    kbs = await request.config_dict[KNOWLEDGE].list(tenant.id)
    llms = await request.config_dict[LLMS].list(tenant.id)
    context = {
        "mappings": await request.config_dict[MAPPINGS].list(tenant.id),
        "kb_names": {kb.id: kb.name for kb in kbs},
        "llm_names": {llm.id: llm.name for llm in llms},
        "kb_options": [("", "Tenant default knowledge base"), *((kb.id, kb.name) for kb in kbs)],
        "llm_options": [("", "No LLM (extractive answers)"), *((i.id, i.name) for i in llms)],
        "values": values,
        "errors": errors,
    }
    return render(request, "mappings.html", context, status=status)


async def _llms(
    request: web.Request, *, values: Mapping[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    tenant = await page_tenant(request)
    context = {
        "integrations": await request.config_dict[LLMS].list(tenant.id),
        "values": values,
        "errors": errors,
    }
    return render(request, "llm_integrations.html", context, status=status)
