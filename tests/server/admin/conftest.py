"""Admin fixtures: the real app with acme and globex, a platform admin and one admin per tenant."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from server.keys import ADMINS

PASSWORD = "correct horse battery staple"
PLATFORM = "root@example.com"
ACME_ADMIN = "ann@acme.example"
GLOBEX_ADMIN = "gus@globex.example"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
_SIGNIN_TOKEN = re.compile(r'name="signin_token" value="([^"]+)"')


@dataclass
class Browser:
    """An HTTP client with its own cookie jar, signed in as one admin (or nobody)."""

    client: TestClient[Any, Any]
    csrf: str = ""

    async def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        """Post the sign-in form as a browser would; returns the response (not followed)."""
        form = await (await self.client.get("/admin/sign-in")).text()
        token = _SIGNIN_TOKEN.search(form)
        assert token is not None
        response = await self.client.post(
            "/admin/sign-in",
            data={"email": email, "password": password, "signin_token": token[1], "next": ""},
            allow_redirects=False,
        )
        if response.status == 303:
            page = await (await self.client.get("/admin/tenants")).text()
            found = _META_CSRF.search(page)
            assert found is not None
            self.csrf = found[1]
        return response

    async def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form post carrying the session's CSRF token."""
        return await self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, allow_redirects=False, **kwargs
        )

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, allow_redirects=False, **kwargs)


async def create_admins(app: Any) -> None:
    admins = app[ADMINS]
    await admins.create(PLATFORM, PASSWORD, role="platform", tenant_id=None)
    await admins.create(ACME_ADMIN, PASSWORD, role="tenant", tenant_id="acme")
    await admins.create(GLOBEX_ADMIN, PASSWORD, role="tenant", tenant_id="globex")


@pytest.fixture
async def open_browser(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> AsyncIterator[Callable[..., Awaitable[Browser]]]:
    """Open browsers (each its own cookie jar) on one running server with the admins seeded."""
    app = create_app(settings)
    first = await aiohttp_client(app)
    await create_admins(app)
    unused = [first]
    extra: list[TestClient[Any, Any]] = []

    async def open_one(email: str | None = None) -> Browser:
        if unused:
            client = unused.pop()
        else:
            client = TestClient(first.server)
            await client.start_server()
            extra.append(client)
        browser = Browser(client)
        if email is not None:
            response = await browser.sign_in(email)
            assert response.status == 303, await response.text()
        return browser

    yield open_one
    for client in extra:
        await client.session.close()  # the server itself closes with the first client
