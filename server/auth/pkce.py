"""One browser-bound Authorization Code flow: state, PKCE verifier, nonce, and the cookie.

Admin single sign-on, platform sign-in and the tenant's identity provider all start the same
way: a random ``state``, ``code_verifier`` (RFC 7636, S256) and ``nonce`` are kept server-side
under the state, with what the flow needs afterwards, for ten minutes; a random secret binds
them to the browser through an HttpOnly cookie only that browser holds. At the callback the
state is taken once and must come back with the cookie of the browser that started it.

Example::

    flows = PendingFlows(state, namespace="login", model=PendingLogin, refused=StateInvalid,
                         expired="start again", other_browser="started elsewhere")
    start = await flows.begin(PendingLogin(tenant_id="acme"), client="198.51.100.7")
    cookie.set(response, start, secure=True)          # then redirect to the provider
    claimed = await flows.claim(state, cookie.secret(request, state))
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from aiohttp import web
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from pydantic import BaseModel, ConfigDict

from server.errors import CuecardError
from server.ratelimit import RateLimit, RateLimiter
from server.state.base import StateStore

FLOW_SECONDS = 600
# Anyone may start a sign-in, and each start keeps a flow for FLOW_SECONDS in the state store
# every tenant shares (a full in-memory store drops the oldest of that kind of flow).
# Behind a reverse proxy every agent has the proxy's address, so one address must carry a
# large contact center's shift start (hundreds of sign-ins within minutes); a flood that
# fills the store in one flow's lifetime needs about 170 a second.
STARTS_PER_ADDRESS = RateLimit("sign-ins started from one address", limit=600, seconds=60)
STATE = re.compile(r"[A-Za-z0-9_-]{20,128}")
ContextT = TypeVar("ContextT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class FlowStart:
    """What the authorization request carries, and the secret the browser's cookie keeps."""

    state: str
    nonce: str
    code_challenge: str
    browser_secret: str


@dataclass(frozen=True, slots=True)
class Claimed(Generic[ContextT]):
    """A flow taken back at its callback: its context, verifier and nonce."""

    context: ContextT
    code_verifier: str
    nonce: str


class _Pending(BaseModel):
    model_config = ConfigDict(frozen=True)

    context: str
    code_verifier: str
    nonce: str
    browser_digest: str


class PendingFlows(Generic[ContextT]):
    """Flows in progress, in the live state store (so any node can take the callback)."""

    def __init__(
        self,
        state: StateStore,
        *,
        namespace: str,
        model: type[ContextT],
        refused: type[CuecardError],
        expired: str,
        other_browser: str,
    ) -> None:
        self._state = state
        self._namespace = namespace
        self._model = model
        self._refused = refused
        self._messages = (expired, other_browser)
        self._starts = RateLimiter(STARTS_PER_ADDRESS)

    async def begin(self, context: ContextT, *, client: str) -> FlowStart:
        """Keep ``context`` under a new state; what the authorization request needs.

        :class:`RateLimited` once the ``client`` address started too many flows lately.
        """
        self._starts.spend(client)
        state, nonce, verifier, browser_secret = (generate_token(n) for n in (32, 32, 64, 32))
        pending = _Pending(
            context=context.model_dump_json(),
            code_verifier=verifier,
            nonce=nonce,
            browser_digest=_digest(browser_secret),
        )
        await self._state.put_ephemeral(self._key(state), pending.model_dump_json(), FLOW_SECONDS)
        return FlowStart(state, nonce, create_s256_code_challenge(verifier), browser_secret)

    async def claim(self, state: str, browser_secret: str | None) -> Claimed[ContextT]:
        """The flow started under ``state``, taken once; refused for any other browser."""
        raw = await self._state.take_ephemeral(self._key(state)) if STATE.fullmatch(state) else None
        if raw is None:
            raise self._refused(self._messages[0])
        pending = _Pending.model_validate_json(raw)
        if browser_secret is None or not hmac.compare_digest(
            _digest(browser_secret), pending.browser_digest
        ):
            raise self._refused(self._messages[1])
        context = self._model.model_validate_json(pending.context)
        return Claimed(context, pending.code_verifier, pending.nonce)

    def _key(self, state: str) -> str:
        return f"{self._namespace}:{state}"


@dataclass(frozen=True, slots=True)
class BrowserCookie:
    """The cookie that binds a flow to its browser: one per flow, so two tabs do not clash."""

    prefix: str
    path: str

    def set(self, response: web.StreamResponse, start: FlowStart, *, secure: bool) -> None:
        """Give the browser the flow's secret, and keep the redirect out of caches."""
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie(
            self.prefix + start.state,
            start.browser_secret,
            max_age=FLOW_SECONDS,
            path=self.path,
            httponly=True,
            secure=secure,
            # Lax: the cookie must ride along on the provider's top-level redirect back to us.
            samesite="Lax",
        )

    def secret(self, request: web.Request, state: str) -> str | None:
        """The browser's secret for ``state``, if it sent one."""
        return request.cookies.get(self.prefix + state) if STATE.fullmatch(state) else None

    def clear(self, response: web.StreamResponse, state: str) -> None:
        """Drop the flow's cookie once its callback was handled."""
        response.del_cookie(self.prefix + state, path=self.path)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
