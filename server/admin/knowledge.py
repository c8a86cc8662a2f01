"""Knowledge bases: create, upload files (with progress), documents, re-index, try a query."""

from __future__ import annotations

from aiohttp import web

from server.admin.pages import (
    form_errors,
    json_redirect,
    page_tenant,
    read_form,
    redirect,
    render,
    text,
    url,
)
from server.admin.relevance import explain
from server.api.bodies import read_files, validate
from server.errors import CuecardError
from server.keys import KNOWLEDGE, SETTINGS
from server.services.models import KnowledgeBaseIn

routes = web.RouteTableDef()
KBS = "/tenants/{tenant_id}/knowledge-bases"
KB = KBS + "/{kb_id}"
# Results "Try a query" asks for; those past the relevance cut-off are folded away.
TRY_LIMIT = 10


@routes.get(KBS, name="knowledge_bases")
async def knowledge_bases_page(request: web.Request) -> web.StreamResponse:
    """The tenant's knowledge bases and a form for a new one."""
    return await _list(request, values={}, errors={})


@routes.post(KBS, name="knowledge_bases_create")
async def create_knowledge_base(request: web.Request) -> web.StreamResponse:
    """Add a knowledge base."""
    tenant = await page_tenant(request)
    form = await read_form(request)
    values = {"name": text(form, "name"), "is_default": form.get("is_default") == "on"}
    try:
        body = validate(KnowledgeBaseIn, values)
        kb = await request.config_dict[KNOWLEDGE].create(tenant.id, body)
    except CuecardError as err:
        return await _list(request, values=values, errors=form_errors(err), status=err.status)
    location = url(request, "knowledge_base", tenant_id=tenant.id, kb_id=kb.id)
    return redirect(request, location, f"Knowledge base {kb.name} created.")


@routes.get(KB, name="knowledge_base")
async def knowledge_base_page(request: web.Request) -> web.StreamResponse:
    """One knowledge base: its documents, an upload form and a query box (``?q=``)."""
    tenant = await page_tenant(request)
    knowledge = request.config_dict[KNOWLEDGE]
    kb = await knowledge.get(tenant.id, request.match_info["kb_id"])
    query = request.query.get("q", "").strip()
    errors: dict[str, str] = {}
    tried = None
    if query:
        try:
            results = await knowledge.search(tenant.id, kb.id, query, TRY_LIMIT)
        except CuecardError as err:
            errors = form_errors(err)
        else:
            agents_see = request.config_dict[SETTINGS].suggestions_per_event
            tried = explain(query, results, agents_see)
    context = {
        "kb": await knowledge.out(kb),
        "documents": await knowledge.documents(tenant.id, kb.id),
        "query": query,
        "tried": tried,
        "show_all": request.query.get("all") == "1",
        "errors": errors,
    }
    return render(request, "knowledge_base.html", context)


@routes.post(KB + "/upload", name="knowledge_base_upload")
async def upload(request: web.Request) -> web.StreamResponse:
    """Import uploaded files; a script (Accept: JSON) gets JSON, a plain form a redirect."""
    tenant = await page_tenant(request)
    kb_id = request.match_info["kb_id"]
    wants_json = "application/json" in request.headers.get("Accept", "")
    here = url(request, "knowledge_base", tenant_id=tenant.id, kb_id=kb_id)
    try:
        files = await read_files(request, "files")
        written = await request.config_dict[KNOWLEDGE].upload(tenant.id, kb_id, files)
    except CuecardError as err:
        if wants_json:
            return web.json_response(err.to_dict(), status=err.status)
        return redirect(request, here, err.message, "error")
    message = f"Uploaded {len(written)} document(s): {', '.join(written)}."
    if wants_json:
        return json_redirect(request, here, message)
    return redirect(request, here, message)


@routes.post(KB + "/reindex", name="knowledge_base_reindex")
async def reindex(request: web.Request) -> web.StreamResponse:
    """Rebuild the search index from the stored documents."""
    tenant = await page_tenant(request)
    kb_id = request.match_info["kb_id"]
    count = await request.config_dict[KNOWLEDGE].reindex(tenant.id, kb_id)
    here = url(request, "knowledge_base", tenant_id=tenant.id, kb_id=kb_id)
    return redirect(request, here, f"Re-indexed {count} document(s).")


@routes.post(KB + "/delete", name="knowledge_base_delete")
async def delete_knowledge_base(request: web.Request) -> web.StreamResponse:
    """Delete the knowledge base and its documents."""
    tenant = await page_tenant(request)
    kb_id = request.match_info["kb_id"]
    try:
        await request.config_dict[KNOWLEDGE].delete(tenant.id, kb_id)
    except CuecardError as err:
        here = url(request, "knowledge_base", tenant_id=tenant.id, kb_id=kb_id)
        return redirect(request, here, err.message, "error")
    location = url(request, "knowledge_bases", tenant_id=tenant.id)
    return redirect(request, location, "Knowledge base deleted.")


@routes.post(KB + "/documents/delete", name="document_delete")
async def delete_document(request: web.Request) -> web.StreamResponse:
    """Delete one document (its external id is in the form)."""
    tenant = await page_tenant(request)
    kb_id = request.match_info["kb_id"]
    external_id = text(await read_form(request), "external_id")
    await request.config_dict[KNOWLEDGE].delete_document(tenant.id, kb_id, external_id)
    here = url(request, "knowledge_base", tenant_id=tenant.id, kb_id=kb_id)
    return redirect(request, here, f"Deleted {external_id}.")


async def _list(
    request: web.Request, *, values: dict[str, object], errors: dict[str, str], status: int = 200
) -> web.Response:
    tenant = await page_tenant(request)
    kbs = await request.config_dict[KNOWLEDGE].list(tenant.id)
    context = {"kbs": kbs, "values": values, "errors": errors}
    return render(request, "knowledge_bases.html", context, status=status)
