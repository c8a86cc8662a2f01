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
    parse_json,
    read_files,
    read_json,
    read_model,
    validate,
)
from server.api.models import (
    BatchWritten,
    DocumentBatch,
    DocumentOut,
    ReindexOut,
    SearchQuery,
    SearchResultsOut,
    UploadOut,
)
from server.api.openapi import api_doc
from server.errors import BodyTooLarge, InvalidInput
from server.keys import KNOWLEDGE
from server.middlewares import request_tenant
from server.services.models import (
    DocumentSummary,
    KnowledgeBaseIn,
    KnowledgeBaseOut,
    KnowledgeBasePatch,
)
from server.store.models import DocumentIn

routes = web.RouteTableDef()
KBS = "/api/v1/knowledge-bases"
KB = KBS + "/{kb_id:[^/:]+}"
DOCUMENT = KB + "/documents/{external_id:.+}"
MAX_BATCH_DOCUMENTS = 500
MAX_UPLOAD_BYTES = 32 * 1024 * 1024


def _kb_id(request: web.Request) -> str:
    return request.match_info["kb_id"]


@routes.get(KBS)
@api_doc(response=KnowledgeBaseOut, items=True)
async def list_knowledge_bases(request: web.Request) -> web.Response:
    """The tenant's knowledge bases, by name."""
    return items_out(await request.app[KNOWLEDGE].list(await request_tenant(request)))


@routes.post(KBS)
@api_doc(body=KnowledgeBaseIn, response=KnowledgeBaseOut, status=201, errors=(409,))
async def create_knowledge_base(request: web.Request) -> web.Response:
    """Add an (empty) knowledge base."""
    body = await read_model(request, KnowledgeBaseIn)
    kb = await request.app[KNOWLEDGE].create(await request_tenant(request), body)
    return json_out(KnowledgeBaseOut.of(kb, 0), status=201)


@routes.get(KB)
@api_doc(response=KnowledgeBaseOut, errors=(404,))
async def get_knowledge_base(request: web.Request) -> web.Response:
    """One knowledge base."""
    knowledge = request.app[KNOWLEDGE]
    kb = await knowledge.get(await request_tenant(request), _kb_id(request))
    return json_out(await knowledge.out(kb))


@routes.patch(KB)
@api_doc(body=KnowledgeBasePatch, response=KnowledgeBaseOut, errors=(404, 409))
async def patch_knowledge_base(request: web.Request) -> web.Response:
    """Rename it, or make it (or stop it being) the tenant's default."""
    body = await read_model(request, KnowledgeBasePatch)
    knowledge = request.app[KNOWLEDGE]
    kb = await knowledge.update(await request_tenant(request), _kb_id(request), body)
    return json_out(await knowledge.out(kb))


@routes.delete(KB)
@api_doc(status=204, errors=(404, 409))
async def delete_knowledge_base(request: web.Request) -> web.Response:
    """Delete it with its documents; 409 while a queue mapping routes to it."""
    await request.app[KNOWLEDGE].delete(await request_tenant(request), _kb_id(request))
    return no_content()


@routes.post(KB + ":reindex")
@api_doc(response=ReindexOut, errors=(404,))
async def reindex_knowledge_base(request: web.Request) -> web.Response:
    """Rebuild its search index from the stored documents, on every node."""
    count = await request.app[KNOWLEDGE].reindex(await request_tenant(request), _kb_id(request))
    return json_out(ReindexOut(documents=count))


@routes.get(KB + ":search")
@api_doc(query=SearchQuery, response=SearchResultsOut, errors=(404,))
async def search_knowledge_base(request: web.Request) -> web.Response:
    """What agents would be shown for ``?q=``, best first, with scores and highlights."""
    params = validate(SearchQuery, dict(request.query))
    query, limit = params.q, params.limit
    results = await request.app[KNOWLEDGE].search(
        await request_tenant(request), _kb_id(request), query, limit
    )
    return json_out(SearchResultsOut(query=query, items=results))


@routes.get(KB + "/documents")
@api_doc(response=DocumentSummary, items=True, errors=(404,))
async def list_documents(request: web.Request) -> web.Response:
    """The knowledge base's documents (without their bodies), by external id."""
    return items_out(
        await request.app[KNOWLEDGE].documents(await request_tenant(request), _kb_id(request))
    )


@routes.post(KB + "/documents:upload")
@api_doc(response=UploadOut, status=201, errors=(404, 413, 422))
async def upload_documents(request: web.Request) -> web.Response:
    """Import files from a multipart form (field ``files``); all parse before any is written."""
    tenant_id = await request_tenant(request)
    files = await read_files(request.clone(client_max_size=MAX_UPLOAD_BYTES), "files")
    written = await request.app[KNOWLEDGE].upload(tenant_id, _kb_id(request), files)
    return json_out(UploadOut(written=len(written), external_ids=written), status=201)


@routes.get(DOCUMENT)
@api_doc(response=DocumentOut, errors=(404,))
async def get_document(request: web.Request) -> web.Response:
    """One document, with its body."""
    doc = await request.app[KNOWLEDGE].document(
        await request_tenant(request), _kb_id(request), request.match_info["external_id"]
    )
    return json_out(DocumentOut.of(doc))


@routes.put(DOCUMENT)
@api_doc(body=DocumentIn, response=DocumentOut, status=201, extra_statuses=(200,), errors=(404,))
async def put_document(request: web.Request) -> web.Response:
    """Create or replace the document with this external id (201 if new, else 200)."""
    knowledge = request.app[KNOWLEDGE]
    kb = await knowledge.get(await request_tenant(request), _kb_id(request))
    document = _document_in(await read_json(request), request.match_info["external_id"])
    stored, created = await knowledge.put_document(kb, document)
    return json_out(DocumentOut.of(stored), status=201 if created else 200)


@routes.delete(DOCUMENT)
@api_doc(status=204, errors=(404,))
async def delete_document(request: web.Request) -> web.Response:
    """Delete one document."""
    await request.app[KNOWLEDGE].delete_document(
        await request_tenant(request), _kb_id(request), request.match_info["external_id"]
    )
    return no_content()


@routes.post(KB + "/documents:batch")
@api_doc(body=DocumentBatch, response=BatchWritten, errors=(404,))
async def batch_documents(request: web.Request) -> web.Response:
    """Create or replace up to 500 documents; all are validated before any is written."""
    knowledge = request.app[KNOWLEDGE]
    kb = await knowledge.get(await request_tenant(request), _kb_id(request))
    # Parsing and validating a large batch is CPU work: keep it off the event loop.
    documents = await asyncio.to_thread(_parse_batch, await request.read(), MAX_BATCH_DOCUMENTS)
    return json_out({"written": await knowledge.put_documents(kb, documents)})


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
