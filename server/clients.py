"""Who sent a request: the peer's address, or the client's as a trusted reverse proxy names it.

Behind a reverse proxy every browser arrives from the proxy's address, so limits kept per
address (sign-in back-off, sign-in starts) would be one shared bucket: one guesser would lock
every admin out. The proxies listed in ``CUECARD_TRUSTED_PROXIES`` are believed about the
address they append to ``X-Forwarded-For``; nobody else is, since anyone can send the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web

from server.keys import SETTINGS

Network = IPv4Network | IPv6Network
# A chain longer than this is not a deployment's proxies; only its nearest hops are read.
MAX_HOPS = 16


def request_client(request: web.Request) -> str:
    """The address a request came from, for limits kept per address.

    The peer's own address unless the peer is a trusted proxy; then, reading ``X-Forwarded-For``
    from the nearest hop outwards, the first address that is not a trusted proxy (hops further
    out were written by whoever the client is, and prove nothing).
    """
    peer = request.remote or "?"
    trusted: Sequence[Network] = request.config_dict[SETTINGS].trusted_proxies
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = _forwarded_for(request)
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _forwarded_for(request: web.Request) -> list[str]:
    """The header's addresses, outermost first, as canonical strings; a hop that is not an
    address is kept as written (truncated), so it can be neither trusted nor mistaken for one."""
    joined = ",".join(request.headers.getall("X-Forwarded-For", ()))
    hops = [hop.strip() for hop in joined.split(",")[-MAX_HOPS:]]
    return [_canonical(hop) for hop in hops if hop]


def _canonical(hop: str) -> str:
    address = _address(hop)
    return hop[:64] if address is None else str(address)


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in trusted)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        parsed = ip_address(text)
    except ValueError:
        return None
    # A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed
