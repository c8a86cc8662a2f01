"""Admin sessions: a random id in an HttpOnly cookie, its hash and CSRF token in the database.

Sessions live in the database so any server process can check them. A session ends when
its admin signs out, after ``admin_idle_seconds`` unused, or ``admin_max_seconds`` after
sign-in, whichever comes first.

Example::

    token, session = await sessions.start(admin)
    set_session_cookie(response, token, secure=True)
    signed_in = await sessions.resolve(request.cookies.get(COOKIE))
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from server.errors import CsrfRejected
from server.store.database import Store
from server.store.models import Admin, AdminSession
from server.store.schema import utcnow

COOKIE = "cuecard_admin"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# Recording every request's time would be a write per request; a minute of slack is enough.
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """What is stored for a session id."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session and the admin it belongs to."""

    admin: Admin
    session: AdminSession
    token_hash: str

    def check_csrf(self, supplied: str | None) -> None:
        """:class:`CsrfRejected` unless ``supplied`` is this session's CSRF token."""
        expected = self.session.csrf_token
        given = (supplied or "").encode("utf-8", "surrogateescape")  # the bytes as sent
        if not supplied or not hmac.compare_digest(given, expected.encode()):
            raise CsrfRejected("the CSRF token is missing or wrong; reload the page and retry")


class SessionService:
    """Starts, checks and ends admin sessions."""

    def __init__(self, store: Store, *, idle_seconds: int, max_seconds: int) -> None:
        self._store = store
        self._idle = timedelta(seconds=idle_seconds)
        self._max = timedelta(seconds=max_seconds)

    async def start(self, admin: Admin) -> str:
        """A new session for ``admin``; returns the id to put in the cookie."""
        token = secrets.token_urlsafe(32)
        await self._store.admin_sessions.create(
            token_hash(token),
            admin.id,
            secrets.token_urlsafe(32),
            expires_at=utcnow() + self._max,
        )
        return token

    async def resolve(self, token: str | None) -> SignedIn | None:
        """The live session for a cookie value; ``None`` if absent, unknown or expired."""
        # Session ids are ASCII; header bytes that are not UTF-8 reach us as lone surrogates.
        if not token or len(token) > 100 or not token.isascii():
            return None
        hashed = token_hash(token)
        session = await self._store.admin_sessions.get(hashed)
        if session is None:
            return None
        now = utcnow()
        if now >= session.expires_at or now >= session.last_seen_at + self._idle:
            await self._store.admin_sessions.delete(hashed)
            return None
        admin = await self._store.admins.get(session.admin_id)
        if admin is None:
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            await self._store.admin_sessions.touch(hashed, now)
        return SignedIn(admin=admin, session=session, token_hash=hashed)

    async def end(self, signed_in: SignedIn) -> None:
        """Sign out: the session is deleted, so the cookie is worthless everywhere."""
        await self._store.admin_sessions.delete(signed_in.token_hash)

    async def purge(self) -> int:
        """Delete every expired session; returns how many."""
        now = utcnow()
        return await self._store.admin_sessions.purge(now, now - self._idle)


def set_session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, whole site, Secure behind https."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=secure, path="/")


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Tell the browser to forget the session cookie."""
    response.del_cookie(COOKIE, path="/")
