"""The widget page's security headers: a strict CSP whose frame-ancestors is per tenant."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence

from providers.base import ProviderSettings
from providers.models import TENANT_ID_PATTERN

_LOGGER = logging.getLogger(__name__)

FrameAncestors = Callable[[str], Awaitable[Sequence[str]]]
"""Returns the origins allowed to frame the widget for a tenant id; empty when unknown."""

SettingsLookup = Callable[[str, str], Awaitable[ProviderSettings | None]]
"""(tenant_id, platform) -> the tenant's enabled settings of the platform, None if none."""

TENANT_ID = re.compile(TENANT_ID_PATTERN)
# One CSP host-source with an explicit http(s) scheme, e.g. https://*.desk.example.com:443.
# Anything else (spaces, ';', quotes, paths) could change the policy's meaning, so it is dropped.
_ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?", re.IGNORECASE)
# A script origin: no wildcard, https (plain http only for a double on this machine).
_SCRIPT_ORIGIN = re.compile(
    r"(https://[a-z0-9-]+(\.[a-z0-9-]+)+|http://(127\.0\.0\.1|localhost))(:\d{1,5})?"
)

BASE_POLICY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self' ws: wss:",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def valid_tenant_id(value: str | None) -> str | None:
    """The tenant id if it is a well-formed slug, else None."""
    if value is not None and TENANT_ID.fullmatch(value):
        return value
    return None


def frame_ancestors_directive(origins: Iterable[str]) -> str:
    """``frame-ancestors`` for these origins; ``'none'`` when no usable origin remains."""
    usable = [origin.rstrip("/") for origin in origins if _ORIGIN.fullmatch(origin.rstrip("/"))]
    if not usable:
        return "frame-ancestors 'none'"
    return "frame-ancestors " + " ".join(dict.fromkeys(usable))


def content_security_policy(origins: Iterable[str], scripts: Iterable[str] = ()) -> str:
    """The full policy for a widget response; ``scripts`` are origins the page may load
    scripts from besides its own (a desktop platform's SDK, on that platform's page only)."""
    extra = [origin for origin in dict.fromkeys(scripts) if _SCRIPT_ORIGIN.fullmatch(origin)]
    script_src = " ".join(("script-src 'self'", *extra))
    policy = [script_src if part.startswith("script-src") else part for part in BASE_POLICY]
    return "; ".join((*policy, frame_ancestors_directive(origins)))


def same_origin(left: str, right: str) -> bool:
    """Whether two origins are the same, ignoring case and a trailing slash."""
    return left.rstrip("/").lower() == right.rstrip("/").lower()


async def tenant_origins(lookup: FrameAncestors, tenant: str | None) -> Sequence[str]:
    """The tenant's desktop origins, or none for a missing or malformed tenant id.

    A failing lookup fails closed: the page then cannot be framed anywhere.
    """
    tenant_id = valid_tenant_id(tenant)
    if tenant_id is None:
        return ()
    try:
        origins = await lookup(tenant_id)
    except Exception:
        _LOGGER.warning("frame-ancestors lookup failed for tenant %s", tenant_id, exc_info=True)
        return ()
    dropped = [origin for origin in origins if not _ORIGIN.fullmatch(origin.rstrip("/"))]
    if dropped:
        _LOGGER.debug("tenant %s: ignored %d malformed desktop origins", tenant_id, len(dropped))
    return origins
