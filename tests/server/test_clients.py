"""The client address behind proxies: read from the nearest hop outwards, trusting only proxies."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server.clients import request_client
from server.keys import SETTINGS
from tests.fixtures.app import make_settings


def client_of(tmp_path: Path, peer: str, forwarded_for: list[str], trusted: str) -> str:
    app = web.Application()
    app[SETTINGS] = make_settings(tmp_path, trusted_proxies=trusted)
    headers = [("X-Forwarded-For", value) for value in forwarded_for]
    request = make_mocked_request("POST", "/admin/sign-in", headers=headers, app=app)
    # make_mocked_request has no peer; what the transport reports is what request.remote reads.
    request = request.clone(remote=peer)
    return request_client(request)


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        # A direct client is its own address, whatever it claims.
        ("203.0.113.9", ["198.51.100.1"], "", "203.0.113.9"),
        ("203.0.113.9", ["198.51.100.1"], "10.0.0.0/8", "203.0.113.9"),
        # Behind one trusted proxy: the hop it appended.
        ("10.0.0.2", ["198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
        # A forged hop in front of the real one is skipped over, never reached.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
        # Two proxies of the deployment, the header split over two lines.
        ("10.0.0.2", ["198.51.100.1", "10.9.9.9"], "10.0.0.0/8", "198.51.100.1"),
        # A dual-stack listener's IPv4-mapped peer is the IPv4 proxy.
        ("::ffff:10.0.0.2", ["198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
        # IPv6 clients come out in one spelling.
        ("10.0.0.2", ["2001:DB8:0:0::1"], "10.0.0.0/8", "2001:db8::1"),
        # A trusted proxy that sent no header: the proxy is all there is to count.
        ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),
        # Every hop a proxy: the outermost is the client (an internal browser).
        ("10.0.0.2", ["10.5.5.5, 10.0.0.3"], "10.0.0.0/8", "10.5.5.5"),
        # Something that is not an address where the client's should be is not trusted.
        ("10.0.0.2", ["unknown"], "10.0.0.0/8", "unknown"),
    ],
)
def test_the_client_is_the_nearest_hop_that_is_not_a_trusted_proxy(
    tmp_path: Path, peer: str, forwarded_for: list[str], trusted: str, client: str
) -> None:
    assert client_of(tmp_path, peer, forwarded_for, trusted) == client
