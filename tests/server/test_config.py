"""Settings refuse what cannot work (half-configured sign-on, a public URL that is no URL)
before the server starts, and never send browsers to a wildcard address."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from server.config import Settings
from tests.fixtures.app import SECRET

WILDCARD = "0.0.0.0"  # noqa: S104 (a listening address, as an operator writes it)


def test_sso_is_off_unless_configured() -> None:
    assert not Settings(secret_key=SECRET).oidc_enabled


def test_sso_needs_issuer_client_id_and_secret_together() -> None:
    with pytest.raises(ValidationError, match="CUECARD_OIDC_CLIENT_SECRET together"):
        Settings(secret_key=SECRET, oidc_issuer="https://idp.example", oidc_client_id="cuecard")


@pytest.mark.parametrize(
    "issuer", ["http://idp.example", "https://idp.example/?tenant=a", "idp.example"]
)
def test_the_issuer_must_be_https_without_query(issuer: str) -> None:
    with pytest.raises(ValidationError, match="must be an https URL without query or fragment"):
        Settings(
            secret_key=SECRET,
            oidc_issuer=issuer,
            oidc_client_id="cuecard",
            oidc_client_secret="s3cret",
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "http://127.0.0.1:8080"),
        ({"host": WILDCARD, "port": 9000}, "http://127.0.0.1:9000"),
        ({"host": "::", "port": 9000}, "http://[::1]:9000"),
        ({"host": "10.0.0.5"}, "http://10.0.0.5:8080"),
        (
            {"host": WILDCARD, "public_url": "https://assist.example.com/"},
            "https://assist.example.com",
        ),
        ({"public_url": "https://example.com/cuecard"}, "https://example.com/cuecard"),
        ({"port": 9000, "public_url": ""}, "http://127.0.0.1:9000"),
    ],
)
def test_browsers_are_never_sent_to_a_wildcard_address(
    given: dict[str, Any], expected: str
) -> None:
    assert Settings(secret_key=SECRET, **given).base_url == expected


@pytest.mark.parametrize(
    "public_url", ["cuecard.example.com", "ftp://example.com", "https://example.com/?a=1"]
)
def test_the_public_url_must_be_a_web_address(public_url: str) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        Settings(secret_key=SECRET, public_url=public_url)


@pytest.mark.parametrize(
    "key", ["a" * 32, "ab" * 16, "password" * 4, "0123456789" * 4, "x" * 31 + "y"]
)
def test_an_obviously_weak_signing_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="CUECARD_SECRET_KEY is too predictable") as refused:
        Settings(secret_key=key)

    assert key not in str(refused.value)


@pytest.mark.parametrize(
    "make",
    [lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(16)],
    ids=["urlsafe", "hex"],
)
def test_generated_signing_keys_are_accepted(make: Callable[[], str]) -> None:
    for _ in range(200):
        Settings(secret_key=make())
