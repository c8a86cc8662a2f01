"""Reading request bodies into pydantic models and writing models as JSON responses."""

from __future__ import annotations

import json
from collections import deque
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy
from pydantic import BaseModel, ValidationError

from server.errors import InvalidInput, MalformedBody, NotFound, invalid_input

ModelT = TypeVar("ModelT", bound=BaseModel)


# No request of ours nests deeper; a bound keeps every later walk far from the recursion limit.
MAX_JSON_DEPTH = 64


def parse_json(body: bytes) -> Any:
    """The JSON value of a body; :class:`MalformedBody` if it is not JSON we accept.

    Refused besides malformed JSON: nesting deeper than :data:`MAX_JSON_DEPTH` and integers
    longer than Python converts (4,300 digits), both of which would otherwise fail later.
    """
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedBody(f"the body is not valid JSON: {err}") from err
    except RecursionError as err:
        raise MalformedBody(f"the body nests deeper than {MAX_JSON_DEPTH} levels") from err
    except ValueError as err:  # an integer literal with too many digits
        raise MalformedBody(f"the body is not acceptable JSON: {err}") from err
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise MalformedBody(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in item)
    return False


def refuse_nul(value: Any, *, prefix: str = "") -> None:
    """:class:`InvalidInput` naming a string (or key) that holds a NUL character.

    PostgreSQL cannot store NUL in text, and no field of ours has a use for it.
    """
    pending: deque[tuple[Any, str]] = deque([(value, prefix)])
    while pending:
        item, path = pending.popleft()
        if isinstance(item, str) and "\x00" in item:
            raise InvalidInput("must not contain NUL characters", field=path or "body")
        if isinstance(item, list):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
        elif isinstance(item, dict):
            for key, child in item.items():
                where = f"{path}.{key}" if path else str(key)
                pending.extend(((key, where), (child, where)))


async def read_body(request: web.Request) -> bytes:
    """The request's body, decoded; :class:`MalformedBody` if its encoding does not decode."""
    try:
        return await request.read()
    except web.RequestPayloadError as err:
        raise MalformedBody("the body could not be read (is its Content-Encoding right?)") from err


async def read_json(request: web.Request) -> Any:
    """The request's JSON body."""
    return parse_json(await read_body(request))


def validate(model: type[ModelT], value: Any, *, prefix: str = "") -> ModelT:
    """``value`` as ``model``; :class:`InvalidInput` naming the first bad field."""
    if not isinstance(value, dict):
        raise InvalidInput("expected a JSON object", field=prefix or "body")
    refuse_nul(value, prefix=prefix)
    try:
        return model.model_validate(value)
    except ValidationError as err:
        raise invalid_input(err, prefix=prefix) from err


async def read_model(request: web.Request, model: type[ModelT]) -> ModelT:
    """The request's JSON body validated as ``model``."""
    return validate(model, await read_json(request))


async def read_post(
    request: web.Request, *, field: str = "body"
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form (urlencoded or multipart); :class:`MalformedBody` if it does not parse."""
    try:
        return await request.post()
    except (ValueError, LookupError, HttpProcessingError) as err:
        # aiohttp's multipart reader raises these for a missing or overlong boundary, a part
        # header that is not a header, an unknown charset, bad base64, a body cut short.
        raise MalformedBody(f"the form cannot be read ({type(err).__name__})", field=field) from err


async def read_files(request: web.Request, field: str) -> list[tuple[str, bytes]]:
    """The ``(filename, content)`` of every file posted as ``field`` in a multipart form."""
    if request.content_type != "multipart/form-data":
        raise InvalidInput("expected a multipart/form-data upload", field=field)
    form = await read_post(request, field=field)
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
