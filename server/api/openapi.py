"""The OpenAPI 3.1 document of /api/v1, built from the pydantic models each handler declares.

Handlers say what they take and give with :func:`api_doc`; :func:`openapi_document` walks
the router, so a route cannot exist without appearing in the document (a test checks that
every /api/v1 route is declared).

Example::

    @routes.post("/api/v1/knowledge-bases")
    @api_doc(body=KnowledgeBaseIn, response=KnowledgeBaseOut, status=201)
    async def create_knowledge_base(request: web.Request) -> web.Response: ...
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

API_PREFIX = "/api/v1/"
OPENAPI_PATH = "/api/v1/openapi.json"
REF = "#/components/schemas/{model}"
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])
routes = web.RouteTableDef()

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable error code, e.g. invalid_input."},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "The field at fault, e.g. events[1].text."},
    },
}
_ERROR_TEXT = {
    400: "Malformed body",
    401: "No or an invalid credential",
    403: "Not allowed for this credential",
    404: "Not found in this tenant",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "A field failed validation; `field` names it",
    503: "Not done yet (in progress elsewhere, or a backing service unreachable): retry",
}


@dataclass(frozen=True)
class ApiDoc:
    """What one operation takes and gives."""

    body: type[BaseModel] | None = None
    body_schema: dict[str, Any] | None = None
    response: type[BaseModel] | None = None
    response_schema: dict[str, Any] | None = None
    items: bool = False
    status: int = 200
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False
    extra_statuses: tuple[int, ...] = field(default=())


def api_doc(**fields: Any) -> Callable[[HandlerT], HandlerT]:
    """Declare a handler's request and response models for the OpenAPI document."""
    doc = ApiDoc(**fields)

    def declare(handler: HandlerT) -> HandlerT:
        handler.__api_doc__ = doc  # type: ignore[attr-defined]
        return handler

    return declare


def declared(handler: Callable[..., Any]) -> ApiDoc | None:
    """The handler's declaration, if it has one."""
    doc = getattr(handler, "__api_doc__", None)
    return doc if isinstance(doc, ApiDoc) else None


def api_routes(app: web.Application) -> Iterable[tuple[str, str, Callable[..., Any]]]:
    """(method, path, handler) of every /api/v1 route of ``app``."""
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(API_PREFIX) and route.method not in ("HEAD", "*"):
            yield route.method, path, route.handler


def openapi_document(app: web.Application, *, version: str) -> dict[str, Any]:
    """The OpenAPI document of every /api/v1 route of ``app``."""
    operations = [(m, p, h, declared(h) or ApiDoc()) for m, p, h in api_routes(app)]
    refs, schemas = _component_schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler, doc in operations:
        paths.setdefault(path, {})[method.lower()] = _operation(path, handler, doc, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cuecard API",
            "version": version,
            "description": "Tenant-scoped REST API. See docs/rest.md for the full contract.",
        },
        "paths": paths,
        "components": {
            "schemas": {**schemas, "Error": _ERROR},
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "Tenant API key"}
            },
        },
        "security": [{"apiKey": []}],
    }


Refs = dict[tuple[Any, str], dict[str, Any]]


def _component_schemas(operations: list[tuple[str, str, Any, ApiDoc]]) -> tuple[Refs, Any]:
    """A ``$ref`` per (model, mode) and the component schemas they point at."""
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for _, _, _, doc in operations:
        if doc.body is not None:
            models[(doc.body, "validation")] = None
        if doc.response is not None:
            models[(doc.response, "serialization")] = None
    refs, top = models_json_schema(list(models), ref_template=REF)
    return {key: dict(value) for key, value in refs.items()}, top.get("$defs", {})


def _operation(path: str, handler: Callable[..., Any], doc: ApiDoc, refs: Refs) -> dict[str, Any]:
    summary, _, description = (inspect.getdoc(handler) or handler.__name__).partition("\n")
    operation: dict[str, Any] = {
        "operationId": handler.__name__,
        "summary": summary.strip(),
        "parameters": [*_path_parameters(path), *_query_parameters(doc)],
        "responses": _responses(doc, refs),
    }
    if description.strip():
        operation["description"] = description.strip()
    if doc.body is not None or doc.body_schema is not None:
        schema = doc.body_schema or refs[(doc.body, "validation")]
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    if doc.public:
        operation["security"] = []
    return operation


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", path)
    ]


def _query_parameters(doc: ApiDoc) -> list[dict[str, Any]]:
    if doc.query is None:
        return []
    schema = doc.query.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _responses(doc: ApiDoc, refs: Refs) -> dict[str, Any]:
    responses: dict[str, Any] = {str(doc.status): _success(doc, refs)}
    for status in doc.extra_statuses:
        responses[str(status)] = {"description": "Also a success", **_content(doc, refs)}
    errors = {401, *doc.errors} - ({401} if doc.public else set())
    if doc.body is not None or doc.body_schema is not None:
        errors |= {400, 413, 422}
    if doc.query is not None:
        errors.add(422)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
    return responses


def _success(doc: ApiDoc, refs: Refs) -> dict[str, Any]:
    if doc.status == 204:
        return {"description": "Done; no body"}
    return {"description": "Success", **_content(doc, refs)}


def _content(doc: ApiDoc, refs: Refs) -> dict[str, Any]:
    if doc.response is None:
        schema = doc.response_schema or {"type": "object"}
    else:
        schema = refs[(doc.response, "serialization")]
    if doc.items:
        schema = {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": schema}},
        }
    return {"content": {"application/json": {"schema": schema}}}


@routes.get(OPENAPI_PATH)
@api_doc(public=True, response_schema={"type": "object", "description": "This document"})
async def get_openapi(request: web.Request) -> web.Response:
    """This API's OpenAPI 3.1 document (no credential needed)."""
    return web.json_response(openapi_document(request.app, version=version("cuecard")))
