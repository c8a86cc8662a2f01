"""Middlewares: JSON errors for every failure, and tenant API-key authentication."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from server.errors import BodyTooLarge, CuecardError, NotFound, Unauthenticated
from server.keys import API_KEYS, REQUEST_TENANT, SETTINGS

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
# Describing the API is not using it: integrators read the document before they have a key.
PUBLIC_API_PATHS = frozenset({"/api/v1/openapi.json"})


def error_response(err: CuecardError) -> web.Response:
    """The JSON body every error reaches clients as."""
    return web.json_response(err.to_dict(), status=err.status)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Shape CuecardError and aiohttp's HTTP errors into JSON bodies."""
    try:
        return await handler(request)
    except CuecardError as err:
        return error_response(err)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].max_body_bytes
        return error_response(BodyTooLarge(f"the body exceeds {limit} bytes", field="body"))
    except web.HTTPNotFound as err:
        if not request.path.startswith(API_PREFIX):
            raise
        return error_response(NotFound(err.reason))
    except web.HTTPException as err:
        if not request.path.startswith(API_PREFIX) or err.status < 400:
            raise
        return web.json_response(
            {"code": err.reason.lower().replace(" ", "_"), "message": err.reason},
            status=err.status,
        )
    except Exception:
        if not request.path.startswith(API_PREFIX):
            raise
        log.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response(
            {"code": "internal_error", "message": "internal error; retrying is safe"}, status=500
        )


@web.middleware
async def api_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate every /api/ request with the tenant's API key (Bearer or X-Api-Key)."""
    if request.path.startswith(API_PREFIX) and request.path not in PUBLIC_API_PATHS:
        request[REQUEST_TENANT] = await _authenticate(request)
    return await handler(request)


async def _authenticate(request: web.Request) -> str:
    key = request.headers.get("X-Api-Key") or _bearer(request.headers.get("Authorization", ""))
    if not key:
        raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
    tenant_id = await request.app[API_KEYS].tenant_for(key)
    if tenant_id is None:
        raise Unauthenticated("the API key is not valid")
    return tenant_id


def _bearer(header: str) -> str | None:
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def request_tenant(request: web.Request) -> str:
    """The tenant the current API request is authenticated for."""
    tenant_id: str = request[REQUEST_TENANT]
    return tenant_id
