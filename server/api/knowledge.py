"""/api/v1/knowledge-bases: a tenant's knowledge bases and their documents.

Every document change reaches the search index incrementally before the response is sent,
so a search right after a PUT finds the new text.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from server.api.bodies import (
    items_out,
    json_out,
    no_content,
    not_found,
    parse_json,
    read_json,
    read_model,
    validate,
)
from server.api.models import (
    BatchWritten,
    DocumentBatch,
    DocumentOut,
    DocumentSummary,
    KnowledgeBaseIn,
    KnowledgeBaseOut,
    KnowledgeBasePatch,
)
from server.api.openapi import api_doc
from server.errors import BodyTooLarge, InvalidInput
from server.keys import CONFIG_SYNC, STORE
from server.middlewares import request_tenant
from server.store.models import DocumentIn, KnowledgeBase

routes = web.RouteTableDef()
KBS = "/api/v1/knowledge-bases"
KB = KBS + "/{kb_id}"
DOCUMENT = KB + "/documents/{external_id:.+}"
MAX_BATCH_DOCUMENTS = 500


async def _own_kb(request: web.Request) -> KnowledgeBase:
    kb = await request.app[STORE].knowledge_bases.get(
        await request_tenant(request), request.match_info["kb_id"]
    )
    if kb is None:
        raise not_found("knowledge base")
    return kb


async def _kb_out(request: web.Request, kb: KnowledgeBase) -> KnowledgeBaseOut:
    return KnowledgeBaseOut.of(kb, await request.app[STORE].documents.count(kb.tenant_id, kb.id))


@routes.get(KBS)
@api_doc(response=KnowledgeBaseOut, items=True)
async def list_knowledge_bases(request: web.Request) -> web.Response:
    """The tenant's knowledge bases, by name."""
    kbs = await request.app[STORE].knowledge_bases.list(await request_tenant(request))
    return items_out([await _kb_out(request, kb) for kb in kbs])


@routes.post(KBS)
@api_doc(body=KnowledgeBaseIn, response=KnowledgeBaseOut, status=201, errors=(409,))
async def create_knowledge_base(request: web.Request) -> web.Response:
    """Add an (empty) knowledge base."""
    body = await read_model(request, KnowledgeBaseIn)
    store = request.app[STORE]
    kb = await store.knowledge_bases.create(
        await request_tenant(request), body.name, is_default=body.is_default
    )
    await request.app[CONFIG_SYNC].knowledge_base_changed(kb, created=True)
    return json_out(KnowledgeBaseOut.of(kb, 0), status=201)


@routes.get(KB)
@api_doc(response=KnowledgeBaseOut, errors=(404,))
async def get_knowledge_base(request: web.Request) -> web.Response:
    """One knowledge base."""
    return json_out(await _kb_out(request, await _own_kb(request)))


@routes.patch(KB)
@api_doc(body=KnowledgeBasePatch, response=KnowledgeBaseOut, errors=(404, 409))
async def patch_knowledge_base(request: web.Request) -> web.Response:
    """Rename it, or make it (or stop it being) the tenant's default."""
    body = await read_model(request, KnowledgeBasePatch)
    kb = await _own_kb(request)
    kb = await request.app[STORE].knowledge_bases.update(
        kb.tenant_id, kb.id, name=body.name, is_default=body.is_default
    )
    await request.app[CONFIG_SYNC].knowledge_base_changed(kb)
    return json_out(await _kb_out(request, kb))


@routes.delete(KB)
@api_doc(status=204, errors=(404, 409))
async def delete_knowledge_base(request: web.Request) -> web.Response:
    """Delete it with its documents; 409 while a queue mapping routes to it."""
    kb = await _own_kb(request)
    sync = request.app[CONFIG_SYNC]
    async with sync.editing(kb.id):
        if not await request.app[STORE].knowledge_bases.delete(kb.tenant_id, kb.id):
            raise not_found("knowledge base")
    await sync.knowledge_base_dropped(kb.tenant_id, kb.id)
    return no_content()


@routes.get(KB + "/documents")
@api_doc(response=DocumentSummary, items=True, errors=(404,))
async def list_documents(request: web.Request) -> web.Response:
    """The knowledge base's documents (without their bodies), by external id."""
    kb = await _own_kb(request)
    documents = await request.app[STORE].documents.list(kb.tenant_id, kb.id)
    return items_out([DocumentSummary.of(doc) for doc in documents])


@routes.get(DOCUMENT)
@api_doc(response=DocumentOut, errors=(404,))
async def get_document(request: web.Request) -> web.Response:
    """One document, with its body."""
    kb = await _own_kb(request)
    doc = await request.app[STORE].documents.get(
        kb.tenant_id, kb.id, request.match_info["external_id"]
    )
    if doc is None:
        raise not_found("document")
    return json_out(DocumentOut.of(doc))


@routes.put(DOCUMENT)
@api_doc(body=DocumentIn, response=DocumentOut, status=201, extra_statuses=(200,), errors=(404,))
async def put_document(request: web.Request) -> web.Response:
    """Create or replace the document with this external id (201 if new, else 200)."""
    kb = await _own_kb(request)
    document = _document_in(await read_json(request), request.match_info["external_id"])
    sync = request.app[CONFIG_SYNC]
    async with sync.editing(kb.id):
        stored, created = await request.app[STORE].documents.upsert(kb, document)
        await sync.documents_changed(kb, [stored], [])
    return json_out(DocumentOut.of(stored), status=201 if created else 200)


@routes.delete(DOCUMENT)
@api_doc(status=204, errors=(404,))
async def delete_document(request: web.Request) -> web.Response:
    """Delete one document."""
    kb = await _own_kb(request)
    external_id = request.match_info["external_id"]
    sync = request.app[CONFIG_SYNC]
    async with sync.editing(kb.id):
        if not await request.app[STORE].documents.delete(kb.tenant_id, kb.id, external_id):
            raise not_found("document")
        await sync.documents_changed(kb, [], [external_id])
    return no_content()


@routes.post(KB + "/documents:batch")
@api_doc(body=DocumentBatch, response=BatchWritten, errors=(404,))
async def batch_documents(request: web.Request) -> web.Response:
    """Create or replace up to 500 documents; all are validated before any is written."""
    kb = await _own_kb(request)
    # Parsing and validating a large batch is CPU work: keep it off the event loop.
    documents = await asyncio.to_thread(_parse_batch, await request.read(), MAX_BATCH_DOCUMENTS)
    store, sync = request.app[STORE], request.app[CONFIG_SYNC]
    async with sync.editing(kb.id):
        written = await store.documents.upsert_many(kb, documents)
        ids = [doc.external_id for doc in documents]
        await sync.documents_changed(
            kb, await store.documents.get_many(kb.tenant_id, kb.id, ids), []
        )
    return json_out({"written": written})


def _document_in(raw: Any, external_id: str) -> DocumentIn:
    if isinstance(raw, dict) and raw.get("external_id", external_id) != external_id:
        raise InvalidInput("does not match the external id in the URL", field="external_id")
    fields = {**raw, "external_id": external_id} if isinstance(raw, dict) else raw
    return validate(DocumentIn, fields)


def _parse_batch(body: bytes, limit: int) -> list[DocumentIn]:
    raw = parse_json(body)
    prefix = "documents"
    if isinstance(raw, dict) and set(raw) == {"documents"}:
        raw = raw["documents"]
    if not isinstance(raw, list):
        raise InvalidInput('expected [document, ...] or {"documents": [...]}', field="body")
    if not raw:
        raise InvalidInput("no documents given", field=prefix)
    if len(raw) > limit:
        raise BodyTooLarge(f"at most {limit} documents per request", field=prefix)
    documents = [validate(DocumentIn, item, prefix=f"{prefix}[{n}]") for n, item in enumerate(raw)]
    seen: dict[str, int] = {}
    for index, doc in enumerate(documents):
        if (first := seen.setdefault(doc.external_id, index)) != index:
            raise InvalidInput(
                f"repeats the external id of {prefix}[{first}]",
                field=f"{prefix}[{index}].external_id",
            )
    return documents
