"""Middlewares: JSON errors for every failure, and authentication of every /api/ request.

A request none of them has work for (a widget's WebSocket upgrade, above all) is handed on by a
plain function returning the handler's awaitable: an ``async`` middleware's frame would stay
alive, for nothing, as long as the WebSocket (~0.4 KiB each, per idle widget).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiohttp import web
from aiohttp.typedefs import Handler

from server.auth.access import Permission, Principal, authorize
from server.auth.admin_sessions import COOKIE, CSRF_HEADER
from server.errors import (
    BodyTooLarge,
    CuecardError,
    InvalidInput,
    MalformedBody,
    NotFound,
    Unauthenticated,
)
from server.keys import API_KEYS, REQUEST_PRINCIPAL, SESSIONS, SETTINGS, STORE

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
# Describing the API is not using it: integrators read the document before they have a key.
PUBLIC_API_PATHS = frozenset({"/api/v1/openapi.json"})
# Platforms sign what they push; the integration's adapter verifies every request itself.
WEBHOOK_PREFIX = "/api/v1/webhooks/"
TENANT_HEADER = "X-Cuecard-Tenant"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Events arrive many times a second with one key, so only there (and in reads) may a key
# revoked moments ago still pass, from the cache; any other change asks the database, or a
# revoked key could mint its own successor before the cache forgot it.
REMEMBERED_WRITES = frozenset({"/api/v1/events"})


def error_response(err: CuecardError) -> web.Response:
    """The JSON body every error reaches clients as."""
    headers = {}
    if (retry_after := getattr(err, "retry_after", None)) is not None:
        headers["Retry-After"] = str(retry_after)
    return web.json_response(err.to_dict(), status=err.status, headers=headers)


@web.middleware
def errors_middleware(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Shape CuecardError and aiohttp's HTTP errors into JSON bodies."""
    if _websocket_upgrade(request):
        # Failing before the upgrade is the socket server's to answer; after it, no response.
        return handler(request)
    return _shape_errors(request, handler)


def _websocket_upgrade(request: web.Request) -> bool:
    """A WebSocket handshake outside the API: the widgets' Socket.IO connections."""
    return request.headers.get(
        "Upgrade", ""
    ).lower() == "websocket" and not request.path.startswith(API_PREFIX)


async def _shape_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CuecardError as err:
        return error_response(err)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].max_body_bytes
        return error_response(BodyTooLarge(f"the body exceeds {limit} bytes", field="body"))
    except web.RequestPayloadError as err:
        # The body's transfer or content encoding does not decode (e.g. not really gzip).
        if not request.path.startswith(API_PREFIX):
            raise web.HTTPBadRequest(text="the request body could not be read") from err
        return error_response(MalformedBody("the body could not be read", field="body"))
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


async def no_sniffing(request: web.Request, response: web.StreamResponse) -> None:
    """Every response declares its type final (the pages set it already; the JSON API and the
    Socket.IO polling answers did not), so no browser renders an echoed field as HTML."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")


@web.middleware
def refused_body_middleware(
    request: web.Request, handler: Handler
) -> Awaitable[web.StreamResponse]:
    """After refusing a compressed body unread, close the connection instead of draining it.

    aiohttp otherwise reads a refused request's remaining body before reusing the connection,
    and reading a compressed body means inflating it: a 1 MB gzip bomb would cost a GiB of
    zlib work even though it was refused at the first byte.
    """
    if not request.headers.get("Content-Encoding"):
        return handler(request)
    return _close_refused(request, handler)


async def _close_refused(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and _unread_compressed_body(request):
            await _answer_and_close(request, exc)
            return exc
        raise
    if response.status >= 400 and _unread_compressed_body(request):
        await _answer_and_close(request, response)
    return response


def _unread_compressed_body(request: web.Request) -> bool:
    return bool(request.headers.get("Content-Encoding")) and not request.content.is_eof()


async def _answer_and_close(request: web.Request, response: web.StreamResponse) -> None:
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    # The answer is flushed before the transport closes; the rest of the body is never read.
    if request.protocol is not None:
        request.protocol.force_close()


@web.middleware
def principal_middleware(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Authenticate every /api/ request: a tenant API key, or an admin session cookie."""
    if request.path.startswith(API_PREFIX) and not _public(request.path):
        return _authenticated(request, handler)
    return handler(request)


async def _authenticated(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_PRINCIPAL] = await _authenticate(request)
    return await handler(request)


def _public(path: str) -> bool:
    return path in PUBLIC_API_PATHS or path.startswith(WEBHOOK_PREFIX)


async def _authenticate(request: web.Request) -> Principal:
    key = request_api_key(request)
    if key:
        remembered = request.method in SAFE_METHODS or request.path in REMEMBERED_WRITES
        tenant_id = await request.app[API_KEYS].tenant_for(key, remembered=remembered)
        if tenant_id is None:
            raise Unauthenticated("the API key is not valid")
        return Principal.of_api_key(tenant_id)
    signed_in = await request.app[SESSIONS].resolve(request.cookies.get(COOKIE))
    if signed_in is None:
        raise Unauthenticated(
            "an API key (Authorization: Bearer <key>) or an admin session is required"
        )
    # A browser sends the cookie with any request a page makes; only our pages know the token.
    if request.method not in SAFE_METHODS:
        signed_in.check_csrf(request.headers.get(CSRF_HEADER))
    return Principal.of_admin(signed_in.admin)


def request_api_key(request: web.Request) -> str | None:
    """The API key the request presents (``X-Api-Key`` or ``Authorization: Bearer``), if any."""
    return request.headers.get("X-Api-Key") or _bearer(request.headers.get("Authorization", ""))


def _bearer(header: str) -> str | None:
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def request_principal(request: web.Request) -> Principal:
    """Who the current API request is authenticated as."""
    return request[REQUEST_PRINCIPAL]


async def request_tenant(request: web.Request) -> str:
    """The tenant the current API request acts on, once the caller may act on it.

    An API key and a tenant admin act on their own tenant; a platform admin names one in
    the ``X-Cuecard-Tenant`` header. Naming another tenant is a 404, like a missing one.
    """
    principal = request_principal(request)
    tenant_id = request.headers.get(TENANT_HEADER, "").strip() or principal.tenant_id
    if tenant_id is None:
        raise InvalidInput(f"name the tenant in the {TENANT_HEADER} header", field=TENANT_HEADER)
    authorize(principal, Permission.CONFIGURE, tenant_id)
    if principal.is_platform and await request.app[STORE].tenants.get(tenant_id) is None:
        raise NotFound("no such tenant")
    return tenant_id
