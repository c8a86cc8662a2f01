"""Behind https, every cookie the admin pages set is Secure, HttpOnly and SameSite=Lax.

A cookie without Secure also rides along on a plain-http request to the same host, where
anyone on the network reads it: the sign-in form's CSRF token, or a flash message.
"""

from __future__ import annotations

import re
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from server.config import Settings
from tests.fixtures.app import make_settings
from tests.server.admin.conftest import PASSWORD, PLATFORM

_SIGNIN_TOKEN = re.compile(r'name="signin_token" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The server as deployed behind TLS (the test client itself still speaks http)."""
    return make_settings(tmp_path, public_url="https://cuecard.example")


def set_cookie(response: Any, name: str) -> Morsel[str]:
    """The ``Set-Cookie`` the response sends for ``name``."""
    for header in response.headers.getall("Set-Cookie", []):
        parsed: SimpleCookie = SimpleCookie(header)
        if name in parsed:
            return parsed[name]
    raise AssertionError(f"no Set-Cookie for {name}")


def assert_locked_down(cookie: Morsel[str]) -> None:
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


async def test_every_admin_cookie_is_secure_behind_https(open_browser: Any) -> None:
    browser = await open_browser()
    client = browser.client
    form = await client.get("/admin/sign-in")
    signin = set_cookie(form, "cuecard_signin")
    token = _SIGNIN_TOKEN.search(await form.text())
    assert token is not None
    assert token[1] == signin.value

    signed_in = await client.post(
        "/admin/sign-in",
        data={"email": PLATFORM, "password": PASSWORD, "signin_token": token[1], "next": ""},
        headers={"Cookie": f"cuecard_signin={signin.value}"},
        allow_redirects=False,
    )
    assert signed_in.status == 303
    session = set_cookie(signed_in, "cuecard_admin")
    cookies = {"Cookie": f"cuecard_admin={session.value}"}
    csrf = _META_CSRF.search(await (await client.get("/admin/tenants", headers=cookies)).text())
    assert csrf is not None
    assert csrf[1]
    signed_out = await client.post(
        "/admin/sign-out", data={"csrf_token": csrf[1]}, headers=cookies, allow_redirects=False
    )

    assert signed_out.status == 303
    for cookie in (signin, session, set_cookie(signed_out, "cuecard_flash")):
        assert_locked_down(cookie)
