"""Signing in and out with an email and a password."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from server.admin.pages import (
    behind_tls,
    read_form,
    redirect,
    render,
    require_admin,
    text,
    url,
)
from server.auth.admin_sessions import SignedIn, clear_session_cookie, set_session_cookie
from server.clients import request_client
from server.errors import CsrfRejected, TooManyAttempts, Unauthenticated
from server.keys import ADMINS, SESSIONS, SETTINGS, SIGNED_IN

routes = web.RouteTableDef()
# The sign-in form has no session to bind a CSRF token to yet: it pairs a random cookie
# with the same value in the form (double submit), which a cross-site page cannot read.
SIGNIN_COOKIE = "cuecard_signin"


@routes.get("/sign-in", name="sign_in")
async def sign_in_form(request: web.Request) -> web.StreamResponse:
    """The sign-in form; already signed in, the tenants page."""
    if request.get(SIGNED_IN) is not None:
        return redirect(request, url(request, "tenants"))
    return sign_in_page(request, "", {}, next_path=request.query.get("next", ""))


@routes.post("/sign-in", name="sign_in_post")
async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check the credentials and start a session."""
    form = await read_form(request)
    email = text(form, "email")
    try:
        check_signin_token(request, text(form, "signin_token"))
        password = form.get("password", "")
        admin = await request.config_dict[ADMINS].sign_in(
            email, password if isinstance(password, str) else "", client=request_client(request)
        )
    except (Unauthenticated, TooManyAttempts, CsrfRejected) as err:
        errors = {"form": err.message}
        return sign_in_page(request, email, errors, next_path=text(form, "next"), status=err.status)
    previous = request.get(SIGNED_IN)
    if previous is not None:
        await request.config_dict[SESSIONS].end(previous)
    return await start_session(request, admin_id=admin.id, next_path=text(form, "next"))


async def start_session(request: web.Request, *, admin_id: str, next_path: str) -> web.Response:
    """Sign ``admin_id`` in (a fresh session id, never a reused one) and go on."""
    admin = await request.config_dict[ADMINS].get(admin_id)
    token = await request.config_dict[SESSIONS].start(admin)
    response = redirect(request, _safe_next(request, next_path))
    set_session_cookie(response, token, secure=behind_tls(request))
    response.del_cookie(SIGNIN_COOKIE, path="/admin/")
    return response


@routes.post("/sign-out", name="sign_out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session everywhere and forget the cookie."""
    signed_in: SignedIn = require_admin(request)
    await request.config_dict[SESSIONS].end(signed_in)
    response = redirect(request, url(request, "sign_in"), "Signed out.")
    clear_session_cookie(response)
    return response


def sign_in_page(
    request: web.Request,
    email: str,
    errors: dict[str, str],
    *,
    next_path: str,
    status: int = 200,
) -> web.Response:
    """The sign-in form (with Sign in with SSO when configured), ``errors`` at the top."""
    token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        {
            "email": email,
            "errors": errors,
            "signin_token": token,
            "next": next_path,
            "sso": request.config_dict[SETTINGS].oidc_enabled,
        },
        status=status,
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=behind_tls(request),
        path="/admin/",
    )
    return response


def check_signin_token(request: web.Request, supplied: str) -> None:
    """:class:`CsrfRejected` unless the form carries this browser's sign-in token."""
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise CsrfRejected("the sign-in form expired; please try again")


def _safe_next(request: web.Request, next_path: str) -> str:
    # Only our own pages: an attacker's link must not bounce a fresh session elsewhere, nor
    # hold a line break, which no Location header may carry (the answer would never be sent).
    if next_path.startswith("/admin/") and next_path.isprintable():
        return next_path
    return url(request, "tenants")
