"""The admin pages' gate: security headers, sessions, sign-in redirects, CSRF checks, and
HTML error pages."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from server.admin.pages import render
from server.api.bodies import read_post
from server.auth.admin_sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, SignedIn
from server.errors import BodyTooLarge, CuecardError, NotFound, Unauthenticated
from server.keys import SESSIONS, SIGNED_IN

log = logging.getLogger(__name__)
# Routes anyone may open: signing in (password or SSO) and the static files the form uses.
PUBLIC_ROUTES = frozenset({"sign_in", "sign_in_post", "sso_start", "sso_callback", "static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Knowledge-base uploads come through admin forms; only signed-in admins get this far.
ADMIN_MAX_BODY = 32 * 1024 * 1024
# Anonymous visitors post only the sign-in form: a few hundred bytes.
ANONYMOUS_MAX_BODY = 16 * 1024
# Own scripts and styles only, never framed. No form-action: the Sign in with SSO form is
# redirected to the identity provider, which form-action would block.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every admin response, errors and redirects included, carries the security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def admin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Send anonymous visitors to sign in; refuse unsafe requests without the CSRF token."""
    signed_in = await request.config_dict[SESSIONS].resolve(request.cookies.get(COOKIE))
    if request.method not in SAFE_METHODS:
        limit = ANONYMOUS_MAX_BODY if signed_in is None else ADMIN_MAX_BODY
        request = request.clone(client_max_size=limit)
    if signed_in is not None:
        request[SIGNED_IN] = signed_in
    try:
        if request.match_info.route.name not in PUBLIC_ROUTES:
            if signed_in is None:
                return _to_sign_in(request)
            if request.method not in SAFE_METHODS:
                await _check_csrf(request, signed_in)
        return await handler(request)
    except Unauthenticated:
        return _to_sign_in(request)
    except CuecardError as err:
        return render(request, "error.html", {"error": err}, status=err.status)
    except web.HTTPNotFound:
        return render(request, "error.html", {"error": NotFound("no such page")}, status=404)
    except web.HTTPRequestEntityTooLarge:
        error = BodyTooLarge(f"the form is too large (at most {request.client_max_size} bytes)")
        return render(request, "error.html", {"error": error}, status=413)


async def _check_csrf(request: web.Request, signed_in: SignedIn) -> None:
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        value = (await read_post(request)).get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    signed_in.check_csrf(supplied)


def _to_sign_in(request: web.Request) -> web.Response:
    location = request.app.router["sign_in"].url_for()
    if request.method == "GET" and request.match_info.route.name != "sign_in":
        location = location.with_query(next=request.path_qs)
    return web.Response(status=303, headers={"Location": str(location)})
