"""Reading request bodies into pydantic models and writing models as JSON responses."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from server.errors import InvalidInput, MalformedBody, NotFound, invalid_input

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_json(body: bytes) -> Any:
    """The JSON value of a body; :class:`MalformedBody` if it is not JSON."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedBody(f"the body is not valid JSON: {err}") from err


async def read_json(request: web.Request) -> Any:
    """The request's JSON body."""
    return parse_json(await request.read())


def validate(model: type[ModelT], value: Any, *, prefix: str = "") -> ModelT:
    """``value`` as ``model``; :class:`InvalidInput` naming the first bad field."""
    if not isinstance(value, dict):
        raise InvalidInput("expected a JSON object", field=prefix or "body")
    try:
        return model.model_validate(value)
    except ValidationError as err:
        raise invalid_input(err, prefix=prefix) from err


async def read_model(request: web.Request, model: type[ModelT]) -> ModelT:
    """The request's JSON body validated as ``model``."""
    return validate(model, await read_json(request))


async def read_files(request: web.Request, field: str) -> list[tuple[str, bytes]]:
    """The ``(filename, content)`` of every file posted as ``field`` in a multipart form."""
    if request.content_type != "multipart/form-data":
        raise InvalidInput("expected a multipart/form-data upload", field=field)
    form = await request.post()
    files = []
    for value in form.getall(field, []):
        if isinstance(value, web.FileField):
            with value.file:
                files.append((value.filename, value.file.read()))
    return files


def json_out(value: BaseModel | dict[str, Any], *, status: int = 200) -> web.Response:
    """A JSON response from a model (dumped in JSON mode) or a plain dict."""
    body = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return web.json_response(body, status=status)


def items_out(values: list[ModelT]) -> web.Response:
    """A list response: ``{"items": [...]}``."""
    return web.json_response({"items": [value.model_dump(mode="json") for value in values]})


def no_content() -> web.Response:
    """204, for deletions."""
    return web.Response(status=204)


def not_found(what: str) -> NotFound:
    """The 404 for anything the tenant does not have (another tenant's looks the same)."""
    return NotFound(f"no such {what}")
