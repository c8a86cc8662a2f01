"""Behind a reverse proxy, sign-in limits still count each client, not the proxy.

Every browser reaches the server from the proxy's address. Counted by that address, one guesser
would make every admin wait (the production path in the README runs behind a proxy). The
proxies named in ``CUECARD_TRUSTED_PROXIES`` are believed about the client's address; a client
talking to the server directly is not, whatever ``X-Forwarded-For`` it sends.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.auth.throttle import PAIR_FREE_FAILURES
from server.config import Settings
from tests.fixtures.app import make_settings
from tests.server.admin.conftest import PASSWORD, PLATFORM, Browser

_SIGNIN_TOKEN = re.compile(r'name="signin_token" value="([^"]+)"')
GUESSER, ADMIN_DESK = "203.0.113.66", "198.51.100.7"


async def sign_in_from(client: TestClient[Any, Any], forwarded_for: str, password: str) -> int:
    """Post the sign-in form with the header a proxy adds; the answer's status."""
    headers = {"X-Forwarded-For": forwarded_for}
    form = await (await client.get("/admin/sign-in", headers=headers)).text()
    token = _SIGNIN_TOKEN.search(form)
    assert token is not None
    data = {"email": PLATFORM, "password": password, "signin_token": token[1], "next": ""}
    response = await client.post(
        "/admin/sign-in", data=data, headers=headers, allow_redirects=False
    )
    return response.status


async def guess_until_refused(client: TestClient[Any, Any], addresses: list[str]) -> list[int]:
    return [await sign_in_from(client, address, "guessing wrong") for address in addresses]


class TestBehindATrustedProxy:
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        # The test client connects from loopback: it plays the proxy.
        return make_settings(tmp_path, trusted_proxies="127.0.0.1, 10.0.0.0/8")

    async def test_a_guesser_waits_and_the_admin_elsewhere_signs_in(
        self, open_browser: Any
    ) -> None:
        browser: Browser = await open_browser()
        # The guesser's own hop, then an inner proxy of the deployment's, then the peer.
        chain = f"{GUESSER}, 10.1.2.3"

        statuses = await guess_until_refused(browser.client, [chain] * (PAIR_FREE_FAILURES + 1))

        assert statuses == [401] * PAIR_FREE_FAILURES + [429]
        assert await sign_in_from(browser.client, f"{ADMIN_DESK}, 10.1.2.3", PASSWORD) == 303

    async def test_what_the_client_writes_before_the_proxy_is_not_believed(
        self, open_browser: Any
    ) -> None:
        browser: Browser = await open_browser()
        # The proxy appends the guesser's real address after whatever the guesser sent.
        forged = [f"198.51.100.{index}, {GUESSER}" for index in range(PAIR_FREE_FAILURES + 1)]

        statuses = await guess_until_refused(browser.client, forged)

        assert statuses[-1] == 429


async def test_without_trusted_proxies_the_header_is_ignored(open_browser: Any) -> None:
    browser: Browser = await open_browser()
    rotating = [f"198.51.100.{index}" for index in range(PAIR_FREE_FAILURES + 1)]

    statuses = await guess_until_refused(browser.client, rotating)

    assert statuses == [401] * PAIR_FREE_FAILURES + [429]


def test_a_proxy_setting_that_is_not_an_address_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        make_settings(tmp_path, trusted_proxies="10.0.0.0/8, proxy.internal")
