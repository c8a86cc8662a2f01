"""Operational endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web
from pydantic import SecretStr

from server.errors import CuecardError, Forbidden, Unauthenticated
from server.keys import METRICS, SETTINGS, STATE, STORE
from server.metrics import CONTENT_TYPE
from server.middlewares import request_api_key

# Headers a reverse proxy adds; their presence means the loopback peer is only a relay.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """The database and the shared state (Redis, if configured) are reachable."""
    checks = {}
    for name, check in (("database", request.app[STORE].ping), ("state", request.app[STATE].ping)):
        try:
            await check()
        except CuecardError as err:
            checks[name] = err.message
        else:
            checks[name] = "ok"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition, for the configured token's bearer or this host only."""
    check_metrics_access(request, request.app[SETTINGS].metrics_token)
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def check_metrics_access(request: web.Request, token: SecretStr | None) -> None:
    """With a token, its bearer may read metrics; without, only a direct loopback peer.

    A request relayed by a proxy on this host also arrives from loopback; the forwarding
    headers proxies add tell it apart, so it needs the token too.
    """
    if token is not None:
        # surrogateescape: header bytes that are not UTF-8 are compared as sent, not a crash.
        given = (request_api_key(request) or "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, token.get_secret_value().encode()):
            raise Unauthenticated("/metrics needs the metrics token (Authorization: Bearer ...)")
        return
    if not _loopback(request.remote) or any(name in request.headers for name in PROXY_HEADERS):
        raise Forbidden("/metrics is served to this host only; set CUECARD_METRICS_TOKEN to scrape")


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:  # a Unix socket peer has no IP address
        return False
